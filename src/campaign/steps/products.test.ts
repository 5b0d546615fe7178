import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeImage } from "../../../test/reference/fits-fixtures.js";
import type { ProductAnalysis } from "../../products/analyze.js";
import type { StepContext } from "../engine.js";
import { productKind, productsStep } from "./products.js";

test("product kinds follow ALMA's product names", () => {
  const ous = "uid___A001_X3001_X12.SimPoint_sci";
  assert.equal(productKind(`${ous}.spw0.cube.I.pbcor.fits.gz`), "fits-cube");
  assert.equal(productKind(`${ous}.spw0.cube.I.pb.fits.gz`), "fits-pb");
  assert.equal(productKind(`${ous}.spw0_1.cont.I.tt0.pbcor.fits.gz`), "fits-image");
  assert.equal(productKind(`${ous}.spw0_1.cont.I.pb.tt0.fits.gz`), "fits-pb");
  assert.equal(productKind(`${ous}.spw1.mfs.I.pbcor.fits.gz`), "fits-image");
  assert.equal(productKind("cont.dat"), "cont-dat");
});

test("every FITS product is analysed into its meta; a damaged one keeps its error and the others still are", async () => {
  const dir = await mkdtemp(join(tmpdir(), "reimage-products-step-"));
  try {
    const ous = join(dir, "uid___A001_X3001_X12.SimPoint_sci");
    const cube = `${ous}.spw0.cube.I.pbcor.fits`;
    const broken = `${ous}.spw1.cube.I.pbcor.fits`;
    const pb = `${ous}.spw0.cube.I.pb.fits`;
    const values = Array.from({ length: 8 * 6 * 3 }, (_, i) => (i % 7 === 0 ? Number.NaN : (i % 11) - 5));
    await writeImage(cube, -32, [8, 6, 3], values);
    await writeImage(pb, -32, [8, 6, 3], values.map(() => 0.5));
    await writeFile(broken, (await readFile(cube)).subarray(0, 3000));
    await writeFile(join(dir, "cont.dat"), "Field: SimPoint\n");
    const emitted: string[] = [];
    const ctx = {
      step: { name: "products", mousUid: "uid://A001/X3001/X12", inputs: { image: { products: [cube, broken, pb, join(dir, "cont.dat")] } } },
      mousDir: dir,
      attemptDir: join(dir, "attempts", "products.1"),
      signal: new AbortController().signal,
      emit: (line: string) => emitted.push(line),
    } as unknown as StepContext;
    const outcome = await productsStep()(ctx);
    assert.equal(outcome.state, "succeeded");
    const byPath = new Map((outcome.products ?? []).map((p) => [p.path, p]));
    const finite = values.filter(Number.isFinite).sort((a, b) => a - b);
    const analysis = byPath.get(cube)?.meta?.["analysis"] as ProductAnalysis | undefined;
    assert.equal(analysis?.statistics.validPixels, finite.length);
    assert.equal(analysis?.statistics.max, 5);
    assert.equal(analysis?.statistics.role, "sky-pbcor");
    const pbAnalysis = byPath.get(pb)?.meta?.["analysis"] as ProductAnalysis | undefined;
    assert.equal(pbAnalysis?.statistics.median, 0.5);
    assert.equal(pbAnalysis?.statistics.fiducialRms, null, "a primary beam has no noise to speak of");
    const error = byPath.get(broken)?.meta?.["analysisError"] as { code: string; message: string } | undefined;
    assert.equal(error?.code, "bad-fits");
    assert.ok(error?.message.includes(broken));
    assert.equal(byPath.get(join(dir, "cont.dat"))?.meta, undefined);
    assert.deepEqual(outcome.outputs?.["notAnalysed"], [broken]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
