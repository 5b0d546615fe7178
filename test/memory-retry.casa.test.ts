/**
 * Issue 6's check with real CASA: the demo with an imaging memory limit that CASA exceeds.
 * The kernel kills the imaging at its limit; the attempt is classified as memory from the
 * kernel's own record, the retry policy runs it again with twice the memory, and the
 * campaign completes with both attempts in the report.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { memoryCgroupsAvailable } from "../src/executors/memory-cgroup.js";
import { packageRoot } from "../src/paths.js";
import type { CampaignReport } from "../src/store/store.js";

const cli = join(packageRoot, "dist", "src", "cli", "main.js");
const MiB = 2 ** 20;

test(
  "an imaging run over its memory limit is retried with twice the memory and completes; the report shows both attempts",
  { skip: memoryCgroupsAvailable() ? false : "this machine has no memory cgroups" },
  () => {
    const work = mkdtempSync(join(tmpdir(), "reimage-memory-"));
    try {
      // 150 MiB is below what tclean needs for the demo images, 300 MiB above (measured by the cgroup).
      const run = spawnSync(process.execPath, [cli, "--work-dir", work, "demo", "--memory-limit", "image=150MiB"], {
        encoding: "utf8",
        env: { ...process.env, CI: "1" },
      });
      assert.equal(run.status, 0, run.stderr.slice(-3000));
      // Far more than spawnSync's default 1 MiB (every product's statistics and footprint).
      const json = spawnSync(process.execPath, [cli, "--work-dir", work, "report", "--json"], { encoding: "utf8", maxBuffer: 512 * 2 ** 20 });
      const report = JSON.parse(json.stdout) as CampaignReport;
      for (const mous of report.mouses.slice(0, 2)) {
        assert.equal(mous.state, "succeeded", mous.mousUid);
        const image = mous.steps.find((s) => s.name === "image")!;
        assert.deepEqual(
          image.attempts.map((a) => [a.state, a.memoryLimitBytes]),
          [
            ["failed", 150 * MiB],
            ["succeeded", 300 * MiB],
          ],
        );
        const [error] = mous.errors;
        assert.equal(error?.errorClass, "memory");
        assert.match(error?.evidenceLine ?? "", /limit 150 MiB reached .*OOM killer/);
        assert.equal(error?.decision, "retry: memory: 150 MiB -> 300 MiB");
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  },
);
