import { test } from "node:test";
import assert from "node:assert/strict";
import { imagingFeatures } from "./features.js";
import { msMetadata, spw } from "./fixtures.js";
import { planImaging } from "./plan.js";

const MOUS = "uid://A001/X3001/X12";

test("the cubes' voxels are each source's image plane times its spws' channels", () => {
  // Two spws of 240 and 60 channels, 14400 target rows; the plan (tested in plan.test.ts)
  // images a single field at 144 x 144 pixels.
  const ms = msMetadata({ scienceSpws: [spw(0, 100, 240), spw(1, 102, 60)] });
  const plan = planImaging(MOUS, [ms]);
  assert.equal(plan.kind, "imaging-plan");
  if (plan.kind !== "imaging-plan") return;
  const [w, h] = plan.sources[0]!.imsize;
  const f = imagingFeatures([ms], plan);
  assert.equal(f.cubeVoxels, w * h * (240 + 60));
  assert.equal(f.continuumPixels, w * h);
  assert.equal(f.channels, 300);
  assert.equal(f.visibilities, 14400 * 300);
  assert.equal(f.scienceSpws, 2);
});

test("nothing to image: no voxels, but the data are still described", () => {
  const ms = msMetadata({ targetRows: 0 });
  const f = imagingFeatures([ms], planImaging(MOUS, [ms]));
  assert.deepEqual([f.cubeVoxels, f.continuumPixels, f.targetRows], [0, 0, 0]);
  assert.equal(f.measurementSets, 1);
});
