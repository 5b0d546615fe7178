import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { storeBackends } from "../../test/services/stores.js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ErrorClass, StepName } from "../domain/campaign.js";
import type { CampaignStore } from "../store/store.js";
import { runCampaign, type StepContext, type StepOutcome, type StepRunner } from "./engine.js";

const STEPS = [StepName.Fetch, StepName.Restore, StepName.Image] as const;
const mouses = ["uid://A001/X1/X1", "uid://A001/X1/X2", "uid://A001/X1/X3"].map((mousUid) => ({ mousUid, projectCode: "2024.1.00042.S" }));
const GiB = 1024 ** 3;

/** Steps that log what ran and when, so tests can see order and overlap. */
function recorder(behaviour: (ctx: StepContext) => Promise<StepOutcome> = () => Promise.resolve({ state: "succeeded" })) {
  const calls: string[] = [];
  let active = 0;
  let maxActive = 0;
  const run: StepRunner = async (ctx) => {
    calls.push(`${ctx.step.mousUid.slice(-2)} ${ctx.step.name}`);
    active += 1;
    maxActive = Math.max(maxActive, active);
    try {
      // Long enough for a second claim to land while the first step runs, on either database.
      await new Promise((r) => setTimeout(r, 50));
      return await behaviour(ctx);
    } finally {
      active -= 1;
    }
  };
  const steps = { fetch: run, restore: run, fix: run, image: run, products: run, analyse: run };
  return { calls, steps, maxActive: () => maxActive };
}

const base = (store: CampaignStore, dir: string) => ({
  store,
  campaignId: "c",
  campaignDir: dir,
  maxParallel: 2,
  memoryBudgetBytes: 8 * GiB,
  predictMemoryBytes: () => 1 * GiB,
});

