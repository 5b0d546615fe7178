/**
 * FITS reading against astropy: every real file in /work/shared/real/fits and files written
 * here (each BITPIX with BSCALE/BZERO/BLANK, gzip, a 4-axis cube, a BEAMS table, tricky
 * header cards). Pixel values must agree to the bit (a digest of every pixel), header values
 * exactly; damaged files must fail with `bad-fits` naming the file and the fault.
 */
import { sharedDir } from "../paths.js";
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { gzipSync } from "node:zlib";
import { ErrorCode, ReimageError } from "../domain/index.js";
import { askAstropy, type AstropyAnswer, type AstropyRequest } from "../../test/reference/ensure-reference-python.js";
import { PixelDigest, beamsTable, imageCards, rawData, writeFits, writeImage } from "../../test/reference/fits-fixtures.js";
import { formatHeader } from "./writer.js";
import { readBeamTable, readFitsInfo, readPlane, readPlanes, imageLayout } from "./reader.js";
import type { FitsValue } from "./header.js";

const REAL = join(sharedDir, "real", "fits");
let dir = "";

interface Fixture {
  readonly name: string;
  readonly write: (path: string) => Promise<void>;
}

/** Pseudo-random but fixed integers, so every run writes the same files. */
function series(n: number, lo: number, hi: number, seed: number): number[] {
  const out: number[] = [];
  let s = seed;
  for (let i = 0; i < n; i += 1) {
    s = (s * 1103515245 + 12345) % 2147483648;
    out.push(lo + (s % (hi - lo + 1)));
  }
  return out;
}

const AXES_3D = [7, 5, 3];
const N3 = 7 * 5 * 3;

const FIXTURES: readonly Fixture[] = [
  { name: "u8-scaled-blank.fits", write: (p) => writeImage(p, 8, AXES_3D, [...series(N3 - 2, 0, 254, 1), 255, 255], [{ keyword: "BSCALE", value: 0.37 }, { keyword: "BZERO", value: -12.5 }, { keyword: "BLANK", value: 255 }]) },
  { name: "i16-scaled-blank.fits", write: (p) => writeImage(p, 16, AXES_3D, [-32768, ...series(N3 - 1, -32767, 32767, 2)], [{ keyword: "BSCALE", value: 1.25e-4 }, { keyword: "BZERO", value: 3.5 }, { keyword: "BLANK", value: -32768 }]) },
  { name: "u16-pseudo-unsigned.fits", write: (p) => writeImage(p, 16, AXES_3D, series(N3, -32768, 32767, 3), [{ keyword: "BSCALE", value: 1 }, { keyword: "BZERO", value: 32768 }]) },
  { name: "i16-plain.fits", write: (p) => writeImage(p, 16, [6, 4], series(24, -32768, 32767, 4)) },
  { name: "i32-blank.fits", write: (p) => writeImage(p, 32, AXES_3D, [...series(N3 - 1, -2147483647, 2147483647, 5), -2147483648], [{ keyword: "BLANK", value: -2147483648 }]) },
  { name: "i32-scaled.fits", write: (p) => writeImage(p, 32, AXES_3D, series(N3, -2147483647, 2147483647, 6), [{ keyword: "BSCALE", value: 2.5e-9 }, { keyword: "BZERO", value: -0.75 }]) },
  {
    name: "i64-blank.fits",
    write: (p) => writeImage(p, 64, [4, 3], [9007199254740993n, -5n, 1n << 62n, -(1n << 63n), ...series(8, -1000000, 1000000, 7).map(BigInt)], [{ keyword: "BLANK", value: -(1n << 63n) }]),
  },
  { name: "f32-nan.fits", write: (p) => writeImage(p, -32, AXES_3D, series(N3, -1000, 1000, 8).map((v, i) => (i % 11 === 0 ? Number.NaN : v / 7))) },
  { name: "f64-scaled.fits", write: (p) => writeImage(p, -64, [5, 4], series(20, -1000, 1000, 9).map((v) => v / 3), [{ keyword: "BSCALE", value: 3.0e-3 }, { keyword: "BZERO", value: 1.0e5 }]) },
  { name: "i16-scaled.fits.gz", write: (p) => writeImage(p, 16, AXES_3D, series(N3, -32768, 32767, 10), [{ keyword: "BSCALE", value: 0.001 }, { keyword: "BZERO", value: -7 }], true) },
  {
    name: "cube4d-stokes.fits.gz",
    write: (p) => writeImage(p, -32, [6, 5, 4, 1], series(120, -500, 500, 11).map((v) => v / 9), [{ keyword: "CTYPE3", value: "FREQ" }, { keyword: "CTYPE4", value: "STOKES" }], true),
  },
  {
    name: "header-cards.fits",
    write: (p) =>
      writeFits(p, [
        formatHeader(
          imageCards(-32, [3, 2], [
            { keyword: "OBJECT", value: "O'Brien's   source" },
            { keyword: "LONGSTR", value: `${"a long value, ".repeat(12)}ending here`, comment: "a CONTINUE string" },
            { keyword: "FLAG", value: false, comment: "a logical" },
            { keyword: "NOVALUE", value: null },
            { keyword: "COMMENT", comment: "a comment card" },
            { keyword: "HISTORY", comment: "a history card" },
          ]),
        ),
        rawData(-32, [1, 2, 3, 4, 5, 6]),
      ]),
  },
  {
    name: "beams.fits",
    write: (p) =>
      writeFits(p, [
        formatHeader(imageCards(-32, [4, 3, 3, 1], [{ keyword: "EXTEND", value: true }, { keyword: "CASAMBM", value: true }])),
        rawData(-32, series(36, 0, 100, 12)),
        ...beamsTable([
          { bmaj: 1.234567, bmin: 0.98, bpa: -45.5, chan: 0, pol: 0 },
          { bmaj: 1.25, bmin: 0.99, bpa: -44.25, chan: 1, pol: 0 },
          { bmaj: 1.26, bmin: 1.01, bpa: -43.125, chan: 2, pol: 0 },
        ]),
      ]),
  },
];

