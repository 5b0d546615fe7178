import { test } from "node:test";
import assert from "node:assert/strict";
import { ErrorCode, ReimageError } from "../domain/errors.js";
import { parseMsMetadataFile } from "../domain/ms-metadata.js";
import { DEC0, RA0, msMetadata, spw, targetField } from "./fixtures.js";
import { ebName, formatDirection, planImaging, sanitizeSourceName, type ImagingPlan, type TaskCall } from "./plan.js";

const MOUS = "uid://A001/X3001/X12";

function plan(...args: Parameters<typeof planImaging>): ImagingPlan {
  const result = planImaging(...args);
  assert.equal(result.kind, "imaging-plan");
  return result;
}

function calls(p: ImagingPlan, task: string): TaskCall[] {
  return p.steps.filter((s): s is TaskCall => s.kind === "task" && s.task === task);
}

test("a single field: standard gridder, hand-computed cell and imsize", () => {
  const p = plan(MOUS, [msMetadata()]);
  const [src] = p.sources;
  assert.ok(src);
  assert.equal(src.gridder, "standard");
  // Beam at the top of spw 1, 104.25 GHz: 0.574 x (0.299792458 / 104.25) m / 100 m
  //   = 0.574 x 2.87571e-5 rad = 1.65066e-5 rad = 3.4047"; / 5 = 0.681 -> cell 0.68".
  assert.equal(src.cellArcsec, 0.68);
  // PB radius at the bottom of spw 0, 99.75 GHz: 62.867" x 100 / 99.75 = 63.025".
  // FWHP = 1.12/1.22 x 63.025 = 57.859"; width = 1.1 x 57.859 x 1.523787 = 96.981";
  // / 0.68 = 142.62 -> 143 -> 144 = 2^4 x 3^2.
  assert.deepEqual(src.imsize, [144, 144]);
  assert.equal(src.phasecenter, formatDirection("J2000", RA0, DEC0));
  assert.equal(p.productPrefix, "member.uid___A001_X3001_X12");
  assert.deepEqual(p.targetVis, ["uid___A002_Xb10001_X1a2_targets.ms"]);
  assert.deepEqual(p.lineVis, ["uid___A002_Xb10001_X1a2_targets_line.ms"]);
});

test("every stage of the recipe is planned, in the pipeline's order", () => {
  const p = plan(MOUS, [msMetadata()]);
  const order = [...new Set(p.steps.map((s) => s.stage))];
  assert.deepEqual(order, ["hif_mstransform", "hifa_flagtargets", "hif_findcont", "hif_uvcontsub", "hif_makeimages", "hifa_exportdata"].filter((s) => order.includes(s as never)));
  const [split] = calls(p, "mstransform");
  assert.equal(split?.params["intent"], "OBSERVE_TARGET#ON_SOURCE");
  assert.equal(split?.params["spw"], "0,1");
  assert.equal(split?.params["datacolumn"], "data"); // a split MS has no CORRECTED_DATA
  assert.equal(split?.params["reindex"], false);
  const [contsub] = calls(p, "uvcontsub");
  assert.equal(contsub?.params["fitorder"], 1);
  const tcleans = calls(p, "tclean");
  // 2 findcont cubes, 2 mfs, 1 cont, 2 cubes
  assert.equal(tcleans.length, 7);
  const findcont = tcleans.filter((t) => t.stage === "hif_findcont");
  assert.equal(findcont.length, 2);
  for (const t of findcont) {
    assert.equal(t.params["robust"], 1.0);
    assert.equal(t.params["niter"], 0);
  }
  const cubes = tcleans.filter((t) => t.label.startsWith("cube"));
  for (const t of cubes) {
    assert.equal(t.params["weighting"], "briggsbwtaper");
    assert.equal(t.params["restoringbeam"], "common");
    assert.deepEqual(t.params["vis"], p.lineVis);
    assert.equal(t.params["negativethreshold"], 15.0);
  }
  const cont = tcleans.find((t) => t.label.startsWith("cont"));
  assert.equal(cont?.params["deconvolver"], "hogbom"); // 4.4% fractional bandwidth
  assert.equal(cont?.params["sidelobethreshold"], 2.0);
  assert.equal(cont?.params["noisethreshold"], 4.25);
  assert.equal(cont?.params["pblimit"], 0.2);
  assert.equal(cont?.params["pbmask"], 0.3);
  assert.equal(cont?.params["pbcor"], true);
  // Threshold: 2 x the noise of 16 antennas over 1 GHz for 600 s at Tsys 80 K:
  // 2.71367e-4 Jy / sqrt(2) = 1.91886e-4 Jy; x 2 = 0.3838 mJy.
  assert.equal(cont?.params["threshold"], "0.3838mJy");
  assert.equal(cont?.zeroMaskFallback?.["usemask"], "pb");
  assert.equal(cont?.zeroMaskFallback?.["threshold"], "0.7675mJy");
  assert.equal(cont?.zeroMaskFallback?.["sidelobethreshold"], undefined);
});

test("product names follow ALMA's", () => {
  const p = plan(MOUS, [msMetadata({ fields: [targetField(0, "NGC 253")] })]);
  const names = p.products.filter((x) => !x.optional).map((x) => x.almaName);
  const prefix = "member.uid___A001_X3001_X12.NGC_253_sci";
  for (const expected of [
    `${prefix}.spw0.cube.I.pbcor.fits`,
    `${prefix}.spw0.cube.I.pb.fits`,
    `${prefix}.spw1.mfs.I.pbcor.fits`,
    `${prefix}.spw0_1.cont.I.pbcor.fits`,
    `${prefix}.spw0_1.cont.I.pb.fits`,
  ]) {
    assert.ok(names.includes(expected), `${expected} in ${names.join(", ")}`);
  }
  for (const product of p.products) assert.equal(product.fileName, `${product.almaName}.gz`);
});

