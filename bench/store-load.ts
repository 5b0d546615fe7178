/**
 * Load test of the bookkeeping: a campaign of many MOUSs whose steps cost nothing (a
 * line appended to the worker's execution log), run by several worker processes sharing
 * one store, one of them killed with SIGKILL part-way. At the end: no step lost (every
 * step succeeded, exactly one succeeded attempt, whose execution is in a log), none run
 * twice (a step has a second execution only where its first attempt belonged to the killed
 * worker and is recorded interrupted), and the throughput in steps per second.
 *
 *   npm run bench:store-load                          # PostgreSQL, 10,000 MOUSs, 8 workers; then SQLite, 4 workers
 *   node dist/bench/store-load.js --store postgres --mouses 2000 --workers 8
 *
 * Workers call themselves different machines, so the killed one is found dead by its
 * stale heartbeat (as on a cluster), not by its pid. PostgreSQL is a throwaway server
 * (test/services/postgres.ts) with durability on, as a site would run it.
 */
import { fork } from "node:child_process";
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { runCampaign, type StepRunner } from "../src/campaign/engine.js";
import { STEP_ORDER, StepName } from "../src/domain/campaign.js";
import { openStore } from "../src/store/open.js";
import { startPostgres } from "../test/services/postgres.js";

const CAMPAIGN = "load";
const HEARTBEAT_MS = 1_000;
/** Generous on a loaded machine: a worker starved of CPU must not be taken for dead. */
const STALE_AFTER_MS = 15_000;

interface Scenario {
  readonly store: "postgres" | "sqlite";
  readonly mouses: number;
  readonly workers: number;
  readonly parallel: number;
  /** Fraction of the steps done when one worker is killed. */
  readonly killAt: number;
}

interface Outcome {
  readonly scenario: Scenario;
  readonly steps: number;
  readonly seconds: number;
  readonly attempts: number;
  readonly interrupted: number;
  readonly rerunAfterKill: number;
  readonly killedAfterSeconds: number;
  readonly recoveredAfterSeconds: number | null;
  readonly problems: readonly string[];
}

// ---- the worker: one process, one run of the engine with steps that only log themselves

async function worker(location: string, dir: string, index: number, parallel: number): Promise<void> {
  const store = await openStore(location);
  const log = join(dir, `executions-${index}.log`);
  const step: StepRunner = (ctx) => {
    // One write(2) per line: a SIGKILL leaves whole lines only.
    appendFileSync(log, `${ctx.step.id}\t${ctx.step.attemptNumber}\t${index}\n`);
    return Promise.resolve({ state: "succeeded" });
  };
  const summary = await runCampaign({
    store,
    campaignId: CAMPAIGN,
    campaignDir: join(dir, "campaign"),
    steps: Object.fromEntries(Object.values(StepName).map((name) => [name, step])) as Record<StepName, StepRunner>,
    maxParallel: parallel,
    memoryBudgetBytes: Number.MAX_SAFE_INTEGER,
    predictMemoryBytes: () => 1,
    heartbeatMs: HEARTBEAT_MS,
    staleAfterMs: STALE_AFTER_MS,
    host: `bench-worker-${index}`,
    onEvent: (event) => {
      if (event.type === "run-started") process.send?.({ runId: event.runId });
    },
  });
  await store.close();
  process.stdout.write(`  worker ${index}: ${summary.attempts} attempts, ${summary.state}\n`);
}

// ---- the driver

