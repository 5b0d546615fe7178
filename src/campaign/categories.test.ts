import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { type MousHolding, readObsCoreFile } from "../archive/obscore.js";
import { ErrorCode, ReimageError } from "../domain/errors.js";
import type { MousUid } from "../domain/glossary.js";
import { packageRoot, sharedDir } from "../paths.js";
import { SizeBasis, categorize, stratifiedSample } from "./categories.js";

// The hand-made sample is described in test/fixtures/obscore/README.md; the categories
// below were worked out by hand from the table it was written from.
const SAMPLE = join(packageRoot, "test", "fixtures", "obscore", "holdings-sample.csv");
const REAL_ROW = join(sharedDir, "real", "alma-archive", "alma-onerow.txt");
const uid = (x: string): MousUid => `uid://A001/X1f00/${x}` as MousUid;

const EXPECTED: Readonly<Record<string, string>> = {
  X101: "C2 B3 12m single continuum small", // 4 TDM windows, 2 GB stated
  X102: "C2 B6 12m mosaic line medium", // 40 GB
  X103: "C3 B7 7m mosaic line small",
  X104: "C3 B6 TP single line small",
  X105: "C4 B3 12m single line large", // 150 GB
  X106: "C4 B6 12m mosaic line huge", // 1.2 TB
  X107: "C5 B7 12m single continuum small",
  X108: "C5 B9 12m single line medium", // estimated 14.3 GB
  X109: "C6 B3 7m single continuum small", // estimated 0.09 GB
  X10a: "C6 B6 12m single continuum medium", // DDT, 12 GB
  X10b: "C7 B3 12m single line medium",
  X10c: "C7 B3 12m single line medium",
  X10d: "C7 B3 12m single line medium",
  X10e: "C7 B3 12m single line medium", // estimated 37.3 GB
  X10f: "C8 B6 12m mosaic continuum medium",
  X110: "C8 B4 7m mosaic line small",
  X111: "C9 B10 12m single continuum small",
  X112: "C9 B1 12m single line medium", // FDM at 34 GHz: 17 km/s, still line by its 1.95 MHz windows
  X113: "C10 B8 TP single line small",
  X114: "C10 B5 12m mosaic line large",
  X115: "C11 B6 12m single line medium",
  X116: "C0 B3 12m single line small",
  X117: "C1 B7 12m mosaic continuum medium",
  X118: "C5 B6 12m single line size?", // only velocity_resolution (500 m/s); no windows, no size
  X119: "C7 B3 12m single line medium", // 70 GB once, not once per row
  X11a: "C7 B3 12m single line medium",
};

const load = async (): Promise<MousHolding[]> => readObsCoreFile(SAMPLE);

test("every MOUS of the sample falls in the category worked out by hand", async () => {
  const holdings = await load();
  const found = Object.fromEntries(holdings.map((h) => [h.mous.replace("uid://A001/X1f00/", ""), categorize(h).category.key]));
  assert.deepEqual(found, EXPECTED);
});

test("size classes from an estimate: channels x baselines x exposure, with the stated assumptions", async () => {
  const holdings = await load();
  const size = (x: string) => categorize(holdings.find((h) => h.mous === uid(x))!).size;
  // X108: 4 x 960 channels, 40 antennas = 780 baselines, 1800 s; x 2 pol x 8 B / 6.048 s.
  const x108 = size("X108");
  assert.equal(x108.basis, SizeBasis.Estimate);
  assert.deepEqual([x108.channels, x108.baselines, x108.exposureS], [3840, 780, 1800]);
  assert.ok(Math.abs(x108.bytes! - 14_262_857_142.86) < 1);
  // X109: 4 x 60 TDM channels, 10 antennas = 45 baselines, two targets of 1500 s.
  const x109 = size("X109");
  assert.deepEqual([x109.channels, x109.baselines, x109.exposureS], [240, 45, 3000]);
  assert.ok(Math.abs(x109.bytes! - 85_714_285.71) < 1);
  // X10e: 2 x 1920 + 2 x 60 channels, 45 antennas (one on two pads) = 990 baselines, 3600 s.
  const x10e = size("X10e");
  assert.deepEqual([x10e.channels, x10e.baselines, x10e.exposureS], [3960, 990, 3600]);
  assert.ok(Math.abs(x10e.bytes! - 37_337_142_857.14) < 1);
  assert.deepEqual(size("X101"), { basis: SizeBasis.DataSize, bytes: 2e9 });
  assert.deepEqual(size("X118"), { basis: SizeBasis.None });
});

