import assert from "node:assert/strict";
import { test } from "node:test";
import { crossings, formatAngle, formatDeclination, formatRightAscension, linearTicks, sampleEdge, scaleBarLength, skyEdgeTicks } from "./ticks.js";

test("right ascension and declination in sexagesimal, rounded to the step and never to 60", () => {
  // 156.965 deg = 10h27m51.6s; -43.905 deg = -43d54m18s.
  assert.equal(formatRightAscension(156.965, 0.1), "10h27m51.6s");
  assert.equal(formatRightAscension(156.965, 1), "10h27m52s");
  assert.equal(formatRightAscension(156.965, 60), "10h28m");
  assert.equal(formatRightAscension(-0.0000001, 1), "0h00m00s");
  assert.equal(formatRightAscension(359.99999, 1), "0h00m00s", "24h wraps to 0h after rounding");
  assert.equal(formatDeclination(-43.905, 1), "\u221243\u00b054\u203218\u2033");
  assert.equal(formatDeclination(12.5, 60), "+12\u00b030\u2032");
  assert.equal(formatDeclination(-0.5 / 3600, 0.1), "\u22120\u00b000\u203200.5\u2033");
  assert.equal(formatDeclination(29.99999999 / 60, 1), "+0\u00b030\u203200\u2033");
});

test("edge ticks: right ascension every 2 s along an edge where RA falls to the right, the first label in full, the next ones elided", () => {
  // 12 s of time across 512 display pixels, RA decreasing with x as on the sky (east left).
  const start = 156.98;
  const samples = sampleEdge(0, 127, 127, (x) => start - (x * 12) / 240 / 127, true);
  const ticks = skyEdgeTicks(samples, "ra", 6);
  assert.deepEqual(
    ticks.map((t) => t.label),
    ["10h27m54s", "52s", "50s", "48s", "46s", "44s"],
  );
  for (const t of ticks) assert.ok(Math.abs(start - (t.at * 12) / 240 / 127 - t.value) < 1e-9);
});

test("edge ticks: declination crossing zero keeps its sign, and a longitude edge across 0h is unwrapped", () => {
  const dec = skyEdgeTicks(
    sampleEdge(0, 100, 100, (y) => -30 / 3600 + (y * 60) / 3600 / 100, false),
    "dec",
    3,
  );
  assert.deepEqual(
    dec.map((t) => t.label),
    ["\u22120\u00b000\u203220\u2033", "+0\u00b000\u203200\u2033", "20\u2033"],
  );
  const across = sampleEdge(0, 10, 10, (x) => (360 + 0.01 - x * 0.002) % 360, true);
  assert.ok(across.every((s, i) => i === 0 || Math.abs(s.value - (across[i - 1]?.value ?? 0)) < 0.01));
  const found = crossings(across, 0.005);
  assert.deepEqual(
    found.map((f) => Math.round(f.value * 1000) + 0),
    [10, 5, 0, -5, -10],
  );
});

test("linear ticks are 1, 2 or 5 times a power of ten", () => {
  const t = linearTicks(113.81, 114.58, 5);
  assert.equal(t.step, 0.2);
  assert.deepEqual(
    t.values.map((v) => Number(v.toFixed(6))),
    [114, 114.2, 114.4],
  );
  assert.deepEqual(linearTicks(-0.2, 1.6, 6).values.map((v) => Number(v.toFixed(6))), [0, 0.5, 1, 1.5]);
});

test("scale bar: the longest round angle within a quarter of the map", () => {
  assert.deepEqual(scaleBarLength(128), { arcsec: 30, label: "30\u2033" });
  assert.deepEqual(scaleBarLength(60), { arcsec: 10, label: "10\u2033" });
  assert.deepEqual(scaleBarLength(3 * 3600), { arcsec: 1800, label: "30\u2032" });
  assert.equal(formatAngle(0.05), "0.05\u2033");
  assert.equal(formatAngle(7200), "2\u00b0");
});