async function scenario(s: Scenario, location: string): Promise<Outcome> {
  const dir = mkdtempSync(join(tmpdir(), `reimage-load-${s.store}-`));
  try {
    const store = await openStore(location);
    const mouses = Array.from({ length: s.mouses }, (_, i) => ({
      mousUid: `uid://A001/X${(1000 + Math.floor(i / 100)).toString(16)}/X${(i % 100).toString(16)}`,
      projectCode: `2024.1.${String(i % 500).padStart(5, "0")}.S`,
    }));
    await store.createCampaign({ id: CAMPAIGN, name: "load", recipe: "bench", archive: "-", options: {} }, mouses, STEP_ORDER);
    const total = s.mouses * STEP_ORDER.length;

    const startedAt = Date.now();
    const elapsed = () => (Date.now() - startedAt) / 1000;
    const children = Array.from({ length: s.workers }, (_, i) =>
      fork(process.argv[1]!, ["--worker", location, dir, String(i), String(s.parallel)], { stdio: ["ignore", "inherit", "inherit", "ipc"] }),
    );
    const exits = children.map(
      (child) => new Promise<{ code: number | null; signal: string | null }>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal }))),
    );
    const victim = Math.floor(s.workers / 2);
    let victimRun: string | undefined;
    children[victim]!.on("message", (m: { runId?: string }) => (victimRun ??= m.runId));
    let killedAfterSeconds = Number.NaN;
    for (;;) {
      await sleep(250);
      const counts = await store.stepCounts(CAMPAIGN);
      if (Number.isNaN(killedAfterSeconds) && counts.done >= total * s.killAt) {
        children[victim]!.kill("SIGKILL");
        killedAfterSeconds = elapsed();
        process.stdout.write(`  killed worker ${victim} (SIGKILL) at ${killedAfterSeconds.toFixed(1)} s, ${counts.done}/${total} steps done\n`);
      }
      if (counts.done === total) break;
      const ended = await Promise.race([Promise.all(exits).then(() => true), sleep(0).then(() => false)]);
      if (ended) break;
    }
    const ends = await Promise.all(exits);
    const seconds = elapsed();
    const problems: string[] = [];
    ends.forEach((e, i) => {
      if (i === victim ? e.signal !== "SIGKILL" : e.code !== 0) problems.push(`worker ${i} ended with code ${e.code} signal ${e.signal}`);
    });

    // The store's account, step by step, against the executions the workers logged.
    const report = await store.report(CAMPAIGN);
    await store.close();
    const executions = new Map<string, { attempt: number; worker: number }[]>();
    for (const file of readdirSync(dir).filter((f) => f.startsWith("executions-"))) {
      for (const line of readFileSync(join(dir, file), "utf8").split("\n")) {
        if (line === "") continue;
        const [id, attempt, w] = line.split("\t");
        const list = executions.get(id!) ?? [];
        list.push({ attempt: Number(attempt), worker: Number(w) });
        executions.set(id!, list);
      }
    }
    let steps = 0;
    let attempts = 0;
    let interrupted = 0;
    let rerunAfterKill = 0;
    // Recovery closes the dead run's attempts: the first of those times is when it was found dead.
    let recoveredAt = Number.POSITIVE_INFINITY;
    for (const m of report.mouses) {
      for (const st of m.steps) {
        steps += 1;
        attempts += st.attempts.length;
        const id = `${CAMPAIGN}/${m.mousUid}/${st.name}`;
        const ran = executions.get(id) ?? [];
        const succeeded = st.attempts.filter((a) => a.state === "succeeded");
        if (st.state !== "succeeded" || succeeded.length !== 1) {
          problems.push(`${id}: lost (state ${st.state}, ${succeeded.length} succeeded attempts)`);
          continue;
        }
        if (ran.filter((r) => r.attempt === succeeded[0]!.number).length !== 1) problems.push(`${id}: its succeeded attempt ran ${ran.length} times`);
        for (const a of st.attempts.filter((x) => x.state !== "succeeded")) {
          if (a.state !== "interrupted" || a.runId !== victimRun) problems.push(`${id}: attempt ${a.number} is ${a.state} in run ${a.runId}`);
          else {
            interrupted += 1;
            if (a.finishedAt !== null) recoveredAt = Math.min(recoveredAt, Date.parse(a.finishedAt));
          }
        }
        const earlier = ran.filter((r) => r.attempt !== succeeded[0]!.number);
        for (const r of earlier) {
          if (r.worker !== victim) problems.push(`${id}: ran twice, the other time by live worker ${r.worker} (attempt ${r.attempt})`);
          else rerunAfterKill += 1;
        }
      }
    }
    if (steps !== total) problems.push(`the store holds ${steps} steps, not ${total}`);
    if (victimRun === undefined) problems.push("the killed worker never said which run it was");
    const recoveredAfterSeconds = Number.isFinite(recoveredAt) ? (recoveredAt - startedAt) / 1000 : null;
    return { scenario: s, steps, seconds, attempts, interrupted, rerunAfterKill, killedAfterSeconds, recoveredAfterSeconds, problems };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function print(o: Outcome): void {
  const s = o.scenario;
  process.stdout.write(
    [
      `${s.store}: ${s.mouses} MOUSs x ${STEP_ORDER.length} steps, ${s.workers} workers x ${s.parallel} steps at once, one killed at ${(s.killAt * 100).toFixed(0)} %`,
      `  ${o.steps} steps in ${o.seconds.toFixed(1)} s: ${(o.steps / o.seconds).toFixed(1)} steps/s`,
      `  attempts ${o.attempts}: ${o.interrupted} interrupted by the kill (${o.rerunAfterKill} of them had run their step and ran it again elsewhere)`,
      `  killed at ${o.killedAfterSeconds.toFixed(1)} s; its run declared dead at ${o.recoveredAfterSeconds?.toFixed(1) ?? "(no attempt of it was running)"} s (heartbeat ${HEARTBEAT_MS / 1000} s, stale after ${STALE_AFTER_MS / 1000} s)`,
      o.problems.length === 0 ? "  no step lost, none run twice" : `  PROBLEMS (${o.problems.length}):\n${o.problems.slice(0, 20).map((p) => `    ${p}`).join("\n")}`,
    ].join("\n") + "\n",
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      worker: { type: "boolean", default: false },
      store: { type: "string" },
      mouses: { type: "string", default: "10000" },
      workers: { type: "string" },
      parallel: { type: "string", default: "4" },
      "kill-at": { type: "string", default: "0.4" },
    },
    allowPositionals: true,
    strict: false,
  });
  if (values.worker) {
    const [location, dir, index, parallel] = process.argv.slice(3);
    await worker(location!, dir!, Number(index), Number(parallel));
    return;
  }
  const mouses = Number(values.mouses);
  const parallel = Number(values.parallel);
  const killAt = Number(values["kill-at"]);
  const stores = values.store === undefined ? (["postgres", "sqlite"] as const) : [values.store as "postgres" | "sqlite"];
  let failed = false;
  for (const store of stores) {
    const workers = Number(values.workers ?? (store === "postgres" ? 8 : 4));
    const s: Scenario = { store, mouses, workers, parallel, killAt };
    let outcome: Outcome;
    if (store === "postgres") {
      const server = await startPostgres({ durable: true });
      process.stdout.write(`PostgreSQL ${server.version} (throwaway server, fsync on)\n`);
      try {
        outcome = await scenario(s, await server.createDatabase("reimage_load"));
      } finally {
        await server.stop();
      }
    } else {
      const dir = mkdtempSync(join(tmpdir(), "reimage-load-sqlite-"));
      try {
        outcome = await scenario(s, join(dir, "load.sqlite"));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    print(outcome);
    failed ||= outcome.problems.length > 0;
  }
  if (failed) process.exitCode = 1;
}

await main();
