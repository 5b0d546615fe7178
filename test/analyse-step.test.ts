// The campaign's analyse step on a MOUS whose imaging made one cube (the demo-like CO(1-0)
// cube) and a continuum image: the cube is analysed into the MOUS folder, every file is a
// product, and the summary's product carries the results for the store.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { StepContext } from "../src/campaign/engine.js";
import { analyseStep } from "../src/campaign/steps/analyse.js";
import { ProductKind } from "../src/domain/campaign.js";
import type { Transition } from "../src/analysis/line-identification.js";
import { CO10_REST_HZ, DEMO_LINE, demoLikeCube, writeSyntheticCube } from "./reference/synthetic-cube.js";

function context(dir: string, products: string[]): StepContext {
  return {
    campaign: { id: "c", name: "c", recipe: "casatasks", archive: "-", options: {}, createdAt: "" },
    step: {
      id: "s",
      mousId: "m",
      mousUid: "uid://A001/X3001/X12",
      projectCode: "2024.1.00042.S",
      name: "analyse",
      ordinal: 5,
      state: "running",
      attempts: 1,
      memoryLimitBytes: null,
      outputs: null,
      attemptId: "s#1",
      attemptNumber: 1,
      inputs: { image: { products } },
    },
    mousDir: dir,
    attemptDir: join(dir, "attempt"),
    memoryLimitBytes: null,
    signal: new AbortController().signal,
    emit: () => {},
    noteLogs: () => Promise.resolve(),
  };
}

const CO: Transition = {
  species: "CO v=0",
  chemicalName: "Carbon Monoxide",
  quantumNumbers: "1- 0",
  restFrequency: CO10_REST_HZ,
  upperEnergyK: 5.5,
  extragalactic: true,
  top20: true,
  knownInSpace: true,
  lovasIntensity: 60,
  recombination: false,
  lineList: 14,
};

test("every cube of the imaging is analysed; the summary product carries lines and velocity", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "reimage-analyse-step-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const cube = join(dir, "uid___A001_X3001_X12.SimPoint_sci.spw0.cube.I.pbcor.fits");
  await writeSyntheticCube(cube, demoLikeCube());
  const continuum = join(dir, "uid___A001_X3001_X12.SimPoint_sci.spw0_1.cont.I.tt0.pbcor.fits");
  await writeFile(continuum, "not read: only cubes are analysed");
  let closed = 0;
  const step = analyseStep({
    openCatalogue: () => ({ transitions: (lo, hi) => [CO].filter((c) => c.restFrequency >= lo && c.restFrequency <= hi), close: () => (closed += 1) }),
  });
  const outcome = await step(context(dir, [cube, continuum]));
  assert.equal(outcome.state, "succeeded");
  assert.equal(closed, 1, "the catalogue is closed after the attempt");
  const summary = outcome.products?.find((p) => p.kind === ProductKind.AnalysisSummary);
  assert.ok(summary !== undefined && existsSync(summary.path));
  assert.ok(summary.path.startsWith(join(dir, "analysis", "uid___A001_X3001_X12.SimPoint_sci.spw0.cube.I.pbcor")));
  const meta = summary.meta as { lines: { species: string }[]; velocityKms: number };
  assert.deepEqual(meta.lines.map((l) => l.species), ["CO v=0"]);
  assert.ok(Math.abs(meta.velocityKms - DEMO_LINE.velocityKms) < 2);
  for (const kind of [ProductKind.AnalysisPage, ProductKind.AnalysisFits, ProductKind.AnalysisPlot, ProductKind.AnalysisTable]) {
    assert.ok(outcome.products?.some((p) => p.kind === kind), `a product of kind ${kind}`);
  }
  for (const p of outcome.products ?? []) assert.ok(existsSync(p.path) && p.sizeBytes > 0 && /^[0-9a-f]{64}$/.test(p.sha256), p.path);
});

test("a MOUS whose imaging made no cube has nothing to analyse, and that is a success", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "reimage-analyse-step-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const outcome = await analyseStep()(context(dir, [join(dir, "x.cont.I.tt0.pbcor.fits")]));
  assert.equal(outcome.state, "succeeded");
  assert.equal(outcome.products, undefined);
});
