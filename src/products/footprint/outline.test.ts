/**
 * Outlines of small masks whose answer follows from geometry: the contour runs along the
 * pixel edges half-way between valid and invalid centres, cutting each convex corner by a
 * half-pixel diagonal (area 1/8 each) and adding one at each concave corner.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { insideRing, outlineValidPixels, ringArea, simplifyRing, traceContours, type ValidMask } from "./outline.js";

/** A mask from rows of text, top row first (as the image is displayed): '#' valid, '.' invalid. */
function mask(rows: readonly string[]): ValidMask {
  const height = rows.length;
  const width = rows[0]?.length ?? 0;
  const valid = new Uint8Array(width * height);
  rows.forEach((row, r) => {
    for (let x = 0; x < width; x += 1) if (row[x] === "#") valid[(height - 1 - r) * width + x] = 1;
  });
  return { width, height, valid };
}

describe("tracing the valid pixels", () => {
  test("a 3 x 2 block: one counter-clockwise ring of area 6 minus four corner cuts", () => {
    const rings = traceContours(mask(["....", ".###", ".###"]));
    assert.equal(rings.length, 1);
    const [ring] = rings;
    assert.ok(ring !== undefined);
    assert.equal(ringArea(ring), 6 - 4 / 8);
    // Along the block's outer pixel edges: x from 0.5 to 3.5, y from -0.5 to 1.5.
    assert.deepEqual(Math.min(...ring.map((p) => p[0])), 0.5);
    assert.deepEqual(Math.max(...ring.map((p) => p[0])), 3.5);
    assert.deepEqual(Math.min(...ring.map((p) => p[1])), -0.5);
    assert.deepEqual(Math.max(...ring.map((p) => p[1])), 1.5);
  });

  test("a hole is a clockwise ring inside its region, and the region owns it", () => {
    const m = mask(["#####", "#####", "##.##", "#####", "#####"]);
    const rings = traceContours(m);
    assert.equal(rings.length, 2);
    const areas = rings.map(ringArea).sort((a, b) => a - b);
    assert.equal(areas[0], -(1 - 4 / 8)); // the single invalid pixel: a diamond of area 1/2
    assert.equal(areas[1], 25 - 4 / 8);
    const polygons = outlineValidPixels(m, { minRingArea: 0 });
    assert.equal(polygons.length, 1);
    assert.equal(polygons[0]?.holes.length, 1);
  });

  test("pixels touching at a corner only are separate regions", () => {
    const rings = traceContours(mask(["#.", ".#"]));
    assert.equal(rings.length, 2);
    for (const ring of rings) assert.equal(ringArea(ring), 0.5);
  });

  test("specks under the minimum area make no polygon; a mask with no valid pixel makes none", () => {
    const m = mask(["#.....", "......", "...###", "...###"]);
    assert.equal(outlineValidPixels(m).length, 1);
    assert.equal(outlineValidPixels(m, { minRingArea: 0 }).length, 2);
    assert.equal(outlineValidPixels(mask(["...", "..."])).length, 0);
  });

  test("simplification keeps every traced vertex within the tolerance and the ring's orientation", () => {
    // A disc of radius 20 pixels.
    const size = 50;
    const valid = new Uint8Array(size * size);
    for (let y = 0; y < size; y += 1) for (let x = 0; x < size; x += 1) if ((x - 25) ** 2 + (y - 24) ** 2 <= 400) valid[y * size + x] = 1;
    const [traced] = traceContours({ width: size, height: size, valid });
    assert.ok(traced !== undefined);
    const simple = simplifyRing(traced, 0.45);
    assert.ok(simple.length < traced.length / 2, `${simple.length} of ${traced.length} vertices kept`);
    assert.ok(ringArea(simple) > 0);
    for (const p of traced) {
      let nearest = Infinity;
      for (let i = 0; i < simple.length; i += 1) {
        const a = simple[i];
        const b = simple[(i + 1) % simple.length];
        if (a === undefined || b === undefined) continue;
        const dx = b[0] - a[0];
        const dy = b[1] - a[1];
        const t = Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / (dx * dx + dy * dy)));
        nearest = Math.min(nearest, Math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy));
      }
      assert.ok(nearest <= 0.45 + 1e-12);
    }
    assert.ok(insideRing(simple, 25, 24));
    assert.ok(!insideRing(simple, 2, 2));
    // The disc holds about pi r^2 pixels; the outline's area is within the half-pixel band.
    assert.ok(Math.abs(ringArea(simple) - Math.PI * 400) < 2 * Math.PI * 20 * 0.5);
  });
});
