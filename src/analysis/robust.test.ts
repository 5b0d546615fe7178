import { test } from "node:test";
import assert from "node:assert/strict";
import { MAD_TO_SIGMA, median, robustScale } from "./robust.js";

test("median of odd and even counts, NaN left out", () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([Number.NaN, 5, 1, Number.NaN, 3]), 3);
  assert.ok(Number.isNaN(median([])));
  assert.ok(Number.isNaN(median([Number.NaN])));
});

test("scaled MAD: 1.4826 x the median absolute deviation, blind to a few outliers", () => {
  const r = robustScale([1, 2, 3, 4, 5, 6, 1000]);
  assert.equal(r.median, 4);
  // deviations 3 2 1 0 1 2 996 -> median 2
  assert.equal(r.sigma, 2 * MAD_TO_SIGMA);
  assert.equal(r.count, 7);
});

test("the same answer as sorting, on many random arrays", () => {
  let seed = 12345;
  const next = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) - 0.5;
  for (let trial = 0; trial < 200; trial += 1) {
    const values = Array.from({ length: 1 + (trial % 37) }, next);
    const sorted = [...values].sort((a, b) => a - b);
    const n = sorted.length;
    const expected = n % 2 === 1 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
    assert.equal(median(values), expected);
  }
});
