/**
 * Products of whole files against numpy and astropy: every real FITS in shared/real and
 * files written here (BITPIX 16 with BSCALE and BLANK, 32, -32 with NaN, -64, gzip, 2, 3
 * and 4 axes, planes large enough for the histogram paths, a BEAMS table), each analysed on
 * this thread and with two worker threads. Median and MAD must equal numpy's exactly, the
 * other statistics agree within 1e-6 relative; damaged files fail with an error naming them.
 */
import { sharedDir } from "../paths.js";
import assert from "node:assert/strict";
import { mkdtemp, readdir, rm, writeFile, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { ErrorCode, ReimageError } from "../domain/index.js";
import { askNumpy, type ReferenceFits, type ReferenceRobust } from "../../test/reference/statistics-reference.js";
import { beamsTable, imageCards, rawData, writeFits, writeImage } from "../../test/reference/fits-fixtures.js";
import { formatHeader } from "../fits/writer.js";
import { analyzeProduct, type ProductAnalysis } from "./analyze.js";

const REAL = join(sharedDir, "real", "fits");

/** Fixed pseudo-random normal deviates. */
function normals(n: number, seed: number): number[] {
  let s = seed >>> 0;
  const uniform = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 4294967296;
  };
  return Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform()));
}

/** A noise cube with a Gaussian source and NaN outside a circle (the primary-beam limit). */
function skyValues(nx: number, ny: number, planes: number, seed: number, scale: (v: number) => number | bigint, blank: number | bigint = Number.NaN): (number | bigint)[] {
  const noise = normals(nx * ny * planes, seed);
  const out: (number | bigint)[] = [];
  for (let p = 0; p < planes; p += 1) {
    for (let y = 0; y < ny; y += 1) {
      for (let x = 0; x < nx; x += 1) {
        const r2 = (x - nx / 2) ** 2 + (y - ny / 2) ** 2;
        const i = (p * ny + y) * nx + x;
        const source = 20 * Math.exp(-((x - nx / 3) ** 2 + (y - ny / 2) ** 2) / 18) * Math.exp(-((p - planes / 2) ** 2) / 4);
        out.push(r2 > (Math.min(nx, ny) / 2) ** 2 ? blank : scale((noise[i] as number) + source));
      }
    }
  }
  return out;
}

const WCS_CARDS = [
  { keyword: "CTYPE1", value: "RA---SIN" },
  { keyword: "CRVAL1", value: 150.1 },
  { keyword: "CDELT1", value: -1e-4 },
  { keyword: "CRPIX1", value: 100 },
  { keyword: "CTYPE2", value: "DEC--SIN" },
  { keyword: "CRVAL2", value: -30.2 },
  { keyword: "CDELT2", value: 1e-4 },
  { keyword: "CRPIX2", value: 90 },
  { keyword: "CTYPE3", value: "FREQ" },
  { keyword: "CRVAL3", value: 1.0e11 },
  { keyword: "CDELT3", value: 1.0e6 },
  { keyword: "CRPIX3", value: 1 },
  { keyword: "CUNIT3", value: "Hz" },
  { keyword: "BUNIT", value: "Jy/beam" },
];

interface Synthetic {
  readonly name: string;
  readonly write: (path: string) => Promise<void>;
}

