/**
 * The in-memory kernels against numpy on the same arrays: median and MAD exactly equal
 * (float32 and float64), moments and clipped rms within 1e-9 relative.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { askNumpy, type ReferenceRobust } from "../../../test/reference/statistics-reference.js";
import { combineMoments, exactMedian, moments, robustStatistics, standardDeviation, RobustWorkspace, type Values } from "./robust.js";
import { float32Key, float32FromKey, float32Midpoint, float32AtOrBelow } from "./float-keys.js";

/** Fixed pseudo-random normal deviates (LCG and Box-Muller), so every run sees the same arrays. */
function normals(n: number, seed: number): number[] {
  let s = seed >>> 0;
  const uniform = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 4294967296;
  };
  const out: number[] = [];
  for (let i = 0; i < n; i += 1) out.push(Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform()));
  return out;
}

interface Case {
  readonly name: string;
  readonly values: Values;
}

const CASES: readonly Case[] = [
  { name: "float32 noise with NaN and Inf, odd count (histogram path)", values: Float32Array.from(normals(100_003, 1), (v, i) => (i % 97 === 0 ? Number.NaN : i === 5 ? Number.POSITIVE_INFINITY : v * 0.003)) },
  { name: "float32 integers with ties, even count (histogram path)", values: Float32Array.from(normals(200_000, 2), (v) => Math.round(v * 10)) },
  { name: "float32 small, even (sort path)", values: Float32Array.from(normals(1_000, 3), (v) => v + 0.25) },
  { name: "float32 small, odd (sort path)", values: Float32Array.from(normals(1_001, 4)) },
  { name: "float32 far from zero (cancellation)", values: Float32Array.from(normals(70_000, 5), (v) => 1000 + v * 1e-3) },
  { name: "float32 half zeros, half positive", values: Float32Array.from(normals(50_000, 6), (v, i) => (i % 2 === 0 ? 0 : Math.abs(v))) },
  { name: "float32 source on noise (clipping matters)", values: Float32Array.from(normals(90_000, 7), (v, i) => v + (i % 50 === 0 ? 40 : 0)) },
  { name: "float64 with NaN", values: Float64Array.from(normals(5_001, 8), (v, i) => (i % 13 === 0 ? Number.NaN : v * 1e5 + 3)) },
  { name: "float64 large, even", values: Float64Array.from(normals(40_000, 9)) },
];

let dir = "";
let answers: ReferenceRobust[] = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "reimage-robust-"));
  const requests = [];
  for (const [i, c] of CASES.entries()) {
    const path = join(dir, `case${i}.bin`);
    // Typed arrays are little-endian on every machine Node runs on here (x86-64, arm64).
    await writeFile(path, new Uint8Array(c.values.buffer, c.values.byteOffset, c.values.byteLength));
    requests.push({ raw: path, dtype: c.values instanceof Float32Array ? ("float32" as const) : ("float64" as const) });
  }
  answers = await askNumpy<ReferenceRobust>(requests);
});

after(async () => {
  if (dir !== "") await rm(dir, { recursive: true, force: true });
});

function close(actual: number, expected: number | null | undefined, what: string, tolerance = 1e-9): void {
  assert.ok(expected !== undefined, `${what}: numpy gave no value`);
  if (expected === null) {
    assert.ok(Number.isNaN(actual), `${what}: ${actual}, numpy has none`);
    return;
  }
  const scale = Math.max(Math.abs(expected), Number.MIN_VALUE);
  assert.ok(Math.abs(actual - expected) <= tolerance * scale, `${what}: ${actual} vs numpy ${expected}`);
}

describe("robust statistics equal numpy's", () => {
  for (const [i, c] of CASES.entries()) {
    test(c.name, () => {
      const expected = answers[i];
      assert.ok(expected !== undefined);
      const got = robustStatistics(c.values);
      assert.equal(got.count, expected.count);
      assert.equal(got.median, expected.median, "median exactly");
      assert.equal(got.mad, expected.mad, "MAD exactly");
      assert.equal(got.min, expected.min);
      assert.equal(got.max, expected.max);
      assert.equal(got.maxIndex, expected.maxIndex);
      assert.equal(got.rmsMad, expected.rmsMad);
      close(got.mean, expected.mean, "mean");
      close(got.std, expected.std, "std");
      close(got.rmsClipped, expected.rmsClipped, "clipped rms");
      assert.equal(got.clipRounds, expected.clipRounds);
      assert.equal(got.clippedCount, expected.clippedCount);
    });
  }
});

describe("kernels", () => {
  test("an array with no finite value has no statistics, not zeros", () => {
    const got = robustStatistics(new Float32Array([Number.NaN, Number.POSITIVE_INFINITY, Number.NaN]));
    assert.equal(got.count, 0);
    assert.ok(Number.isNaN(got.median) && Number.isNaN(got.mean) && Number.isNaN(got.rmsMad));
    assert.equal(got.maxIndex, -1);
  });

  test("offset and stride select the same values as a copy", () => {
    const all = Float32Array.from(normals(120_010, 11));
    const picked = Float32Array.from({ length: 40_000 }, (_, i) => all[7 + 3 * i] as number);
    const ws = new RobustWorkspace();
    assert.deepEqual(robustStatistics(all, 7, 40_000, 3, ws), robustStatistics(picked));
    assert.equal(exactMedian(all, 7, 40_000, 3, ws), exactMedian(picked));
  });

  test("a view that reaches outside the array is refused", () => {
    assert.throws(() => robustStatistics(new Float32Array(10), 2, 5, 2), RangeError);
  });

  test("moments of two halves combine to the moments of the whole", () => {
    const all = Float64Array.from(normals(10_000, 12), (v) => v * 2 + 5);
    const whole = moments(all);
    const joined = combineMoments(moments(all, 0, 4_000), moments(all, 4_000, 6_000), 4_000);
    assert.equal(joined.count, whole.count);
    assert.equal(joined.maxIndex, whole.maxIndex);
    assert.ok(Math.abs(joined.mean - whole.mean) < 1e-12);
    assert.ok(Math.abs(standardDeviation(joined) - standardDeviation(whole)) < 1e-12);
  });

  test("float32 keys keep the order of the floats, signed zeros and infinities included", () => {
    const ordered = [Number.NEGATIVE_INFINITY, -3e38, -1, -1e-40, -0, 0, 1e-45, 1, 3e38, Number.POSITIVE_INFINITY];
    const keys = ordered.map(float32Key);
    for (let i = 1; i < keys.length; i += 1) assert.ok((keys[i] as number) > (keys[i - 1] as number), `${ordered[i]} after ${ordered[i - 1]}`);
    for (const v of ordered) assert.ok(Object.is(float32FromKey(float32Key(v)), Math.fround(v)));
    assert.equal(float32Midpoint(Math.fround(3e38), Math.fround(2e38)), Number.POSITIVE_INFINITY, "the float32 sum overflows, as in numpy");
    assert.equal(float32AtOrBelow(0.1), Math.fround(0.1) <= 0.1 ? Math.fround(0.1) : float32FromKey(float32Key(0.1) - 1));
    assert.ok(float32AtOrBelow(0.1) <= 0.1);
  });
});
