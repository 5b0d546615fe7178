import { test } from "node:test";
import assert from "node:assert/strict";
import { observedFrequency } from "./cube-geometry.js";
import { identifyLines, type LineCatalogue, type Transition } from "./line-identification.js";

function transition(species: string, restGHz: number, extra: Partial<Transition> = {}): Transition {
  return {
    species,
    chemicalName: species,
    quantumNumbers: "1-0",
    restFrequency: restGHz * 1e9,
    upperEnergyK: 5,
    extragalactic: true,
    top20: false,
    knownInSpace: true,
    lovasIntensity: undefined,
    recombination: false,
    lineList: 14,
    ...extra,
  };
}

function catalogue(transitions: readonly Transition[]): LineCatalogue {
  return { transitions: (lo, hi) => transitions.filter((t) => t.restFrequency >= lo && t.restFrequency <= hi) };
}

function lineAt(restGHz: number, velocity: number, strength: number, halfWidthHz = 10e6): { centre: number; low: number; high: number; strength: number } {
  const centre = observedFrequency(restGHz * 1e9, velocity);
  return { centre, low: centre - halfWidthHz, high: centre + halfWidthHz, strength };
}

const CO = transition("CO v=0", 115.271202, { top20: true, lovasIntensity: 60 });
const CN = transition("CN v=0", 113.490970, { lovasIntensity: 3.23 });
const NS = transition("NS, v=0", 115.1853068, { lovasIntensity: 0.26, upperEnergyK: 10 });
const HCN = transition("HCN v=0", 88.631847, { top20: true, lovasIntensity: 17.2 });
const HCOP = transition("HCO+ v=0", 89.188526, { top20: true, lovasIntensity: 10.8 });

test("one strong line is CO(1-0) at the velocity it implies, not a weak neighbour", () => {
  const id = identifyLines([lineAt(115.271202, 1700, 20)], catalogue([CO, CN, NS]));
  assert.equal(id.lines[0]?.best?.transition.species, "CO v=0");
  assert.ok(Math.abs((id.velocity ?? 0) - 1700) < 1e-6);
  assert.equal(id.ambiguous, false);
});

test("a second line fixes the velocity: CO and CN together beat either alone", () => {
  const v = 3000;
  const id = identifyLines([lineAt(115.271202, v, 30), lineAt(113.49097, v, 5)], catalogue([CO, CN, NS]));
  assert.deepEqual(
    id.lines.map((l) => l.best?.transition.species),
    ["CO v=0", "CN v=0"],
  );
  assert.ok(Math.abs((id.velocity ?? 0) - v) < 1e-6);
});

test("a lone line that two equally likely species explain is called ambiguous", () => {
  // The line sits where HCN at one velocity and HCO+ at another both fall.
  const id = identifyLines([lineAt(88.631847, 500, 10)], catalogue([HCN, HCOP]), { velocityRange: [-1000, 3000], velocityTolerance: 300 });
  assert.equal(id.ambiguous, true);
  assert.match(id.note, /ambiguous/);
});

test("a known velocity narrows the proposals", () => {
  const id = identifyLines([lineAt(88.631847, 500, 10)], catalogue([HCN, HCOP]), { velocityRange: [-1000, 3000], velocity: 500, velocityTolerance: 100 });
  assert.equal(id.lines[0]?.best?.transition.species, "HCN v=0");
  assert.equal(id.ambiguous, false);
});

test("no transition within the velocity range leaves the line unidentified", () => {
  const id = identifyLines([lineAt(100, 0, 10)], catalogue([CO]));
  assert.equal(id.lines[0]?.best, undefined);
  assert.equal(id.velocity, undefined);
});
