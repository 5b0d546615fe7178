import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { storeBackends, type StoreBackend } from "../../test/services/stores.js";
import { StepName } from "../domain/campaign.js";
import { openStore } from "../store/open.js";
import type { CampaignStore } from "../store/store.js";
import { runCampaign, type StepRunner } from "./engine.js";

const STEPS = [StepName.Fetch, StepName.Restore, StepName.Image] as const;
const GiB = 1024 ** 3;

/** Every step runner of a campaign doing the same thing. */
const everyStep = (run: StepRunner) => ({ fetch: run, restore: run, fix: run, image: run, products: run, analyse: run });

function workerOptions(store: CampaignStore, dir: string, host: string) {
  return { store, campaignId: "c", campaignDir: dir, maxParallel: 3, memoryBudgetBytes: 64 * GiB, predictMemoryBytes: () => GiB, host };
}

/**
 * A store handle per worker, as separate processes would have, and a scratch folder. On
 * SQLite the workers of one process share the one handle: better-sqlite3 waits for a lock
 * synchronously, so a second handle in the same process would wait on the first forever
 * (separate processes, as in bench/store-load.ts, each have their own).
 */
async function withWorkers(backend: StoreBackend, store: CampaignStore, location: string, workers: number, fn: (stores: CampaignStore[], dir: string) => Promise<void>) {
  const dir = mkdtempSync(join(tmpdir(), "reimage-shared-"));
  const own = backend.name === "sqlite" ? [] : await Promise.all(Array.from({ length: workers }, () => openStore(location)));
  try {
    await fn(backend.name === "sqlite" ? Array.from({ length: workers }, () => store) : own, dir);
  } finally {
    await Promise.all(own.map((s) => s.close()));
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const backend of storeBackends()) {
  describe(`on ${backend.name}`, () => {
    test("four workers sharing a campaign run each step exactly once, in order within each MOUS", () =>
      backend.withStore(async (store, location) => {
        const mouses = Array.from({ length: 40 }, (_, i) => ({ mousUid: `uid://A001/X1/X${i.toString(16)}`, projectCode: "2024.1.00042.S" }));
        await store.createCampaign({ id: "c", name: "c", recipe: "test", archive: "-", options: {} }, mouses, STEPS);
        const ran: string[] = [];
        const byWorker = new Map<string, number>();
        await withWorkers(backend, store, location, 4, async (stores, dir) => {
          const summaries = await Promise.all(
            stores.map((s, i) => {
              const host = `worker-${i}`;
              const step: StepRunner = async (ctx) => {
                ran.push(`${ctx.step.mousUid} ${ctx.step.name}`);
                byWorker.set(host, (byWorker.get(host) ?? 0) + 1);
                // Give the other workers a chance to contend for the same steps.
                await new Promise((r) => setImmediate(r));
                return { state: "succeeded" };
              };
              return runCampaign({ ...workerOptions(s, dir, host), heartbeatMs: 50, steps: everyStep(step) });
            }),
          );
          assert.deepEqual(summaries.map((s) => s.state), ["finished", "finished", "finished", "finished"]);
        });
        assert.equal(ran.length, mouses.length * STEPS.length);
        assert.equal(new Set(ran).size, ran.length, "no step ran twice");
        for (const m of mouses) {
          assert.deepEqual(ran.filter((r) => r.startsWith(`${m.mousUid} `)).map((r) => r.split(" ")[1]), [...STEPS]);
        }
        const report = await store.report("c");
        assert.equal(report.counts.succeeded, mouses.length);
        for (const m of report.mouses) for (const s of m.steps) assert.deepEqual(s.attempts.map((a) => a.state), ["succeeded"]);
        assert.ok(byWorker.size > 1, `the work was shared: ${JSON.stringify([...byWorker])}`);
      }));

    test("a worker whose heartbeat went stale loses its step to another, which runs it as a new attempt; the first records nothing", () =>
      backend.withStore(async (store, location) => {
        const mouses = ["X1", "X2"].map((x) => ({ mousUid: `uid://A001/X1/${x}`, projectCode: "2024.1.00042.S" }));
        await store.createCampaign({ id: "c", name: "c", recipe: "test", archive: "-", options: {} }, mouses, STEPS);
        await withWorkers(backend, store, location, 2, async ([storeA, storeB], dir) => {
          let stalledStarted!: () => void;
          const stalled = new Promise<void>((resolve) => (stalledStarted = resolve));
          let wake!: () => void;
          const woken = new Promise<void>((resolve) => (wake = resolve));
          const ranByB: string[] = [];
          // Worker A takes X1's fetch and hangs in it without heartbeating (a stopped process,
          // a machine cut off from the database), until woken.
          const a = runCampaign({
            ...workerOptions(storeA!, dir, "machine-a"),
            maxParallel: 1,
            heartbeatMs: 3_600_000,
            steps: everyStep(async (ctx) => {
              stalledStarted();
              await woken;
              return { state: "succeeded", outputs: { by: "a", attempt: ctx.step.attemptNumber } };
            }),
          });
          await stalled;
          // Worker B, on another machine, sees A's heartbeat go stale and takes its step over.
          const b = await runCampaign({
            ...workerOptions(storeB!, dir, "machine-b"),
            heartbeatMs: 20,
            staleAfterMs: 300,
            steps: everyStep((ctx) => {
              ranByB.push(`${ctx.step.mousUid.slice(-2)} ${ctx.step.name} #${ctx.step.attemptNumber}`);
              return Promise.resolve({ state: "succeeded", outputs: { by: "b" } });
            }),
          });
          assert.equal(b.state, "finished");
          assert.ok(ranByB.includes("X1 fetch #2"), `B ran X1's fetch as attempt 2: ${ranByB.join(", ")}`);
          wake();
          const summaryA = await a;
          assert.equal(summaryA.state, "interrupted", "A learns it was taken for dead and stops");

          const report = await store.report("c");
          assert.equal(report.counts.succeeded, 2);
          const fetch = report.mouses[0]!.steps[0]!;
          assert.deepEqual(fetch.attempts.map((x) => x.state), ["interrupted", "succeeded"]);
          assert.deepEqual(fetch.outputs?.["by"], "b", "the late result of the dead worker is not recorded");
          const runs = (await store.campaignSummary("c")).runs;
          assert.deepEqual(runs.map((r) => `${r.host} ${r.state}`).sort(), ["machine-a interrupted", "machine-b finished"]);
        });
      }));
  });
}
