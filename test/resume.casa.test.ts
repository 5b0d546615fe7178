/**
 * kill -9 in the middle of a CASA step, then resume: the campaign completes, no finished
 * step runs twice, every log of the killed attempt is kept, and the CASA the killed run
 * left behind is stopped before its step runs again. Runs the real CLI on the demo.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { packageRoot } from "../src/paths.js";
import { openSqliteStore } from "../src/store/open.js";
import type { CampaignReport } from "../src/store/store.js";

const cli = join(packageRoot, "dist", "src", "cli", "main.js");

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

async function readReport(storeFile: string): Promise<CampaignReport | undefined> {
  if (!existsSync(storeFile)) return undefined;
  const store = await openSqliteStore(storeFile);
  try {
    return (await store.listCampaigns()).length > 0 ? await store.report("demo") : undefined;
  } finally {
    await store.close();
  }
}

test("a demo campaign killed with SIGKILL during a CASA restore resumes to the end without redoing finished steps", async () => {
  const work = mkdtempSync(join(tmpdir(), "reimage-resume-"));
  const storeFile = join(work, "reimage.sqlite");
  try {
    const out = openSync(join(work, "first-run.log"), "a");
    const first = spawn(process.execPath, [cli, "--work-dir", work, "demo", "--parallel", "1"], { stdio: ["ignore", out, out] });

    // Wait until the first restore's CASA is running and writing its log.
    let victim: { pgid: number; log: string } | undefined;
    for (let i = 0; i < 600 && !victim; i++) {
      await sleep(500);
      const report = await readReport(storeFile).catch(() => undefined);
      const restore = report?.mouses[0]?.steps.find((s) => s.name === "restore");
      const attempt = restore?.attempts[0];
      if (restore?.state === "running" && attempt?.logPath && existsSync(attempt.logPath) && statSync(attempt.logPath).size > 0) {
        if (attempt.processGroup !== null) victim = { pgid: attempt.processGroup, log: attempt.logPath };
      }
      assert.equal(first.exitCode, null, `the first run ended early: ${readFileSync(join(work, "first-run.log"), "utf8").slice(-2000)}`);
    }
    assert.ok(victim, "the first restore started");
    first.kill("SIGKILL");
    await new Promise((r) => first.once("exit", r));

    const killed = await readReport(storeFile);
    const fetchBefore = killed!.mouses[0]!.steps.find((s) => s.name === "fetch")!;
    assert.equal(fetchBefore.state, "succeeded");
    assert.equal(killed!.mouses[0]!.steps.find((s) => s.name === "restore")!.state, "running", "the store still shows the step the dead run held");
    assert.ok(groupAlive(victim.pgid), "CASA outlived the killed reimage");

    const second = spawnSync(process.execPath, [cli, "--work-dir", work, "demo", "--parallel", "1"], { encoding: "utf8", timeout: 20 * 60_000, maxBuffer: 64 * 2 ** 20 });
    assert.equal(second.status, 0, second.stderr.slice(-3000));
    assert.ok(!groupAlive(victim.pgid), "the orphaned CASA was stopped");

    const report = (await readReport(storeFile))!;
    const [single, mosaic, aborted] = report.mouses;
    assert.equal(single!.state, "succeeded");
    assert.equal(mosaic!.state, "succeeded");
    assert.equal(aborted!.state, "failed");
    const restore = single!.steps.find((s) => s.name === "restore")!;
    assert.deepEqual(restore.attempts.map((a) => a.state), ["interrupted", "succeeded"]);
    assert.ok(existsSync(victim.log) && statSync(victim.log).size > 0, "the killed attempt's CASA log is kept");
    assert.notEqual(restore.attempts[1]!.logPath, restore.attempts[0]!.logPath, "each attempt has its own log");
    for (const m of report.mouses) {
      for (const s of m.steps) {
        assert.ok(s.attempts.filter((a) => a.state === "succeeded").length <= 1, `${m.mousUid} ${s.name} succeeded twice`);
      }
    }
    assert.equal(single!.steps.find((s) => s.name === "fetch")!.attempts.length, 1, "the finished fetch was not redone");
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
