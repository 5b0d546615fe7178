/**
 * MOC normalisation and serialisations on cases worked out by hand from the Recommendation
 * (MOC 2.0), with mocpy reading what we write at a deep order where indices pass 2^53.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { askFootprintReference } from "../../../test/reference/footprint-reference.js";
import { encodeMocFits, readMocFits, writeMocFits } from "./moc-fits.js";
import { formatMocAscii, mocCellCountAtMaxOrder, mocSkyFraction, normalizeMoc, parseMocAscii } from "./moc.js";

describe("MOC normalisation and ASCII", () => {
  test("four siblings become their parent; cells inside others vanish; runs print as ranges", () => {
    const moc = normalizeMoc(5, [
      { order: 5, ipix: 4n },
      { order: 5, ipix: 5n },
      { order: 5, ipix: 6n },
      { order: 5, ipix: 7n }, // = 4/1
      { order: 3, ipix: 3n },
      { order: 4, ipix: 13n }, // inside 3/3
      { order: 3, ipix: 4n },
      { order: 3, ipix: 5n },
      { order: 5, ipix: 100n },
    ]);
    assert.equal(formatMocAscii(moc), "3/3-5 4/1 5/100");
    assert.equal(mocCellCountAtMaxOrder(moc), 3n * 16n + 4n + 1n);
  });

  test("the ASCII form ends with the order when the deepest order has no cell, and reads back", () => {
    const moc = normalizeMoc(8, [{ order: 3, ipix: 1n }, { order: 5, ipix: 7n }]);
    assert.equal(formatMocAscii(moc), "3/1 5/7 8/");
    assert.deepEqual(parseMocAscii("3/1 5/7 8/"), moc);
    // MOC 1.x commas.
    assert.deepEqual(parseMocAscii("3/1,5/7,8/"), moc);
    assert.equal(formatMocAscii(normalizeMoc(10, [])), "10/");
    assert.equal(mocSkyFraction(parseMocAscii("0/0-11")), 1);
  });

  test("bad text and impossible cells are refused with the reason", () => {
    assert.throws(() => parseMocAscii("3/1 x"), /cannot read "x"/);
    assert.throws(() => parseMocAscii("5 3/1"), /before any order/);
    assert.throws(() => parseMocAscii("0/12"), /does not exist/);
    assert.throws(() => parseMocAscii("30/1"), /order 30/);
    assert.throws(() => normalizeMoc(3, [{ order: 4, ipix: 0n }]), /deeper/);
  });
});

describe("MOC FITS", () => {
  test("32-bit NUNIQ up to order 13, 64-bit beyond", () => {
    const shallow = encodeMocFits(normalizeMoc(13, [{ order: 13, ipix: 5n }]));
    const deep = encodeMocFits(normalizeMoc(14, [{ order: 14, ipix: 5n }]));
    const text = (bytes: Uint8Array): string => new TextDecoder("latin1").decode(bytes.subarray(2880, 5760));
    assert.match(text(shallow), /TFORM1 {2}= '1J {6}'/);
    assert.match(text(deep), /TFORM1 {2}= '1K {6}'/);
  });

  test("mocpy reads an order-29 MOC with indices beyond 2^53 to the same cells, and so do we", async () => {
    const dir = await mkdtemp(join(tmpdir(), "reimage-moc-"));
    try {
      const last = (12n << 58n) - 1n;
      const moc = normalizeMoc(29, [
        { order: 29, ipix: last },
        { order: 29, ipix: 9007199254740993n }, // 2^53 + 1: a double would make it 2^53
        { order: 27, ipix: 123456789012345n },
        { order: 2, ipix: 7n },
      ]);
      const path = join(dir, "deep.fits");
      await writeMocFits(path, moc);
      const [fromFits, fromAscii] = await askFootprintReference([{ read: { fits: path } }, { read: { ascii: formatMocAscii(moc) } }]);
      assert.equal(fromFits?.moc, formatMocAscii(moc));
      assert.equal(fromFits?.maxOrder, 29);
      assert.equal(fromAscii?.moc, formatMocAscii(moc));
      assert.deepEqual(await readMocFits(path), moc);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
