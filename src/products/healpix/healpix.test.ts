/**
 * HEALPix NESTED against astropy-healpix on thousands of random positions at every order
 * 0..29: the cell of a position must be the same index, and a cell's centre, corners and
 * inner points the same positions within 1 microarcsecond.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { askFootprintReference, type FootprintAnswer } from "../../../test/reference/footprint-reference.js";
import {
  MAX_ORDER,
  faceCellPoint,
  faceCellToNested,
  fromUniq,
  lonLatToFaceCell,
  lonLatToNested,
  lonLatToNestedBig,
  nestedCorners,
  nestedToFaceCell,
  nestedToLonLat,
  uniq,
} from "./healpix.js";

const MICROARCSEC = 1 / 3.6e9;

/** A small seeded generator (mulberry32) so a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 53 random bits: 32-bit fractions are dyadic and land exactly on HEALPix cell edges, where either side is right. */
function random53(seed: number): () => number {
  const next = random(seed);
  return () => next() + next() / 4294967296;
}

function separation(a: readonly [number, number], b: { lon: number; lat: number }): number {
  const d2r = Math.PI / 180;
  const [l1, b1] = [a[0] * d2r, a[1] * d2r];
  const [l2, b2] = [b.lon * d2r, b.lat * d2r];
  const s = Math.sin((b2 - b1) / 2) ** 2 + Math.cos(b1) * Math.cos(b2) * Math.sin((l2 - l1) / 2) ** 2;
  return (2 * Math.asin(Math.min(1, Math.sqrt(s)))) / d2r;
}

const POINTS_PER_ORDER = 200;
const orders = Array.from({ length: MAX_ORDER + 1 }, (_, k) => k);
/** Uniform on the sphere, plus a few near each pole and on the equator, where the formulas change. */
const positions = orders.map((order) => {
  const next = random53(1000 + order);
  const points: [number, number][] = [];
  for (let i = 0; i < POINTS_PER_ORDER; i += 1) points.push([360 * next(), (Math.asin(2 * next() - 1) * 180) / Math.PI]);
  for (let i = 0; i < 10; i += 1) points.push([360 * next(), 90 - 1e-6 * next()], [360 * next(), -90 + 1e-6 * next()], [360 * next(), 41.8103 + 0.01 * (next() - 0.5)]);
  return points;
});
let cellAnswers: FootprintAnswer[] = [];
let pointAnswers: FootprintAnswer[] = [];
let cornerAnswers: FootprintAnswer[] = [];
const offsets = orders.map((order) => {
  const next = random(5000 + order);
  return positions[order]?.map(() => [next(), next()] as const) ?? [];
});

before(async () => {
  cellAnswers = await askFootprintReference(orders.map((order) => ({ healpix: { order, lonlat: positions[order] ?? [] } })));
  const ipix = (order: number): string[] => (positions[order] ?? []).map(([lon, lat]) => lonLatToNestedBig(order, lon, lat).toString());
  pointAnswers = await askFootprintReference(
    orders.map((order) => ({
      points: { order, ipix: ipix(order), dx: (offsets[order] ?? []).map((o) => o[0]), dy: (offsets[order] ?? []).map((o) => o[1]) },
    })),
  );
  cornerAnswers = await askFootprintReference(orders.map((order) => ({ corners: { order, ipix: ipix(order) } })));
});

describe("HEALPix NESTED against astropy-healpix", () => {
  test("a position falls in the same cell at every order 0..29", () => {
    let compared = 0;
    for (const order of orders) {
      const expected = cellAnswers[order]?.ipix ?? [];
      const points = positions[order] ?? [];
      assert.equal(expected.length, points.length);
      points.forEach(([lon, lat], i) => {
        assert.equal(lonLatToNestedBig(order, lon, lat).toString(), expected[i], `order ${order}, lon ${lon}, lat ${lat}`);
        if (order <= 24) assert.equal(String(lonLatToNested(order, lon, lat)), expected[i]);
        compared += 1;
      });
    }
    assert.ok(compared >= 30 * POINTS_PER_ORDER);
  });

  test("any point inside a cell (centre, offsets) is where astropy-healpix puts it", () => {
    for (const order of orders) {
      const expected = pointAnswers[order]?.lonlat ?? [];
      (positions[order] ?? []).forEach(([lon, lat], i) => {
        const cell = lonLatToFaceCell(order, lon, lat);
        const [dx, dy] = offsets[order]?.[i] ?? [0.5, 0.5];
        const want = expected[i];
        assert.ok(want !== undefined);
        const got = faceCellPoint(order, cell, dx, dy);
        assert.ok(separation(want, got) < MICROARCSEC, `order ${order} cell ${JSON.stringify(cell)} (${dx}, ${dy}): ${JSON.stringify(got)} vs ${JSON.stringify(want)}`);
      });
    }
  });

  test("the corners of a cell are astropy-healpix's boundaries, and the cell's centre lies in the cell", () => {
    for (const order of orders) {
      const expected = cornerAnswers[order]?.corners ?? [];
      (positions[order] ?? []).forEach(([lon, lat], i) => {
        const ipix = lonLatToNestedBig(order, lon, lat);
        const corners = nestedCorners(order, ipix);
        const want = expected[i] ?? [];
        assert.equal(want.length, 4);
        // Same set of four points; astropy-healpix may start the ring elsewhere.
        for (const corner of corners) {
          const nearest = Math.min(...want.map((w) => separation(w, corner)));
          assert.ok(nearest < MICROARCSEC, `order ${order} ipix ${ipix}: corner ${JSON.stringify(corner)} not among ${JSON.stringify(want)}`);
        }
        const centre = nestedToLonLat(order, ipix);
        assert.equal(lonLatToNestedBig(order, centre.lon, centre.lat), ipix);
      });
    }
  });
});

describe("HEALPix indices", () => {
  test("number and bigint indices agree up to order 24 and round-trip through face cells", () => {
    const next = random(7);
    for (let order = 0; order <= 24; order += 1) {
      for (let i = 0; i < 50; i += 1) {
        const lon = 360 * next();
        const lat = 180 * next() - 90;
        const cell = lonLatToFaceCell(order, lon, lat);
        const n = faceCellToNested(order, cell);
        assert.ok(Number.isSafeInteger(n));
        assert.deepEqual(nestedToFaceCell(order, n), cell);
        assert.deepEqual(nestedToFaceCell(order, BigInt(n)), cell);
      }
    }
  });

  test("order 29 indices beyond 2^53 keep every bit", () => {
    // The last cell of face 11 at order 29: 12 * 4^29 - 1, far beyond 2^53.
    const last = (12n << 58n) - 1n;
    const cell = nestedToFaceCell(29, last);
    assert.deepEqual(cell, { face: 11, x: 2 ** 29 - 1, y: 2 ** 29 - 1 });
    const centre = nestedToLonLat(29, last);
    assert.equal(lonLatToNestedBig(29, centre.lon, centre.lat), last);
    assert.throws(() => lonLatToNested(25, 0, 0), /order 25/);
  });

  test("NUNIQ encodes order and index together (MOC 2.0: 4 * 4^order + ipix)", () => {
    assert.equal(uniq(0, 0n), 4n);
    assert.equal(uniq(0, 11n), 15n);
    assert.equal(uniq(1, 0n), 16n);
    assert.equal(uniq(3, 1n), 257n); // mocpy writes 257 for "3/1"
    assert.deepEqual(fromUniq(257n), { order: 3, ipix: 1n });
    const deep = uniq(29, (12n << 58n) - 1n);
    assert.deepEqual(fromUniq(deep), { order: 29, ipix: (12n << 58n) - 1n });
  });
});
