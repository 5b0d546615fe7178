import { test } from "node:test";
import assert from "node:assert/strict";
import { findLines, SIGMA_TO_FWHM } from "./line-finding.js";

/** Seeded Gaussian noise (Mulberry32 and Box-Muller), so every run sees the same spectrum. */
function noise(seed: number): () => number {
  let a = seed >>> 0;
  const uniform = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

function spectrum(n: number, f: (i: number) => number, sigma: number, seed: number): Float64Array {
  const g = noise(seed);
  return Float64Array.from({ length: n }, (_, i) => f(i) + sigma * g());
}

test("a Gaussian line on a sloping continuum is found at its centre and width", () => {
  // 200 channels; continuum rising from 5 to 15; line of peak 10 at channel 120.3, sigma 4 channels; noise 1.
  const s = spectrum(200, (i) => 5 + i / 20 + 10 * Math.exp(-0.5 * ((i - 120.3) / 4) ** 2), 1, 1);
  const found = findLines(s, undefined);
  assert.equal(found.lines.length, 1);
  const line = found.lines[0]!;
  assert.equal(line.kind, "emission");
  assert.ok(Math.abs(line.gaussian!.centre - 120.3) < 0.3, `centre ${line.gaussian?.centre}`);
  assert.ok(Math.abs(line.gaussian!.sigma * SIGMA_TO_FWHM - 4 * SIGMA_TO_FWHM) < 1, `FWHM ${line.gaussian!.sigma * SIGMA_TO_FWHM}`);
  // Grown to where the line falls to the noise: 10 exp(-x^2/32) = 1 at 8.6 channels from the centre.
  assert.ok(line.start <= 113 && line.end >= 127, `range ${line.start}-${line.end}`);
  // The baseline follows the slope under the line, not the line.
  assert.ok(Math.abs((found.baseline[120] ?? 0) - (5 + 120 / 20)) < 0.5);
  // Line-free ranges are what is left.
  assert.deepEqual(found.lineFree, [
    [0, line.start - 1],
    [line.end + 1, 199],
  ]);
});

test("noise alone gives no line, at the default 4 sigma over 3 channels, with or without known channel noise", () => {
  for (let seed = 1; seed <= 20; seed += 1) {
    const s = spectrum(500, () => 0, 1, seed);
    assert.deepEqual(findLines(s, undefined).lines, [], `seed ${seed}`);
    assert.deepEqual(findLines(s, new Float64Array(500).fill(1)).lines, [], `seed ${seed}`);
  }
});

test("an absorption line is reported as absorption", () => {
  const s = spectrum(100, (i) => 20 - 8 * Math.exp(-0.5 * ((i - 40) / 2) ** 2), 0.5, 3);
  const found = findLines(s, undefined);
  assert.equal(found.lines.length, 1);
  assert.equal(found.lines[0]!.kind, "absorption");
  assert.ok(Math.abs(found.lines[0]!.gaussian!.centre - 40) < 0.3);
});

test("significance and minimum width are honoured: a one-channel spike is not a line unless allowed", () => {
  const s = new Float64Array(100).fill(0).map((_, i) => (i === 50 ? 20 : 0));
  const sigma = new Float64Array(100).fill(1);
  assert.equal(findLines(s, sigma).lines.length, 0);
  assert.equal(findLines(s, sigma, { significance: 4, minChannels: 1, baselineOrder: 1, clip: 3 }).lines.length, 1);
  assert.equal(findLines(s, sigma, { significance: 25, minChannels: 1, baselineOrder: 1, clip: 3 }).lines.length, 0);
});

test("two lines are found apart; blank channels are neither line nor line-free", () => {
  const s = spectrum(300, (i) => 8 * Math.exp(-0.5 * ((i - 80) / 3) ** 2) + 6 * Math.exp(-0.5 * ((i - 200) / 5) ** 2), 1, 9);
  s[0] = Number.NaN;
  s[299] = Number.NaN;
  const found = findLines(s, undefined);
  assert.equal(found.lines.length, 2);
  assert.ok(Math.abs(found.lines[0]!.centroid - 80) < 1 && Math.abs(found.lines[1]!.centroid - 200) < 1.5);
  assert.equal(found.lineFree[0]![0], 1);
  assert.equal(found.lineFree[found.lineFree.length - 1]![1], 298);
});