for (const backend of storeBackends()) {
  describe(`on ${backend.name}`, () => {
    const withCampaign = (fn: (store: CampaignStore, dir: string) => Promise<void>) =>
      backend.withStore(async (store) => {
        const dir = mkdtempSync(join(tmpdir(), "reimage-engine-"));
        await store.createCampaign({ id: "c", name: "c", recipe: "test", archive: "-", options: {} }, mouses, STEPS);
        try {
          await fn(store, dir);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });

    test("every step of every MOUS runs once, in order within a MOUS, two MOUSs at a time", () =>
      withCampaign(async (store, dir) => {
        const r = recorder();
        const summary = await runCampaign({ ...base(store, dir), steps: r.steps });
        assert.equal(summary.state, "finished");
        assert.equal(r.calls.length, 9);
        for (const m of ["X1", "X2", "X3"]) {
          assert.deepEqual(r.calls.filter((c) => c.startsWith(m)).map((c) => c.split(" ")[1]), ["fetch", "restore", "image"]);
        }
        assert.equal(r.maxActive(), 2);
        const report = await store.report("c");
        assert.deepEqual(report.counts, { pending: 0, running: 0, succeeded: 3, failed: 0, "nothing-to-process": 0 });
      }));

    test("the memory budget keeps steps that would not fit together apart", () =>
      withCampaign(async (store, dir) => {
        const r = recorder();
        await runCampaign({ ...base(store, dir), memoryBudgetBytes: 5 * GiB, predictMemoryBytes: () => 3 * GiB, steps: r.steps });
        assert.equal(r.maxActive(), 1);
        assert.equal(r.calls.length, 9);
      }));

    test("a failure stops its own MOUS and no other", () =>
      withCampaign(async (store, dir) => {
        const r = recorder((ctx) =>
          Promise.resolve(
            ctx.step.mousUid.endsWith("X2") && ctx.step.name === "restore"
              ? { state: "failed", failure: { errorClass: ErrorClass.CasaVersion, message: "wrong CASA" } }
              : { state: "succeeded" },
          ),
        );
        await runCampaign({ ...base(store, dir), steps: r.steps });
        assert.ok(!r.calls.includes("X2 image"));
        const report = await store.report("c");
        assert.deepEqual(report.mouses.map((m) => m.state), ["succeeded", "failed", "succeeded"]);
        assert.equal(report.mouses[1]!.errors[0]!.errorClass, "casa-version");
      }));

    test("a cancelled campaign resumes without redoing finished steps; the interrupted one gets a new attempt", () =>
      withCampaign(async (store, dir) => {
        const controller = new AbortController();
        const first = recorder((ctx) => {
          if (ctx.step.name !== "restore") return Promise.resolve({ state: "succeeded" });
          controller.abort();
          // A step that honours cancellation ends when its signal fires.
          const killed: StepOutcome = { state: "failed", failure: { errorClass: ErrorClass.Unknown, message: "killed" } };
          if (ctx.signal.aborted) return Promise.resolve(killed);
          return new Promise((resolve) => ctx.signal.addEventListener("abort", () => resolve(killed)));
        });
        const stopped = await runCampaign({ ...base(store, dir), maxParallel: 1, steps: first.steps, signal: controller.signal });
        assert.equal(stopped.state, "interrupted");
        assert.deepEqual(first.calls, ["X1 fetch", "X1 restore"]);

        const second = recorder();
        const resumed = await runCampaign({ ...base(store, dir), maxParallel: 1, steps: second.steps });
        assert.equal(resumed.state, "finished");
        assert.ok(!second.calls.includes("X1 fetch"), "a finished step is not run again");
        assert.equal(second.calls[0], "X1 restore");
        const restore = (await store.report("c")).mouses[0]!.steps.find((s) => s.name === "restore")!;
        assert.deepEqual(restore.attempts.map((a) => [a.number, a.state]), [
          [1, "interrupted"],
          [2, "succeeded"],
        ]);
      }));

    test("a step that throws is recorded as a failure with its cause chain", () =>
      withCampaign(async (store, dir) => {
        const r = recorder((ctx) => {
          if (ctx.step.name === "fetch" && ctx.step.mousUid.endsWith("X3")) {
            throw new Error("cannot unpack", { cause: new Error("tar: unexpected end of file") });
          }
          return Promise.resolve({ state: "succeeded" });
        });
        await runCampaign({ ...base(store, dir), steps: r.steps });
        const report = await store.report("c");
        assert.equal(report.mouses[2]!.errors[0]!.message, "cannot unpack: caused by: tar: unexpected end of file");
      }));

    test("a step that runs out of memory is retried with twice the memory, and both attempts are recorded", () =>
      withCampaign(async (store, dir) => {
        const seen: (number | null)[] = [];
        const r = recorder((ctx) => {
          if (ctx.step.name !== "image" || !ctx.step.mousUid.endsWith("X1")) return Promise.resolve({ state: "succeeded" });
          seen.push(ctx.memoryLimitBytes);
          const process = { exitCode: null, signal: "SIGKILL", wallSeconds: 1, peakRssBytes: ctx.memoryLimitBytes, memoryLimitBytes: ctx.memoryLimitBytes, command: ["casa"] };
          return Promise.resolve(
            (ctx.memoryLimitBytes ?? 0) < 2 * GiB
              ? { state: "failed", process, failure: { errorClass: ErrorClass.Memory, message: "OOM" } }
              : { state: "succeeded", process },
          );
        });
        await runCampaign({
          ...base(store, dir),
          steps: r.steps,
          memoryLimits: { image: 1 * GiB },
          retry: { memoryCeilingBytes: 4 * GiB, maxAttempts: 3 },
        });
        assert.deepEqual(seen, [1 * GiB, 2 * GiB]);
        const report = await store.report("c");
        const image = report.mouses[0]!.steps.find((s) => s.name === "image")!;
        assert.equal(report.mouses[0]!.state, "succeeded");
        assert.deepEqual(image.attempts.map((a) => [a.state, a.memoryLimitBytes]), [
          ["failed", 1 * GiB],
          ["succeeded", 2 * GiB],
        ]);
        assert.equal(report.mouses[0]!.errors[0]!.decision, "retry: memory: 1024 MiB -> 2048 MiB");
      }));

    test("with limitToPrediction, a step without a limit of its own is limited to its predicted memory; a given limit wins", () =>
      withCampaign(async (store, dir) => {
        const limits = new Map<string, number | null>();
        const r = recorder((ctx) => {
          limits.set(ctx.step.name, ctx.memoryLimitBytes);
          return Promise.resolve({ state: "succeeded" });
        });
        const predicted = { fetch: 0.5 * GiB, restore: 1.5 * GiB, image: 3 * GiB } as Record<string, number>;
        await runCampaign({
          ...base(store, dir),
          maxParallel: 1,
          steps: r.steps,
          predictMemoryBytes: (step) => predicted[step.name]!,
          memoryLimits: { image: 2 * GiB },
          limitToPrediction: true,
        });
        assert.deepEqual(Object.fromEntries(limits), { fetch: 0.5 * GiB, restore: 1.5 * GiB, image: 2 * GiB });
      }));

    test("without a retry policy, or for a class that would fail again, a failure is final", () =>
      withCampaign(async (store, dir) => {
        const r = recorder((ctx) =>
          Promise.resolve(
            ctx.step.name === "restore" ? { state: "failed", failure: { errorClass: ErrorClass.EmptySelection, message: "no rows" } } : { state: "succeeded" },
          ),
        );
        await runCampaign({ ...base(store, dir), steps: r.steps, retry: { memoryCeilingBytes: 4 * GiB, maxAttempts: 3 } });
        const report = await store.report("c");
        assert.equal(r.calls.filter((c) => c.endsWith("restore")).length, 3, "one attempt per MOUS");
        assert.match(report.mouses[0]!.errors[0]!.decision ?? "", /^no retry: empty-selection/);
      }));
  });
}