async function realFiles(): Promise<string[]> {
  return (await readdir(REAL)).filter((f) => /\.fits(\.gz)?$/.test(f)).map((f) => join(REAL, f));
}

/** A few pixels per file: corners and the middle of each plane range, in FITS axis order. */
function samplesFor(axes: readonly number[]): number[][] {
  const pick = (n: number): number[] => [...new Set([0, Math.floor(n / 2), n - 1])];
  let out: number[][] = [[]];
  for (const n of axes) out = out.flatMap((prefix) => pick(n).map((i) => [...prefix, i]));
  return out;
}

let answers = new Map<string, AstropyAnswer>();
let files: string[] = [];
const sampleIndex = new Map<string, number[][]>();

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "reimage-fits-"));
  for (const f of FIXTURES) await f.write(join(dir, f.name));
  files = [...(await realFiles()), ...FIXTURES.map((f) => join(dir, f.name))];
  const requests: AstropyRequest[] = [];
  for (const file of files) {
    const info = await readFitsInfo(file);
    const samples = samplesFor(info.hdus[0]?.axes ?? []);
    sampleIndex.set(file, samples);
    requests.push({ file, samples });
  }
  requests.push({ file: join(dir, "beams.fits"), hdu: 1 });
  const got = await askAstropy(requests);
  answers = new Map(files.map((f, i) => [f, got[i] ?? {}]));
  answers.set("beams-table", got[files.length] ?? {});
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function comparable(value: FitsValue | undefined): unknown {
  if (typeof value === "bigint") return Number(value);
  return value;
}

