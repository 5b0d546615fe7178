/**
 * Issue 7's Slurm half with the real things: a one-node Slurm (slurmctld, slurmd, munge from
 * Debian) on this machine, memory enforced by its cgroups, and real CASA.
 *
 * - The executor: a CASA job as a batch job (exit code, output lines, logs, memory), a
 *   script's failure, a job killed by Slurm for memory classified as memory, an abort that
 *   cancels the job, and reaping that cancels only an attempt's own jobs.
 * - The demo campaign through Slurm, its state in a real PostgreSQL, with an imaging memory
 *   limit CASA exceeds: Slurm kills the imaging (OUT_OF_MEMORY), the retry policy runs it
 *   again with twice the memory, and the campaign ends with the same kinds and numbers of
 *   products as a local run on SQLite.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { classifyJob } from "../src/campaign/steps/common.js";
import { scanRuntimes } from "../src/casa/runtimes.js";
import { loadConfig } from "../src/config.js";
import type { CasaJob, JobOutcome } from "../src/executors/executor.js";
import { slurmCommandRunner } from "../src/executors/slurm/slurm-commands.js";
import { SlurmExecutor } from "../src/executors/slurm/slurm-executor.js";
import { parseScontrolJob } from "../src/executors/slurm/slurm-text.js";
import { packageRoot } from "../src/paths.js";
import type { CampaignReport } from "../src/store/store.js";
import { startPostgres, type PostgresServer } from "./services/postgres.js";
import { startSlurm, type SlurmCluster } from "./services/slurm.js";

const cli = join(packageRoot, "dist", "src", "cli", "main.js");
const MiB = 2 ** 20;

let cluster: SlurmCluster;
let postgres: PostgresServer;
let work: string;

before(async () => {
  cluster = await startSlurm();
  postgres = await startPostgres();
  work = mkdtempSync(join(tmpdir(), "reimage-slurm-"));
});

after(async () => {
  await cluster?.stop();
  await postgres?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

function executor(): SlurmExecutor {
  return new SlurmExecutor({ commands: slurmCommandRunner(cluster.env), pollSeconds: 1 });
}

async function job(name: string, body: string, extra: Partial<CasaJob> = {}): Promise<CasaJob> {
  const { runtimes } = await scanRuntimes(loadConfig().casa);
  const runtime = runtimes.find((r) => r.kind === "modular");
  assert.ok(runtime, "the modular CASA is installed");
  const script = join(work, `${name}.py`);
  writeFileSync(script, `import casatasks\n${body}\n`);
  return { label: name, runtime, script, mode: "python", cwd: work, logDir: join(work, "logs"), name, attemptId: `test/${name}#1`, ...extra };
}

function scontrol(jobId: number) {
  const shown = spawnSync("scontrol", ["show", "job", String(jobId)], { encoding: "utf8", env: cluster.env });
  return parseScontrolJob(shown.stdout);
}

test("a CASA job runs as a Slurm batch job: its exit code, output lines, logs, memory request and peak memory", async () => {
  const lines: string[] = [];
  let jobId = 0;
  const holding = await job("holding", "import time\nblock = bytearray(200 * 2**20)\nprint('holding', len(block), flush=True)\ntime.sleep(4)", {
    memoryLimitBytes: 1024 * MiB,
    cores: 2,
  });
  const outcome = await executor().run(holding, new AbortController().signal, { onLine: (l) => lines.push(l), onStarted: (id) => (jobId = id) });
  assert.equal(outcome.exitCode, 0, readFileSync(outcome.stderrFile!, "utf8"));
  assert.equal(outcome.signal, null);
  assert.ok(lines.includes(`holding ${200 * MiB}`), `the job's output came through: ${lines.join(" | ")}`);
  assert.match(readFileSync(outcome.stdoutFile!, "utf8"), /holding/);
  assert.ok(existsSync(outcome.logFile!), "CASA's log is in the attempt folder");
  const script = readFileSync(outcome.command[2]!, "utf8");
  assert.match(script, /^#SBATCH --mem=1024M$/m);
  assert.match(script, /^#SBATCH --cpus-per-task=2$/m);
  assert.match(script, /^#SBATCH --job-name=reimage\.test_holding_1\.holding$/m);
  const record = scontrol(jobId);
  assert.deepEqual([record?.state, record?.memoryBytes], ["COMPLETED", 1024 * MiB]);
  assert.equal(outcome.memoryLimitBytes, 1024 * MiB);
  assert.ok((outcome.peakRssBytes ?? 0) >= 200 * MiB, `sstat saw the 200 MiB the script held (${outcome.peakRssBytes})`);
});

test("a script that exits 3 fails with exit code 3", async () => {
  const outcome = await executor().run(await job("exit3", "import sys\nsys.exit(3)"), new AbortController().signal);
  assert.deepEqual([outcome.exitCode, outcome.signal, outcome.timedOut], [3, null, false]);
});

test("a CASA job over its memory request is killed by Slurm (OUT_OF_MEMORY) and classified as memory", async () => {
  let jobId = 0;
  const over = await job("over", "block = bytearray(1200 * 2**20)\nprint(len(block))", { memoryLimitBytes: 500 * MiB });
  const outcome = await executor().run(over, new AbortController().signal, { onStarted: (id) => (jobId = id) });
  assert.equal(scontrol(jobId)?.state, "OUT_OF_MEMORY");
  assert.deepEqual([outcome.exitCode, outcome.signal], [null, "SIGKILL"]);
  assert.match(readFileSync(outcome.stderrFile!, "utf8"), /oom-kill event/, "slurmstepd says so in the job's stderr");
  const failure = await classifyJob(outcome);
  assert.equal(failure.errorClass, "memory");
  assert.match(failure.evidenceLine ?? "", new RegExp(`Slurm job ${jobId} on ${cluster.node} ended in state OUT_OF_MEMORY .*memory limit of 500 MiB`));
});

test("an abort cancels the job with scancel; the outcome says cancelled", async () => {
  const controller = new AbortController();
  let jobId = 0;
  const sleeper = await job("sleeper", "import time\nprint('started', flush=True)\ntime.sleep(120)");
  const outcome = await executor().run(sleeper, controller.signal, {
    onStarted: (id) => (jobId = id),
    onLine: (line) => {
      if (line === "started") controller.abort();
    },
  });
  assert.equal(outcome.cancelled, true);
  assert.notEqual(outcome.exitCode, 0);
  assert.equal(scontrol(jobId)?.state, "CANCELLED");
  assert.ok(outcome.wallSeconds < 60, `cancelled well before its two minutes (${outcome.wallSeconds} s)`);
});

test("reap cancels the jobs of its own attempt, and leaves another attempt's alone", async () => {
  const slurm = executor();
  let jobId = 0;
  let running = false;
  const sleeper = await job("orphan", "import time\nprint('started', flush=True)\ntime.sleep(120)", { attemptId: "mine#1" });
  const done: Promise<JobOutcome> = slurm.run(sleeper, new AbortController().signal, {
    onStarted: (id) => (jobId = id),
    onLine: (line) => (running ||= line === "started"),
  });
  while (!running) await sleep(200);
  await slurm.reap(jobId, "mine#10");
  await sleep(1500);
  assert.equal(scontrol(jobId)?.state, "RUNNING", "another attempt's reap leaves the job alone");
  await slurm.reap(jobId, "mine#1");
  const outcome = await done;
  assert.equal(scontrol(jobId)?.state, "CANCELLED");
  assert.equal(outcome.cancelled, false, "not cancelled by this run");
  assert.match(outcome.executorEvidence?.[0]?.text ?? "", /CANCELLED .*not by reimage/);
});

interface ProductCounts {
  readonly [mous: string]: Readonly<Record<string, number>>;
}

function productCounts(report: CampaignReport): ProductCounts {
  const counts: Record<string, Record<string, number>> = {};
  for (const mous of report.mouses) {
    const kinds: Record<string, number> = {};
    for (const p of mous.products) kinds[p.kind] = (kinds[p.kind] ?? 0) + 1;
    counts[mous.mousUid] = kinds;
  }
  return counts;
}

function demo(dir: string, globalOptions: readonly string[], demoOptions: readonly string[] = []): CampaignReport {
  const env = { ...cluster.env, CI: "1", REIMAGE_SLURM_POLL_SECONDS: "1" };
  // The report of a campaign with its analysis products is well over spawnSync's 1 MiB default.
  const maxBuffer = 256 * MiB;
  const run = spawnSync(process.execPath, [cli, "--work-dir", dir, ...globalOptions, "demo", ...demoOptions], { encoding: "utf8", env, maxBuffer });
  assert.equal(run.status, 0, run.stderr.slice(-3000));
  const json = spawnSync(process.execPath, [cli, "--work-dir", dir, ...globalOptions, "report", "--json"], { encoding: "utf8", env, maxBuffer });
  return JSON.parse(json.stdout) as CampaignReport;
}

test("the demo campaign through Slurm with the PostgreSQL store: imaging killed by Slurm for memory is retried with twice the memory; products as a local run's on SQLite", async () => {
  const local = demo(join(work, "local"), []);
  const store = await postgres.createDatabase("slurm_demo");
  // 150 MiB is below what tclean needs for the demo images, 300 MiB above (test/memory-retry.casa.test.ts).
  const slurm = demo(join(work, "slurm"), ["--executor", "slurm", "--store", store], ["--memory-limit", "image=150MiB"]);
  assert.ok(!existsSync(join(work, "slurm", "reimage.sqlite")), "the Slurm run kept its campaign in PostgreSQL");

  assert.deepEqual(productCounts(slurm), productCounts(local));
  assert.deepEqual(
    slurm.mouses.map((m) => m.state),
    local.mouses.map((m) => m.state),
  );
  assert.ok(Object.values(productCounts(slurm)).some((kinds) => (kinds["fits-image"] ?? 0) > 0), "images were made");

  for (const mous of slurm.mouses.filter((m) => m.state === "succeeded")) {
    const image = mous.steps.find((s) => s.name === "image")!;
    assert.deepEqual(
      image.attempts.map((a) => [a.state, a.memoryLimitBytes]),
      [
        ["failed", 150 * MiB],
        ["succeeded", 300 * MiB],
      ],
      mous.mousUid,
    );
    const [error] = mous.errors;
    assert.equal(error?.errorClass, "memory");
    assert.match(error?.evidenceLine ?? "", /ended in state OUT_OF_MEMORY .*memory limit of 150 MiB/);
    assert.equal(error?.decision, "retry: memory: 150 MiB -> 300 MiB");
    // Every CASA step of the MOUS ran as a batch job, its script beside its logs.
    for (const attempt of [mous.steps.find((s) => s.name === "restore")!.attempts[0]!, image.attempts[1]!]) {
      assert.ok(attempt.logPath && existsSync(join(dirname(attempt.logPath), basename(attempt.logPath).replace(/\.casa\.log$/, ".sbatch"))), attempt.logPath ?? "");
      assert.ok((attempt.processGroup ?? 0) > 0, "the Slurm job id is recorded, for reaping");
    }
  }
});