test("the real row: Cycle 5, Band 3, 12m mosaic with FDM windows, small by estimate", async () => {
  const [h] = await readObsCoreFile(REAL_ROW);
  const c = categorize(h!);
  assert.equal(c.category.key, "C5 B3 12m mosaic line small");
  // 963 + 63 + 963 + 1966 channels, 50 antennas = 1225 baselines, 156.52 s: about 2.0 GB.
  assert.deepEqual([c.size.basis, c.size.channels, c.size.baselines, c.size.exposureS], [SizeBasis.Estimate, 3955, 1225, 156.52]);
  assert.ok(Math.abs(c.size.bytes! - 2_006_137_130) < 10);
});

test("stratified sample: categories by cycle, counts, the lowest seeded hashes per category", async () => {
  const holdings = await load();
  const sample = stratifiedSample(holdings, 3, "pilot");
  assert.deepEqual(
    sample.map((s) => s.category.key),
    [
      "C0 B3 12m single line small",
      "C1 B7 12m mosaic continuum medium",
      "C2 B3 12m single continuum small",
      "C2 B6 12m mosaic line medium",
      "C3 B6 TP single line small",
      "C3 B7 7m mosaic line small",
      "C4 B3 12m single line large",
      "C4 B6 12m mosaic line huge",
      "C5 B6 12m single line size?",
      "C5 B7 12m single continuum small",
      "C5 B9 12m single line medium",
      "C6 B3 7m single continuum small",
      "C6 B6 12m single continuum medium",
      "C7 B3 12m single line medium",
      "C8 B4 7m mosaic line small",
      "C8 B6 12m mosaic continuum medium",
      "C9 B1 12m single line medium",
      "C9 B10 12m single continuum small",
      "C10 B5 12m mosaic line large",
      "C10 B8 TP single line small",
      "C11 B6 12m single line medium",
    ],
  );
  assert.equal(sample.reduce((n, s) => n + s.count, 0), 26);
  const c7 = sample.find((s) => s.category.key === "C7 B3 12m single line medium")!;
  assert.equal(c7.count, 6);
  assert.equal(c7.estimatedSizes, 1);
  // Expected order from Python: sorted(int.from_bytes(sha256(b"pilot\0" + uid).digest()[:8], "big")).
  assert.deepEqual(c7.sample, [uid("X10d"), uid("X10c"), uid("X10b")]);
  assert.deepEqual(stratifiedSample(holdings, 6, "other").find((s) => s.category.key === c7.category.key)?.sample, ["X119", "X10b", "X10e", "X10d", "X11a", "X10c"].map(uid));
  for (const s of sample) if (s.category.key !== c7.category.key) assert.equal(s.sample.length, s.count);
});

test("the sample does not depend on the list's order, and the sample of N is the start of N+1", async () => {
  const holdings = await load();
  const forward = stratifiedSample(holdings, 2, 42);
  assert.deepEqual(stratifiedSample([...holdings].reverse(), 2, 42), forward);
  assert.deepEqual(stratifiedSample([...holdings, ...holdings], 2, 42), forward);
  const wider = stratifiedSample(holdings, 5, 42);
  for (const [i, s] of forward.entries()) assert.deepEqual(s.sample, wider[i]?.sample.slice(0, 2));
});

test("a sample size below 1 is bad input, not an empty sample", async () => {
  const holdings = await load();
  for (const n of [0, -1, 1.5, Number.NaN]) {
    assert.throws(() => stratifiedSample(holdings, n, "s"), (e: unknown) => e instanceof ReimageError && e.code === ErrorCode.BadInput);
  }
  assert.deepEqual(stratifiedSample([], 10, "s"), []);
});