describe("reading agrees with astropy", () => {
  test("header values: every valued keyword of every file", async () => {
    for (const file of files) {
      const info = await readFitsInfo(file);
      const expected = answers.get(file)?.header ?? {};
      const primary = info.hdus[0];
      assert.ok(primary !== undefined, file);
      for (const [key, value] of Object.entries(expected)) {
        if (key === "CONTINUE") continue;
        assert.deepEqual(comparable(primary.header.values.get(key)), value, `${file} ${key}`);
      }
    }
  });

  test("pixels: every value to the bit (digest), statistics and sample pixels, streamed plane by plane", async () => {
    for (const file of files) {
      const expected = answers.get(file)?.data;
      assert.ok(expected !== undefined, file);
      const digest = new PixelDigest();
      const planes: Float64Array[] = [];
      let count = 0;
      for await (const plane of readPlanes(file)) {
        assert.equal(plane.index, count, "planes come in file order");
        digest.add(plane.data);
        planes.push(Float64Array.from(plane.data));
        count += 1;
      }
      assert.equal(digest.digest(), expected.sha256, `${file}: pixel digest`);
      assert.equal(digest.nanCount, expected.nanCount, `${file}: NaN count`);
      assert.equal(digest.count === 0 ? null : digest.min, expected.min, `${file}: min`);
      assert.equal(digest.count === 0 ? null : digest.max, expected.max, `${file}: max`);
      const mean = digest.sum / digest.count;
      assert.ok(expected.mean !== null && Math.abs(mean - expected.mean) <= 1e-9 * Math.max(1, Math.abs(expected.mean)), `${file}: mean ${mean} vs ${expected.mean}`);
      const info = await readFitsInfo(file);
      const layout = imageLayout(info.hdus[0] ?? assert.fail("no primary"));
      const samples = sampleIndex.get(file) ?? [];
      samples.forEach((s, k) => {
        const planeNo = s.slice(2).reduceRight((acc, idx, j) => acc * (layout.higherAxes[j] ?? 1) + idx, 0);
        const value = planes[planeNo]?.[(s[1] ?? 0) * layout.width + (s[0] ?? 0)];
        const want = answers.get(file)?.samples?.[k];
        assert.equal(Number.isNaN(value) ? null : value, want, `${file} pixel ${s.join(",")}`);
      });
    }
  });

  test("a plane read at random equals the same plane streamed (uncompressed and gzip)", async () => {
    for (const file of [join(REAL, "NGC3256_CO10_ALMA_SV_cube.fits"), join(dir, "cube4d-stokes.fits.gz"), join(dir, "i16-scaled-blank.fits")]) {
      const streamed: Float64Array[] = [];
      for await (const plane of readPlanes(file)) streamed.push(Float64Array.from(plane.data));
      const last = streamed.length - 1;
      for (const index of [last, 0, Math.floor(last / 2)]) {
        const plane = await readPlane(file, index);
        assert.deepEqual(Float64Array.from(plane.data), streamed[index], `${file} plane ${index}`);
      }
    }
  });

  test("the NGC 3256 cube: 50 planes of 128 x 128 float32 in frequency order, Stokes degenerate", async () => {
    const seen: number[][] = [];
    for await (const plane of readPlanes(join(REAL, "NGC3256_CO10_ALMA_SV_cube.fits"))) {
      assert.equal(plane.data.length, 128 * 128);
      assert.ok(plane.data instanceof Float32Array);
      seen.push([...plane.coords]);
    }
    assert.equal(seen.length, 50);
    assert.deepEqual(seen[49], [49, 0]);
  });

  test("header cards: quotes with '' escapes, CONTINUE strings, logicals, undefined values", async () => {
    const info = await readFitsInfo(join(dir, "header-cards.fits"));
    const values = info.hdus[0]?.header.values;
    assert.equal(values?.get("OBJECT"), "O'Brien's   source");
    assert.equal(values?.get("LONGSTR"), `${"a long value, ".repeat(12)}ending here`);
    assert.equal(values?.get("FLAG"), false);
    assert.equal(values?.get("NOVALUE"), null);
    assert.equal(answers.get(join(dir, "header-cards.fits"))?.header?.["LONGSTR"], values?.get("LONGSTR"));
  });

  test("CASA's BEAMS table: one row per channel and polarisation, as astropy reads it", async () => {
    const beams = await readBeamTable(join(dir, "beams.fits"));
    assert.ok(beams !== undefined);
    const table = answers.get("beams-table")?.table ?? {};
    assert.deepEqual(
      beams.rows.map((r) => [r.bmaj, r.bmin, r.bpa, r.chan, r.pol]),
      (table["BMAJ"] ?? []).map((_, i) => ["BMAJ", "BMIN", "BPA", "CHAN", "POL"].map((c) => table[c]?.[i])),
    );
    assert.deepEqual(beams.units, { bmaj: "arcsec", bmin: "arcsec", bpa: "deg" });
    assert.equal(await readBeamTable(join(REAL, "NGC3256_CO10_ALMA_SV_cube.fits")), undefined);
  });
});