const SYNTHETIC: readonly Synthetic[] = [
  {
    name: "f32-nan-3axes.fits",
    write: (p) => writeImage(p, -32, [200, 180, 6], skyValues(200, 180, 6, 1, (v) => v * 0.002), [...WCS_CARDS, { keyword: "BMAJ", value: 2e-4 }, { keyword: "BMIN", value: 1e-4 }, { keyword: "BPA", value: 30 }]),
  },
  {
    name: "i16-bscale-blank-4axes.fits",
    write: (p) =>
      writeImage(p, 16, [190, 190, 3, 1], skyValues(190, 190, 3, 2, (v) => Math.round(v * 1000), -32768), [
        { keyword: "BSCALE", value: 1.5e-5 },
        { keyword: "BZERO", value: 1e-3 },
        { keyword: "BLANK", value: -32768 },
        ...WCS_CARDS,
        { keyword: "CTYPE4", value: "STOKES" },
        { keyword: "CRVAL4", value: 1 },
        { keyword: "CDELT4", value: 1 },
        { keyword: "CRPIX4", value: 1 },
      ]),
  },
  {
    name: "i32-blank-2axes.fits",
    write: (p) => writeImage(p, 32, [300, 200], skyValues(300, 200, 1, 3, (v) => Math.round(v * 1e6), -2147483648), [{ keyword: "BLANK", value: -2147483648 }, { keyword: "BSCALE", value: 1e-6 }]),
  },
  { name: "f64-3axes.fits", write: (p) => writeImage(p, -64, [60, 50, 4], skyValues(60, 50, 4, 4, (v) => v * 3 + 1)) },
  { name: "f32-small-planes.fits.gz", write: (p) => writeImage(p, -32, [40, 30, 25], skyValues(40, 30, 25, 5, (v) => v), WCS_CARDS, true) },
  {
    name: "f32-beams-table.fits",
    write: async (p) => {
      const axes = [64, 64, 5, 1];
      const header = formatHeader(imageCards(-32, axes, [...WCS_CARDS, { keyword: "EXTEND", value: true }, { keyword: "CASAMBM", value: true }]));
      const beams = beamsTable(Array.from({ length: 5 }, (_, c) => ({ bmaj: 1 + c * 0.1, bmin: 0.8, bpa: 10 * c, chan: c, pol: 0 })));
      await writeFits(p, [header, rawData(-32, skyValues(64, 64, 5, 6, (v) => v)), ...beams]);
    },
  },
];

let dir = "";
const files: string[] = [];
let reference: ReferenceFits[] = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "reimage-products-"));
  for (const name of (await readdir(REAL)).sort()) {
    // Only images: other tools' outputs (MOC tables) may sit beside the real files.
    if (/\.fits(\.gz)?$/.test(name) && !/\.moc\.fits$/.test(name)) files.push(join(REAL, name));
  }
  for (const s of SYNTHETIC) {
    const path = join(dir, s.name);
    await s.write(path);
    files.push(path);
  }
  reference = await askNumpy<ReferenceFits>(files.map((fits) => ({ fits })));
});

after(async () => {
  if (dir !== "") await rm(dir, { recursive: true, force: true });
});

