import assert from "node:assert/strict";
import { test } from "node:test";
import { colourIndex, colourMap, ColourMapName } from "./colour-map.js";
import { robustStretch, stretchValue, unstretchValue } from "./stretch.js";

test("the stretch of a noise map with one source: noise from the MAD, top colour at the peak, bottom at the 0.5th percentile", () => {
  // A deterministic 'noise' of known MAD: the values -k..k spaced evenly have MAD = k/2.
  const n = 10_001;
  const map = new Float64Array(n + 1);
  for (let i = 0; i < n; i += 1) map[i] = ((i - 5000) / 5000) * 2;
  map[n] = 100;
  const s = robustStretch(map);
  assert.ok(s !== undefined);
  assert.equal(s.high, 100);
  assert.ok(Math.abs(s.median - 0.0002) < 1e-3);
  assert.ok(Math.abs(s.noise - 1.4826 * 1) < 2e-3, `noise ${s.noise}`);
  assert.ok(Math.abs(s.low - -1.98) < 0.01, `low ${s.low}`);
  assert.equal(stretchValue(s, 100), 1);
  assert.equal(stretchValue(s, -50), 0);
  assert.ok(Number.isNaN(stretchValue(s, Number.NaN)));
  for (const t of [0, 0.1, 0.5, 0.9, 1]) assert.ok(Math.abs(stretchValue(s, unstretchValue(s, t)) - t) < 1e-12);
  // asinh: the noise takes a good part of the colour map, the source the rest.
  assert.ok(stretchValue(s, s.median + s.noise) > 0.2 && stretchValue(s, s.median + s.noise) < 0.5);
});

test("blank and constant maps: no stretch for all-NaN, a unit span for a constant", () => {
  assert.equal(robustStretch(new Float32Array(16).fill(Number.NaN)), undefined);
  assert.equal(robustStretch([]), undefined);
  const s = robustStretch(new Float32Array(9).fill(3));
  assert.ok(s !== undefined);
  assert.equal(s.high, 3);
  assert.equal(s.low, 0);
  assert.equal(stretchValue(s, 3), 1);
});

test("colour maps: 256 colours whose CIE L* rises with the index (perceptually ordered), clipped at both ends", () => {
  const lightness = (r: number, g: number, b: number): number => {
    const lin = (c: number): number => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
    const y = 0.2126 * lin(r / 255) + 0.7152 * lin(g / 255) + 0.0722 * lin(b / 255);
    return y > 216 / 24389 ? 116 * Math.cbrt(y) - 16 : (24389 / 27) * y;
  };
  for (const name of Object.values(ColourMapName)) {
    const { rgb } = colourMap(name);
    assert.equal(rgb.length, 768);
    let previous = -1;
    for (let i = 0; i < 256; i += 1) {
      const l = lightness(rgb[3 * i] ?? 0, rgb[3 * i + 1] ?? 0, rgb[3 * i + 2] ?? 0);
      assert.ok(l > previous - 0.3, `${name}[${i}] L* ${l} after ${previous}`);
      previous = l;
    }
  }
  // matplotlib's viridis starts at #440154 and ends at #fde725.
  assert.deepEqual([...colourMap(ColourMapName.Viridis).rgb.subarray(0, 3)], [0x44, 0x01, 0x54]);
  assert.deepEqual([...colourMap(ColourMapName.Viridis).rgb.subarray(765)], [0xfd, 0xe7, 0x25]);
  assert.equal(colourIndex(-1), 0);
  assert.equal(colourIndex(Number.NaN), 0);
  assert.equal(colourIndex(1), 255);
  assert.equal(colourIndex(0.5), 128);
});