// ---- damaged files ----

async function expectBadFits(run: () => Promise<unknown>, ...patterns: RegExp[]): Promise<void> {
  await assert.rejects(run, (error: unknown) => {
    assert.ok(error instanceof ReimageError, String(error));
    assert.equal(error.code, ErrorCode.BadFits);
    for (const p of patterns) assert.match(error.message, p);
    return true;
  });
}

async function drain(path: string): Promise<void> {
  for await (const plane of readPlanes(path)) void plane;
}

describe("damaged files say what is wrong", () => {
  test("truncated data: expected against actual bytes, for plain and gzip files", async () => {
    const whole = await readFile(join(REAL, "cube432_velo-lsr_tiny.fits"));
    const cut = join(dir, "cut.fits");
    await writeFile(cut, whole.subarray(0, 5760 + 50));
    await expectBadFits(() => drain(cut), /cut\.fits/, /truncated/, /needs 48 bytes/, /found 50/);
    await expectBadFits(() => readFitsInfo(cut), /cut\.fits/, /needs 96 data bytes/, /has 50/);
    const cutGz = join(dir, "cut.fits.gz");
    await writeFile(cutGz, gzipSync(whole.subarray(0, 5760 + 50)));
    await expectBadFits(() => drain(cutGz), /cut\.fits\.gz/, /truncated/);
    const brokenGz = join(dir, "broken.fits.gz");
    const gz = gzipSync(whole);
    await writeFile(brokenGz, gz.subarray(0, Math.floor(gz.length / 2)));
    await expectBadFits(() => drain(brokenGz), /broken\.fits\.gz/, /gzip/);
  });

  test("a bad header card names its number", async () => {
    const whole = Buffer.from(await readFile(join(REAL, "cube432_velo-lsr_tiny.fits")));
    const bad = Buffer.from(whole);
    bad.write("CRPIX1  = 'unterminated", 12 * 80, "latin1");
    await writeFile(join(dir, "badcard.fits"), bad);
    await expectBadFits(() => readFitsInfo(join(dir, "badcard.fits")), /badcard\.fits/, /card 13/, /closing quote/);
    const binary = Buffer.from(whole);
    binary[5 * 80 + 40] = 0x07;
    await writeFile(join(dir, "binary.fits"), binary);
    await expectBadFits(() => readFitsInfo(join(dir, "binary.fits")), /card 6/, /0x07/);
    const number = Buffer.from(whole);
    number.write("CDELT1  =            1.2.3E4", 18 * 80, "latin1");
    await writeFile(join(dir, "number.fits"), number);
    await expectBadFits(() => readFitsInfo(join(dir, "number.fits")), /card 19/, /unreadable value 1\.2\.3E4/);
  });

  test("a header without END", async () => {
    const header = Buffer.from(formatHeader(imageCards(-32, [2, 2]))).toString("latin1").replace("END", "   ");
    await writeFile(join(dir, "noend.fits"), Buffer.from(header, "latin1"));
    await expectBadFits(() => readFitsInfo(join(dir, "noend.fits")), /noend\.fits/, /missing END/);
  });

  test("NAXISn that promise more data than the file holds", async () => {
    await writeFits(join(dir, "naxis.fits"), [formatHeader(imageCards(-32, [100, 100])), rawData(-32, [1, 2, 3, 4])]);
    await expectBadFits(() => readFitsInfo(join(dir, "naxis.fits")), /naxis\.fits/, /NAXISn 100 x 100/, /needs 40000 data bytes/, /has 2880/);
  });

  test("an unsupported BITPIX", async () => {
    await writeFits(join(dir, "bitpix.fits"), [formatHeader(imageCards(-32, [2, 2]).map((c) => (c.keyword === "BITPIX" ? { keyword: "BITPIX", value: 24 } : c))), rawData(-32, [1, 2, 3])]);
    await expectBadFits(() => drain(join(dir, "bitpix.fits")), /bitpix\.fits/, /unsupported BITPIX 24/);
  });
});
