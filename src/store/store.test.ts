import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { storeBackends } from "../../test/services/stores.js";
import type { CampaignStore } from "./store.js";
import { ErrorClass, StepName } from "../domain/campaign.js";

const steps = [StepName.Fetch, StepName.Restore, StepName.Image];
const campaign = { id: "c1", name: "test", recipe: "casatasks", archive: "/archive", options: {} };
const mouses = [
  { mousUid: "uid://A001/X1/X1", projectCode: "2024.1.00042.S" },
  { mousUid: "uid://A001/X1/X2", projectCode: "2024.1.00042.S" },
];

for (const backend of storeBackends()) {
  describe(`on ${backend.name}`, () => {
    const withStore = (fn: (store: CampaignStore) => Promise<void>) => backend.withStore(fn);

    test("a MOUS's steps become runnable one after the other", () =>
      withStore(async (store) => {
        assert.deepEqual(await store.createCampaign(campaign, mouses, steps), { created: true });
        assert.deepEqual(await store.createCampaign(campaign, mouses, steps), { created: false });
        const run = await store.startRun("c1", "host", process.pid);

        const first = await store.runnableSteps("c1", 10);
        assert.deepEqual(first.map((s) => `${s.mousUid} ${s.name}`), ["uid://A001/X1/X1 fetch", "uid://A001/X1/X2 fetch"]);

        const claimed = await store.claimStep(first[0]!.id, run);
        assert.ok(claimed);
        assert.equal(await store.claimStep(first[0]!.id, run), undefined, "a step is claimed once");
        await store.finishAttempt(claimed.attemptId, { state: "succeeded", outputs: { memberDir: "/x" } });

        const next = await store.runnableSteps("c1", 10);
        assert.deepEqual(next.map((s) => `${s.mousUid} ${s.name}`), ["uid://A001/X1/X1 restore", "uid://A001/X1/X2 fetch"]);
        const restore = await store.claimStep(next[0]!.id, run);
        assert.deepEqual(restore?.inputs, { fetch: { memberDir: "/x" } }, "a step sees its predecessors' outputs");
      }));

    test("a run that died leaves its steps to be taken again, its attempts marked interrupted", () =>
      withStore(async (store) => {
        await store.createCampaign(campaign, mouses, steps);
        const dead = await store.startRun("c1", "host", 999_999_999);
        const [step] = await store.runnableSteps("c1", 1);
        const claimed = await store.claimStep(step!.id, dead);
        await store.noteAttemptLogs(claimed!.attemptId, { log: "/logs/fetch.1.log" });

        await store.noteAttemptLogs(claimed!.attemptId, { processGroup: 4242 });
        assert.deepEqual(await store.recoverInterrupted("c1", (r) => r.id !== dead), {
          steps: 1,
          orphans: [{ attemptId: claimed!.attemptId, host: "host", processGroup: 4242 }],
        });
        const again = await store.runnableSteps("c1", 1);
        assert.equal(again[0]?.id, step!.id);
        const live = await store.startRun("c1", "host", process.pid);
        const second = await store.claimStep(step!.id, live);
        assert.equal(second?.attemptNumber, 2);

        const report = await store.report("c1");
        const attempts = report.mouses[0]!.steps[0]!.attempts;
        assert.deepEqual(attempts.map((a) => [a.number, a.state, a.logPath]), [
          [1, "interrupted", "/logs/fetch.1.log"],
          [2, "running", null],
        ]);
      }));

    test("a failed step fails its MOUS, keeps the error and its evidence, and stops that MOUS only", () =>
      withStore(async (store) => {
        await store.createCampaign(campaign, mouses, steps);
        const run = await store.startRun("c1", "host", process.pid);
        const [a, b] = await store.runnableSteps("c1", 2);
        const ca = await store.claimStep(a!.id, run);
        await store.finishAttempt(ca!.attemptId, {
          state: "failed",
          process: { exitCode: 1, signal: null, wallSeconds: 2.5, peakRssBytes: 1e8, command: ["casa"] },
          failure: {
            errorClass: ErrorClass.EmptySelection,
            message: "no target rows",
            evidenceLine: "SEVERE\tmstransform\tMSSelectionNullSelection : The selected table has zero rows.",
            evidenceFile: "/logs/casa.log",
          },
        });
        const cb = await store.claimStep(b!.id, run);
        await store.finishAttempt(cb!.attemptId, { state: "succeeded", products: [{ path: "p.fits", kind: "fits-image", sizeBytes: 10, sha256: "ab" }] });

        const runnable = await store.runnableSteps("c1", 10);
        assert.deepEqual(runnable.map((s) => `${s.mousUid} ${s.name}`), ["uid://A001/X1/X2 restore"]);
        const report = await store.report("c1");
        assert.equal(report.mouses[0]!.state, "failed");
        assert.equal(report.mouses[0]!.errors[0]!.errorClass, "empty-selection");
        assert.match(report.mouses[0]!.errors[0]!.evidenceLine ?? "", /MSSelectionNullSelection/);
        assert.equal(report.mouses[0]!.steps[0]!.attempts[0]!.exitCode, 1);
        assert.equal(report.mouses[1]!.products[0]!.path, "p.fits");
        assert.equal(report.mouses[0]!.steps[0]!.attempts[0]!.wallSeconds, 2.5, "a process's own wall time is kept");
        assert.ok((report.mouses[1]!.steps[0]!.attempts[0]!.wallSeconds ?? -1) >= 0, "an in-process step is timed by its attempt");
        assert.equal(report.counts.failed, 1);
      }));

    test("nothing to process is not a failure: the later steps are skipped", () =>
      withStore(async (store) => {
        await store.createCampaign(campaign, mouses.slice(0, 1), steps);
        const run = await store.startRun("c1", "host", process.pid);
        const [s] = await store.runnableSteps("c1", 1);
        const c = await store.claimStep(s!.id, run);
        await store.finishAttempt(c!.attemptId, { state: "succeeded", nothingToProcess: true });
        const report = await store.report("c1");
        assert.equal(report.mouses[0]!.state, "nothing-to-process");
        assert.deepEqual(report.mouses[0]!.steps.map((x) => x.state), ["succeeded", "skipped", "skipped"]);
      }));
  });
}