function close(actual: number | null, expected: number | null | undefined, what: string): void {
  if (expected === undefined || expected === null) {
    assert.equal(actual, null, `${what}: numpy has none`);
    return;
  }
  assert.ok(actual !== null, `${what}: none, numpy ${expected}`);
  const tolerance = 1e-6 * Math.max(Math.abs(expected), 1e-300);
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} vs numpy ${expected}`);
}

type Figures = Pick<ProductAnalysis["statistics"], "min" | "max" | "mean" | "std" | "median" | "mad" | "rmsMad" | "rmsClipped">;

function compare(got: Figures & { validPixels: number }, expected: ReferenceRobust, where: string): void {
  assert.equal(got.validPixels, expected.count, `${where}: valid pixels`);
  if (expected.count === 0) return;
  assert.equal(got.median, expected.median, `${where}: median exactly`);
  assert.equal(got.mad, expected.mad, `${where}: MAD exactly`);
  assert.equal(got.min, expected.min, `${where}: min`);
  assert.equal(got.max, expected.max, `${where}: max`);
  close(got.mean, expected.mean, `${where}: mean`);
  close(got.std, expected.std, `${where}: std`);
  close(got.rmsMad, expected.rmsMad, `${where}: rms from MAD`);
  close(got.rmsClipped, expected.rmsClipped, `${where}: clipped rms`);
}

describe("statistics of whole files equal numpy's", () => {
  for (const threads of [0, 2]) {
    test(`every real and synthetic file, ${threads === 0 ? "on this thread" : `${threads} worker threads`}`, async () => {
      assert.ok(files.length >= 2 + SYNTHETIC.length);
      for (const [i, file] of files.entries()) {
        const expected = reference[i];
        assert.ok(expected !== undefined);
        const got = await analyzeProduct(file, dir, { threads });
        const s = got.statistics;
        assert.deepEqual([...got.shape].reverse(), expected.shape, `${file}: shape`);
        compare(s, expected.image, `${file}`);
        const planePixels = (got.shape[0] ?? 1) * (got.shape[1] ?? 1);
        if (expected.image.count > 0) {
          assert.ok(s.peak !== null);
          const [x, y, ...coords] = s.peak.pixel;
          let plane = 0;
          for (let k = coords.length - 1; k >= 0; k -= 1) plane = plane * (got.shape[k + 2] ?? 1) + (coords[k] ?? 0);
          assert.equal(plane * planePixels + (y ?? 0) * (got.shape[0] ?? 1) + (x ?? 0), expected.image.maxIndex, `${file}: peak pixel`);
          assert.equal(s.peak.value, expected.image.max);
          if (s.fiducialRms !== null) assert.equal(s.dynamicRange, s.peak.value / s.fiducialRms);
        }
        assert.equal(s.planes.length, expected.planes.length);
        for (const [p, plane] of s.planes.entries()) {
          const e: ReferenceRobust | undefined = expected.planes[p];
          assert.ok(e !== undefined);
          compare(plane, e, `${file} plane ${p}`);
          if (e.count > 0 && plane.peakPixel !== null) assert.equal(plane.peakPixel[1] * (got.shape[0] ?? 1) + plane.peakPixel[0], e.maxIndex, `${file} plane ${p}: peak`);
        }
      }
    });
  }

  test("the beam comes from the header, or from CASA's BEAMS table per plane", async () => {
    const header = await analyzeProduct(join(dir, "f32-nan-3axes.fits"), dir);
    assert.deepEqual(header.statistics.beam, { majorArcsec: 2e-4 * 3600, minorArcsec: 1e-4 * 3600, positionAngle: 30 });
    const table = await analyzeProduct(join(dir, "f32-beams-table.fits"), dir);
    assert.deepEqual(
      table.statistics.planes.map((p) => p.beam?.majorArcsec),
      [1, 1.1, 1.2, 1.3, 1.4].map((v) => Math.fround(v)),
    );
    const peakChannel = table.statistics.peak?.pixel[2] ?? -1;
    assert.equal(table.statistics.beam?.majorArcsec, Math.fround(1 + peakChannel * 0.1));
  });

  test("the peak is placed on the sky by the WCS", async () => {
    const got = await analyzeProduct(join(dir, "f32-nan-3axes.fits"), dir);
    const world = got.statistics.peak?.world;
    assert.ok(world !== null && world !== undefined);
    const channel = got.statistics.peak?.pixel[2] ?? -1;
    assert.equal(world[2], 1.0e11 + 1.0e6 * channel);
    assert.ok(Math.abs((world[1] ?? 0) - -30.2) < 0.02 && Math.abs((world[0] ?? 0) - 150.1) < 0.03);
  });
});

describe("damaged files", () => {
  test("a truncated file fails with bad-fits naming the file", async () => {
    const whole = await readFile(join(dir, "f32-nan-3axes.fits"));
    const path = join(dir, "truncated.fits");
    await writeFile(path, whole.subarray(0, whole.length - 100_000));
    await assert.rejects(analyzeProduct(path, dir, { threads: 2 }), (err: unknown) => err instanceof ReimageError && err.code === ErrorCode.BadFits && err.message.includes(path));
  });

  test("a file with no image fails naming the file", async () => {
    const path = join(dir, "table-only.fits");
    await writeFits(path, [formatHeader(imageCards(8, [])), ...beamsTable([{ bmaj: 1, bmin: 1, bpa: 0, chan: 0, pol: 0 }])]);
    await assert.rejects(analyzeProduct(path, dir), (err: unknown) => err instanceof ReimageError && err.message.includes(path));
  });

  test("a missing file fails naming the file", async () => {
    const path = join(dir, "absent.fits");
    await assert.rejects(analyzeProduct(path, dir), (err: unknown) => err instanceof ReimageError && err.message.includes(path));
  });
});
