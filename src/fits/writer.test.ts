/**
 * FITS writing: cards laid out as the Standard says, and planes written by the streaming
 * writer read back by astropy (pixel digest, header values) and by our reader.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { askAstropy } from "../../test/reference/ensure-reference-python.js";
import { PixelDigest } from "../../test/reference/fits-fixtures.js";
import { createPlaneWriter, formatCard, formatHeader, formatReal } from "./writer.js";
import { readFitsInfo, readPlanes } from "./reader.js";
import { parseHeaderCards } from "./header.js";

let dir = "";
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "reimage-fits-writer-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test("cards: 80 columns, fixed-format values right-justified to column 30, strings quoted from column 11", () => {
  assert.deepEqual(formatCard({ keyword: "BITPIX", value: -32 }), [`BITPIX  = ${"-32".padStart(20)}`.padEnd(80)]);
  assert.deepEqual(formatCard({ keyword: "SIMPLE", value: true, comment: "ok" }), [`SIMPLE  = ${"T".padStart(20)} / ok`.padEnd(80)]);
  assert.deepEqual(formatCard({ keyword: "BTYPE", value: "It's" }), ["BTYPE   = 'It''s   '".padEnd(80)]);
  assert.equal(formatReal(1e-7), "1.0E-7");
  assert.equal(formatReal(1e-5), "0.00001");
  assert.equal(formatReal(115271201800), "115271201800.0");
  // A whole-number frequency is a real card, not an integer one that 32-bit readers overflow on.
  assert.match(formatCard({ keyword: "RESTFRQ", value: 115271202000 })[0] ?? "", /= +115271202000\.0/);
  assert.match(formatCard({ keyword: "NAXIS1", value: 128 })[0] ?? "", /= +128 *$/);
  assert.equal(formatReal(-2.777777777778e-4), "-0.0002777777777778");
  assert.throws(() => formatCard({ keyword: "lower", value: 1 }), /keyword/);
  assert.throws(() => formatCard({ keyword: "CRVAL1", value: Number.NaN }), /NaN/);
});

test("a long string becomes CONTINUE cards that read back whole; the header is padded to 2880", () => {
  const long = `${"x'y ".repeat(40)}end`;
  const bytes = formatHeader([{ keyword: "SIMPLE", value: true }, { keyword: "LONG", value: long, comment: "long" }]);
  assert.equal(bytes.length % 2880, 0);
  const text = new TextDecoder("latin1").decode(bytes);
  const cards: string[] = [];
  for (let i = 0; i < text.length; i += 80) cards.push(text.slice(i, i + 80));
  const end = cards.findIndex((c) => c.startsWith("END "));
  const header = parseHeaderCards(cards.slice(0, end), { file: "memory", hdu: 0 });
  assert.equal(header.values.get("LONG"), long);
  assert.ok(cards.slice(2, end).every((c) => c.startsWith("CONTINUE")));
});

test("streamed planes round-trip through astropy and our reader: float32 with NaN, bit for bit", async () => {
  const path = join(dir, "cube.fits");
  const axes = [9, 7, 4, 1];
  const writer = await createPlaneWriter(path, {
    axes,
    bitpix: -32,
    cards: [
      { keyword: "BUNIT", value: "Jy/beam" },
      { keyword: "CTYPE3", value: "FREQ" },
      { keyword: "CRVAL3", value: 1.152712018e11 },
      { keyword: "ORIGIN", value: `reimage writer test ${"with a long origin string ".repeat(4)}`, comment: "CONTINUE" },
      { keyword: "HISTORY", comment: "written by the round-trip test" },
    ],
  });
  const expected = new PixelDigest();
  const written: Float32Array[] = [];
  for (let p = 0; p < 4; p += 1) {
    const plane = new Float32Array(9 * 7);
    for (let i = 0; i < plane.length; i += 1) plane[i] = i % 13 === p ? Number.NaN : Math.sin(i * 0.37 + p) * 10 ** (p - 2);
    expected.add(plane);
    written.push(plane);
    await writer.writePlane(plane);
  }
  const { bytes } = await writer.close();
  assert.equal(bytes % 2880, 0);
  assert.equal((await stat(path)).size, bytes);

  const [astropy] = await askAstropy([{ file: path }]);
  assert.equal(astropy?.data?.sha256, expected.digest());
  assert.equal(astropy?.data?.dtype, ">f4");
  assert.deepEqual(astropy?.data?.shape, [...axes].reverse());
  assert.equal(astropy?.header?.["BUNIT"], "Jy/beam");
  assert.equal(astropy?.header?.["CRVAL3"], 1.152712018e11);
  assert.equal((await readFitsInfo(path)).hdus[0]?.header.values.get("ORIGIN"), astropy?.header?.["ORIGIN"]);

  let p = 0;
  for await (const plane of readPlanes(path)) {
    assert.deepEqual(plane.data, written[p]);
    p += 1;
  }
});

test("the writer refuses a plane of the wrong size, one plane too many, and closing short", async () => {
  const writer = await createPlaneWriter(join(dir, "short.fits"), { axes: [2, 2, 2], bitpix: -64 });
  await assert.rejects(() => writer.writePlane(new Float64Array(3)), /4 pixels, got 3/);
  await writer.writePlane(new Float64Array(4));
  await assert.rejects(() => writer.close(), /1 planes written of 2/);
  const full = await createPlaneWriter(join(dir, "full.fits"), { axes: [2, 2], bitpix: -32 });
  await full.writePlane(new Float32Array(4));
  await assert.rejects(() => full.writePlane(new Float32Array(4)), /one too many/);
  await full.close();
});
