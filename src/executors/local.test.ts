/**
 * The local executor with real CASA: memory limits the kernel enforces, classified from
 * the kernel's own record; and reaping only what belongs to an attempt.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { classifyJob } from "../campaign/steps/common.js";
import { scanRuntimes } from "../casa/runtimes.js";
import { loadConfig } from "../config.js";
import type { CasaJob } from "./executor.js";
import { LocalExecutor } from "./local.js";
import { memoryCgroupsAvailable } from "./memory-cgroup.js";

const MiB = 2 ** 20;
const noCgroups = memoryCgroupsAvailable() ? false : "this machine has no memory cgroups";

async function job(dir: string, name: string, body: string, extra: Partial<CasaJob> = {}): Promise<CasaJob> {
  const { runtimes } = await scanRuntimes(loadConfig().casa);
  const runtime = runtimes.find((r) => r.kind === "modular");
  assert.ok(runtime, "the modular CASA is installed");
  const script = join(dir, `${name}.py`);
  writeFileSync(script, `import casatasks\n${body}\n`);
  return { label: name, runtime, script, mode: "python", cwd: dir, logDir: dir, name, ...extra };
}

test("a CASA job over its memory limit is killed by the kernel and classified as memory, with the kernel's record as evidence", { skip: noCgroups }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "reimage-local-"));
  try {
    const executor = new LocalExecutor();
    const over = await job(dir, "over", "block = bytearray(1200 * 2**20)\nprint(len(block))", { memoryLimitBytes: 500 * MiB, attemptId: "a#1" });
    const outcome = await executor.run(over, new AbortController().signal);
    assert.equal(outcome.signal, "SIGKILL");
    assert.equal(outcome.memoryLimitBytes, 500 * MiB);
    assert.match(outcome.command.slice(0, 3).join(" "), /^\/bin\/sh -c echo/, "the recorded command shows the cgroup wrapper");
    const failure = await classifyJob(outcome);
    assert.equal(failure.errorClass, "memory");
    assert.match(failure.evidenceLine ?? "", /limit 500 MiB reached .*OOM killer killed 1 process/);
    assert.ok(!existsSync(failure.evidenceFile!), "the job's cgroup is removed afterwards");

    const under = await job(dir, "under", "block = bytearray(100 * 2**20)\nprint(len(block))", { memoryLimitBytes: 500 * MiB });
    const ok = await executor.run(under, new AbortController().signal);
    assert.equal(ok.exitCode, 0);
    assert.equal(ok.executorEvidence, undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("reap stops the processes of its own attempt, and leaves another attempt's alone", async () => {
  const dir = mkdtempSync(join(tmpdir(), "reimage-local-"));
  try {
    const executor = new LocalExecutor();
    let group = 0;
    const sleeper = await job(dir, "sleeper", "import time\ntime.sleep(60)", { attemptId: "mine#1" });
    const running = executor.run(sleeper, new AbortController().signal, { onStarted: (g) => (group = g) });
    while (group === 0) await sleep(50);
    await executor.reap(group, "someone-else#1");
    await sleep(300);
    assert.doesNotThrow(() => process.kill(-group, 0), "a stranger's reap leaves the group alone");
    await executor.reap(group, "mine#1");
    const outcome = await running;
    assert.equal(outcome.signal, "SIGKILL");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
