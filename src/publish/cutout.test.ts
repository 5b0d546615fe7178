import { test } from "node:test";
import assert from "node:assert/strict";
import { parseHeaderCards } from "../fits/header.js";
import { formatCard } from "../fits/writer.js";
import { wcsFromHeader } from "../fits/wcs/index.js";
import { cutoutCards, parseSodaParameters, planCutout } from "./cutout.js";

const params = (q: string) => new URLSearchParams(q);

test("SODA parameters: CIRCLE or POS=CIRCLE in degrees, BAND in metres with open ends", () => {
  assert.deepEqual(parseSodaParameters(params("CIRCLE=10 -20 0.5")), { circle: { ra: 10, dec: -20, radius: 0.5 } });
  assert.deepEqual(parseSodaParameters(params("POS=CIRCLE 10 -20 0.5")), { circle: { ra: 10, dec: -20, radius: 0.5 } });
  assert.deepEqual(parseSodaParameters(params("BAND=-Inf 0.003")), { band: { lo: -Infinity, hi: 0.003 } });
  assert.deepEqual(parseSodaParameters(params("BAND=0.0026 +Inf")), { band: { lo: 0.0026, hi: Infinity } });
  assert.deepEqual(parseSodaParameters(params("")), {});
  for (const [q, message] of [
    ["CIRCLE=10 -20", /three numbers/],
    ["CIRCLE=10 -20 0", /radius 0/],
    ["CIRCLE=400 0 1", /right ascension 400/],
    ["POS=RANGE 1 2 3 4", /only POS=CIRCLE/],
    ["CIRCLE=1 1 1&POS=CIRCLE 1 1 1", /not both/],
    ["BAND=0.003", /two wavelengths/],
    ["BAND=-1 -0.5", /positive metres/],
    ["RESPONSEFORMAT=text/html", /FITS only/],
    ["TIME=1 2", /TIME is not one/],
  ] as const) {
    assert.throws(() => parseSodaParameters(params(q)), message, q);
  }
});

/** A 100 x 80 x 20 cube: SIN at (150, 2), 1"-pixels, 20 channels of 1 MHz from 100 GHz. */
function cube() {
  const cards = [
    "NAXIS   = 3",
    "NAXIS1  = 100",
    "NAXIS2  = 80",
    "NAXIS3  = 20",
    "CTYPE1  = 'RA---SIN'",
    "CTYPE2  = 'DEC--SIN'",
    "CTYPE3  = 'FREQ'",
    "CRVAL1  = 150.0",
    "CRVAL2  = 2.0",
    "CRVAL3  = 1.0E11",
    "CRPIX1  = 51.0",
    "CRPIX2  = 41.0",
    "CRPIX3  = 1.0",
    "CDELT1  = -2.777777777778E-04",
    "CDELT2  = 2.777777777778E-04",
    "CDELT3  = 1.0E6",
    "RADESYS = 'ICRS'",
  ].map((c) => c.padEnd(80));
  const header = parseHeaderCards(cards, { file: "cube", hdu: 0 });
  return { header, wcs: wcsFromHeader(header.values), axes: [100, 80, 20] };
}

test("a circle selects the pixels it touches, a band the channels it overlaps, and CRPIX moves with the first pixel", () => {
  const { header, wcs, axes } = cube();
  // 10" about the reference pixel (0-based 50, 40): pixels 40..60 and 30..50; the band spans
  // pixels 2.4 to 7.6 of the frequency axis, so channels 2 (1.5..2.5) to 8 (7.5..8.5) overlap it.
  const plan = planCutout(wcs, axes, { circle: { ra: 150, dec: 2, radius: 10 / 3600 }, band: { lo: 299_792_458 / 100.0076e9, hi: 299_792_458 / 100.0024e9 } });
  assert.deepEqual(plan.ranges, [
    { first: 40, last: 60 },
    { first: 30, last: 50 },
    { first: 2, last: 8 },
  ]);
  const cards = cutoutCards({ header }, plan, "test");
  const value = (k: string) => cards.find((c) => c.keyword === k)?.value;
  assert.equal(value("CRPIX1"), 11);
  assert.equal(value("CRPIX2"), 11);
  assert.equal(value("CRPIX3"), -1);
  assert.equal(value("NAXIS1"), undefined, "structural cards are the writer's");
  assert.ok(cards.every((c) => formatCard(c).length >= 1));
});

test("a circle or band outside the image is NoOverlap", () => {
  const { wcs, axes } = cube();
  assert.throws(() => planCutout(wcs, axes, { circle: { ra: 151, dec: 2, radius: 0.01 } }), /NoOverlap/);
  assert.throws(() => planCutout(wcs, axes, { band: { lo: 0.001, hi: 0.002 } }), /NoOverlap/);
  assert.deepEqual(planCutout(wcs, axes, { band: { lo: -Infinity, hi: Infinity } }).ranges[2], { first: 0, last: 19 });
});