test("a 3-field mosaic gets the mosaic gridder and a size spanning the pointings", () => {
  const fields = [targetField(0, "SimMosaic", -25), targetField(1, "SimMosaic"), targetField(2, "SimMosaic", 25)];
  const p = plan(MOUS, [msMetadata({ fields })]);
  const [src] = p.sources;
  assert.equal(p.sources.length, 1);
  assert.equal(src?.nFields, 3);
  assert.equal(src?.gridder, "mosaic");
  // x: (1.65 x 63.025 + 50) / 0.68 = (103.991 + 50) / 0.68 = 226.46 -> 226 -> 240 (2^4x3x5);
  //   228 = 2^2x3x19, 230 = 2x5x23, 232 = 2^3x29, 234 = 2x3^2x13, 236 = 2^2x59, 238 = 2x7x17.
  // y: 103.991 / 0.68 = 152.93 -> 152 = 2^3x19 -> 160 (154 = 2x7x11, 156 = 2^2x3x13, 158 = 2x79).
  assert.deepEqual(src?.imsize, [240, 160]);
  for (const t of calls(p, "tclean")) {
    assert.equal(t.params["gridder"], "mosaic");
    assert.equal(t.params["mosweight"], true);
  }
});

test("a wide band makes the aggregate continuum mtmfs with tt0 products", () => {
  const p = plan(MOUS, [msMetadata({ scienceSpws: [spw(0, 90, 128), spw(1, 110, 128)] })]);
  const cont = calls(p, "tclean").find((t) => t.label.startsWith("cont"));
  assert.equal(cont?.params["deconvolver"], "mtmfs");
  assert.equal(cont?.params["nterms"], 2);
  const names = p.products.map((x) => x.almaName);
  assert.ok(names.includes("member.uid___A001_X3001_X12.SimTarget_sci.spw0_1.cont.I.tt0.pbcor.fits"));
  assert.ok(names.includes("member.uid___A001_X3001_X12.SimTarget_sci.spw0_1.cont.I.pb.tt0.fits"));
});

test("pipeline-calibrated MSs are split from CORRECTED_DATA", () => {
  const p = plan(MOUS, [msMetadata({ path: "/w/uid___A002_X1_X2.ms", hasCorrectedData: true })]);
  assert.equal(calls(p, "mstransform")[0]?.params["datacolumn"], "corrected");
});

test("an execution with no target data is nothing to image, not an error", () => {
  const result = planImaging(MOUS, [msMetadata({ targetRows: 0 })]);
  assert.equal(result.kind, "nothing-to-image");
  if (result.kind === "nothing-to-image") assert.match(result.skippedInputs[0]?.reason ?? "", /no visibilities/);
});

test("two EBs of one MOUS are imaged together; an empty one is left out with its reason", () => {
  const p = plan(MOUS, [msMetadata(), msMetadata({ path: "/d/uid___A002_X9_X1.ms.split.cal" }), msMetadata({ path: "/d/aborted.ms", targetRows: 0 })]);
  assert.equal(calls(p, "mstransform").length, 2);
  assert.equal(p.skippedInputs.length, 1);
  const cube = calls(p, "tclean").find((t) => t.label.startsWith("cube"));
  assert.deepEqual(cube?.params["vis"], ["uid___A002_Xb10001_X1a2_targets_line.ms", "uid___A002_X9_X1_targets_line.ms"]);
});

test("a bad MOUS id is bad input", () => {
  assert.throws(() => planImaging("not-a-uid", [msMetadata()]), (e: unknown) => e instanceof ReimageError && e.code === ErrorCode.BadInput);
});

test("names: EBs, sources, directions", () => {
  assert.equal(ebName("/a/b/uid___A002_X1_X2.ms.split.cal"), "uid___A002_X1_X2");
  assert.equal(ebName("uid___A002_X1_X2.ms/"), "uid___A002_X1_X2");
  assert.equal(sanitizeSourceName("NGC 253 (core)"), "NGC_253__core_");
  // 10h27m51s = 156.9625 deg; -43d54m14s = -43.903889 deg
  const ra = (156.9625 * Math.PI) / 180;
  const dec = (-(43 + 54 / 60 + 14 / 3600) * Math.PI) / 180;
  assert.equal(formatDirection("J2000", ra, dec), "J2000 10:27:51.0000 -43.54.14.000");
  assert.equal(formatDirection("ICRS", 0, (-0.5 * Math.PI) / 180), "ICRS 00:00:00.0000 -00.30.00.000");
});

test("the metadata file is checked against the schema", () => {
  const ok = parseMsMetadataFile({ version: 1, casaVersion: "6.7.0-31", measurementSets: [msMetadata()] });
  assert.equal(ok.measurementSets.length, 1);
  assert.throws(
    () => parseMsMetadataFile({ version: 1, casaVersion: null, measurementSets: [{ ...msMetadata(), targetRows: -1 }] }),
    (e: unknown) => e instanceof ReimageError && e.code === ErrorCode.BadInput && e.cause !== undefined,
  );
  assert.throws(() => parseMsMetadataFile({ version: 2, casaVersion: null, measurementSets: [] }), ReimageError);
});
