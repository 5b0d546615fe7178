import { test } from "node:test";
import assert from "node:assert/strict";
import { StepName } from "../domain/campaign.js";
import { GB, MIN_POINTS_FOR_SLOPE, PRIOR_MODEL, Resource, estimateMous, fitPowerLaw, fitResourceModel, predict, schedulingMemory } from "./resource-model.js";

// A law the test knows: wall = 120 s · (D/GB)^0.8, measured with a known ±10% scatter.
const truth = (bytes: number) => 120 * (bytes / GB) ** 0.8;
const sizes = [0.1, 0.3, 1, 3, 10, 30].map((g) => g * GB);
const jitter = [1.1, 0.9, 1.05, 0.95, 1.1, 0.9];

test("with enough runs spread in size, the exponent and scale come from the data", () => {
  const law = fitPowerLaw(
    sizes.map((x, i) => ({ x, y: truth(x) * jitter[i]! })),
    PRIOR_MODEL.byDelivery.restore.wallSeconds,
  );
  assert.equal(law.basis, "fit");
  assert.ok(Math.abs(law.exponent - 0.8) < 0.03, `exponent ${law.exponent}`);
  assert.ok(Math.abs(law.coefficient / 120 - 1) < 0.1, `coefficient ${law.coefficient}`);
  // The scatter was ±10%: the factor is at least the floor and not much more.
  assert.ok(Math.exp(law.logSigma) < 1.6);
});

test("with fewer runs than a slope needs, the prior exponent stays and only the scale is fitted", () => {
  const few = sizes.slice(0, MIN_POINTS_FOR_SLOPE - 1).map((x) => ({ x, y: truth(x) }));
  const prior = { ...PRIOR_MODEL.byDelivery.restore.wallSeconds, exponent: 1 };
  const law = fitPowerLaw(few, prior);
  assert.equal(law.basis, "scaled-prior");
  assert.equal(law.exponent, 1);
  assert.equal(law.points, few.length);
  // The scale is the geometric mean of y / x^1 over the points.
  const expected = Math.exp(few.reduce((s, p) => s + Math.log(p.y / (p.x / GB)), 0) / few.length);
  assert.ok(Math.abs(law.coefficient / expected - 1) < 1e-9);
});

test("no runs: the priors, with a wide range", () => {
  const model = fitResourceModel([]);
  const p = predict(model, StepName.Image, Resource.PeakMemory, { deliveryBytes: 1 * GB });
  assert.ok(Math.abs(p.value / PRIOR_MODEL.byDelivery.image.peakMemoryBytes.coefficient - 1) < 1e-12);
  assert.ok(p.high / p.value >= 2.9 && p.value / p.low >= 2.9);
  assert.equal(schedulingMemory(model, StepName.Image, { deliveryBytes: 1 * GB }), p.high);
});

test("observations of one step do not move another step's law", () => {
  const model = fitResourceModel(sizes.map((x) => ({ step: StepName.Restore, deliveryBytes: x, wallSeconds: truth(x), peakMemoryBytes: null })));
  assert.equal(model.byDelivery.restore.wallSeconds.basis, "fit");
  assert.deepEqual(model.byDelivery.image, PRIOR_MODEL.byDelivery.image);
  // A resource that was never measured keeps its prior even for the observed step.
  assert.deepEqual(model.byDelivery.restore.peakMemoryBytes, PRIOR_MODEL.byDelivery.restore.peakMemoryBytes);
});

test("a MOUS's estimate sums the steps' time and takes the largest memory and disk", () => {
  const model = fitResourceModel([]);
  const steps = [StepName.Restore, StepName.Image];
  const e = estimateMous(model, { deliveryBytes: 2 * GB }, steps);
  const wall = steps.map((s) => predict(model, s, Resource.Wall, { deliveryBytes: 2 * GB }).value);
  assert.ok(Math.abs(e.cpuSeconds.value - (wall[0]! + wall[1]!)) < 1e-6);
  const mem = steps.map((s) => predict(model, s, Resource.PeakMemory, { deliveryBytes: 2 * GB }).value);
  assert.equal(e.peakMemoryBytes.value, Math.max(...mem));
});

test("once the imaging plan is known, imaging is predicted from its cubes' voxels, fitted apart", () => {
  // Image memory = 0.8 GB · (V/1e8)^0.5 exactly, over a factor 100 in voxels; the delivery sizes say nothing.
  const voxels = [1e6, 3e6, 1e7, 3e7, 1e8, 3e8];
  const model = fitResourceModel(
    voxels.map((v) => ({ step: StepName.Image, deliveryBytes: 1 * GB, cubeVoxels: v, peakMemoryBytes: 0.8 * GB * Math.sqrt(v / 1e8) })),
  );
  const law = model.byVoxels.image?.peakMemoryBytes;
  assert.equal(law?.basis, "fit");
  assert.ok(Math.abs((law?.exponent ?? 0) - 0.5) < 1e-9);
  const withPlan = predict(model, StepName.Image, Resource.PeakMemory, { deliveryBytes: 1 * GB, cubeVoxels: 4e8 });
  assert.ok(Math.abs(withPlan.value / (1.6 * GB) - 1) < 1e-9, `${withPlan.value}`);
  // Without the plan, the delivery-size law answers (here fitted to the same runs, all at 1 GB).
  const withoutPlan = predict(model, StepName.Image, Resource.PeakMemory, { deliveryBytes: 1 * GB });
  assert.equal(model.byDelivery.image.peakMemoryBytes.basis, "scaled-prior");
  assert.ok(withoutPlan.value > 0);
});

test("a law is trusted less the further a MOUS is from the sizes it was fitted on", () => {
  // Fitted on 10-100 MB deliveries; asked about 100 MB and about 100 GB.
  const model = fitResourceModel([0.01, 0.02, 0.05, 0.1].map((g) => ({ step: StepName.Restore, deliveryBytes: g * GB, wallSeconds: 600 * g })));
  const near = predict(model, StepName.Restore, Resource.Wall, { deliveryBytes: 0.03 * GB });
  const far = predict(model, StepName.Restore, Resource.Wall, { deliveryBytes: 100 * GB });
  assert.ok(far.high / far.value > 2 * (near.high / near.value), `near x${near.high / near.value}, far x${far.high / far.value}`);
});
