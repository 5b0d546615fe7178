import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { storeBackends } from "../../test/services/stores.js";
import { ErrorClass, MousState, ProductKind, StepName } from "../domain/campaign.js";
import type { CampaignStore } from "./store.js";

const steps = [StepName.Fetch, StepName.Image];
const campaign = { id: "c1", name: "test", recipe: "casatasks", archive: "/archive", options: {} };

for (const backend of storeBackends()) {
  describe(`on ${backend.name}`, () => {
    const withStore = (fn: (store: CampaignStore) => Promise<void>) => backend.withStore(fn);

    /** Runs the first runnable step of the campaign to the given end. */
    async function finishNext(store: CampaignStore, run: string, end: "succeeded" | ErrorClass) {
      const [step] = await store.runnableSteps("c1", 1);
      const claimed = await store.claimStep(step!.id, run);
      await store.finishAttempt(
        claimed!.attemptId,
        end === "succeeded"
          ? {
              state: "succeeded",
              products: step!.name === StepName.Image ? [{ path: `/p/${step!.mousUid.slice(-2)}/a.fits`, kind: ProductKind.FitsImage, sizeBytes: 10, sha256: "ab" }] : [],
            }
          : { state: "failed", failure: { errorClass: end, message: `it failed: ${end}`, evidenceLine: "Exception: no memory" } },
      );
    }

    test("the MOUS list filters by state, error class, category and text, and pages over the matches", () =>
      withStore(async (store) => {
        const mouses = ["X1", "X2", "X3", "X4"].map((x, i) => ({
          mousUid: `uid://A001/X1/${x}`,
          projectCode: i < 2 ? "2024.1.00042.S" : "2019.1.00001.S",
          sourceName: `src_${x}`,
          category: i % 2 === 0 ? "mosaic" : "single",
        }));
        await store.createCampaign(campaign, mouses, steps);
        const run = await store.startRun("c1", "host", process.pid);
        await finishNext(store, run, "succeeded"); // X1 fetch
        await finishNext(store, run, "succeeded"); // X1 image: X1 succeeded
        await finishNext(store, run, ErrorClass.Memory); // X2 fetch fails
        await finishNext(store, run, ErrorClass.Crash); // X3 fetch fails

        const all = await store.listMouses("c1", { sort: "mous", descending: false, offset: 0, limit: 10 });
        assert.equal(all.total, 4);
        assert.deepEqual(
          all.rows.map((r) => [r.mousUid.slice(-2), r.state, r.errorClass]),
          [
            ["X1", MousState.Succeeded, null],
            ["X2", MousState.Failed, ErrorClass.Memory],
            ["X3", MousState.Failed, ErrorClass.Crash],
            ["X4", MousState.Pending, null],
          ],
        );
        const failed = await store.listMouses("c1", { state: MousState.Failed, sort: "mous", descending: true, offset: 0, limit: 10 });
        assert.deepEqual(failed.rows.map((r) => r.mousUid.slice(-2)), ["X3", "X2"]);
        const memory = await store.listMouses("c1", { errorClass: ErrorClass.Memory, sort: "mous", descending: false, offset: 0, limit: 10 });
        assert.deepEqual(memory.rows.map((r) => r.mousUid.slice(-2)), ["X2"]);
        const text = await store.listMouses("c1", { search: "2019.1", category: "single", sort: "mous", descending: false, offset: 0, limit: 10 });
        assert.deepEqual(text.rows.map((r) => r.mousUid.slice(-2)), ["X4"]);
        // LIKE's wildcards in the search text are matched as themselves.
        assert.equal((await store.listMouses("c1", { search: "src%", sort: "mous", descending: false, offset: 0, limit: 10 })).total, 0);
        assert.equal((await store.listMouses("c1", { search: "src_X", sort: "mous", descending: false, offset: 0, limit: 10 })).total, 4);

        const summary = await store.campaignSummary("c1");
        assert.deepEqual(summary.counts, { pending: 1, running: 0, succeeded: 1, failed: 2, "nothing-to-process": 0 });
        assert.deepEqual(
          [...summary.failedByClass].sort((a, b) => a.errorClass.localeCompare(b.errorClass)),
          [
            { errorClass: ErrorClass.Crash, mouses: 1 },
            { errorClass: ErrorClass.Memory, mouses: 1 },
          ],
        );
        assert.deepEqual(summary.steps, { total: 8, done: 4 });
        assert.equal(summary.runs.length, 1);

        const one = await store.mousReport("c1", "uid://A001/X1/X2");
        assert.equal(one?.errors[0]?.evidenceLine, "Exception: no memory");
        assert.equal(one?.steps.length, 2);
        assert.equal(await store.mousReport("c1", "uid://A001/X1/X9"), undefined);

        const products = await store.listProducts("c1", { kinds: [ProductKind.FitsImage] });
        assert.deepEqual(products.map((p) => [p.mousUid, p.path, p.step]), [["uid://A001/X1/X1", "/p/X1/a.fits", StepName.Image]]);
        const product = await store.getProduct("c1", products[0]!.id);
        assert.equal(product?.sha256, "ab");
        assert.equal(await store.getProduct("c2", products[0]!.id), undefined, "a product is found in its own campaign only");
      }));

    test("a page of 20,000 MOUSs is the right window of the sorted list", () =>
      withStore(async (store) => {
        const n = 20_000;
        const mouses = Array.from({ length: n }, (_, i) => ({
          mousUid: `uid://A001/X${(i * 7919) % n}/X1`,
          projectCode: `20${10 + (i % 14)}.1.${String(i % 977).padStart(5, "0")}.S`,
          category: ["single", "mosaic", "cube"][i % 3],
        }));
        await store.createCampaign(campaign, mouses, [StepName.Fetch]);
        const byProject = [...mouses].sort((a, b) => (a.projectCode < b.projectCode ? 1 : a.projectCode > b.projectCode ? -1 : 0));
        const page = await store.listMouses("c1", { sort: "project", descending: true, offset: 5000, limit: 50 });
        assert.equal(page.total, n);
        assert.deepEqual(
          page.rows.map((r) => r.projectCode),
          byProject.slice(5000, 5050).map((m) => m.projectCode),
        );
        const mosaics = await store.listMouses("c1", { category: "mosaic", sort: "mous", descending: false, offset: 0, limit: 3 });
        assert.equal(mosaics.total, mouses.filter((m) => m.category === "mosaic").length);
        assert.deepEqual(
          mosaics.rows.map((r) => r.mousUid),
          mouses
            .filter((m) => m.category === "mosaic")
            .map((m) => m.mousUid)
            .sort()
            .slice(0, 3),
        );
      }));
  });
}
