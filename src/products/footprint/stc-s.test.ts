/**
 * STC-S on the ALMA archive's own `s_region` values (alma-shapes.xml, a real TAP answer):
 * every form reads, with as many polygons and holes as the text has, and our writer puts
 * ALMA's polygons back in ALMA's form, vertex order included.
 */
import { sharedDir } from "../../paths.js";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, test } from "node:test";
import { formatStcsPolygons, parseStcs, skyOrientation, type SkyPolygon, type StcsRegion } from "./stc-s.js";

async function almaShapes(): Promise<string[]> {
  const xml = await readFile(join(sharedDir, "real", "alma-archive", "alma-shapes.xml"), "utf8");
  return [...xml.matchAll(/<TD>((?:Circle|Polygon|Union)[^<]*)<\/TD>/g)].map((m) => m[1] ?? "");
}

function count(region: StcsRegion): { polygons: number; holes: number; circles: number } {
  switch (region.shape) {
    case "polygon":
      return { polygons: 1, holes: 0, circles: 0 };
    case "circle":
      return { polygons: 0, holes: 0, circles: 1 };
    case "not": {
      const inner = count(region.region);
      return { polygons: 0, holes: inner.polygons, circles: 0 };
    }
    case "union":
    case "intersection":
      return region.regions.map(count).reduce((a, b) => ({ polygons: a.polygons + b.polygons, holes: a.holes + b.holes, circles: a.circles + b.circles }));
  }
}

/** ALMA's regions as sky polygons with holes (a Union of polygons, each maybe with Not holes). */
function polygonsOf(region: StcsRegion): SkyPolygon[] {
  if (region.shape === "polygon") return [{ outer: region.vertices, holes: [] }];
  if (region.shape === "union") return region.regions.flatMap(polygonsOf);
  if (region.shape === "intersection") {
    const [outer, ...nots] = region.regions;
    assert.ok(outer?.shape === "polygon");
    return [{ outer: outer.vertices, holes: nots.map((n) => (n.shape === "not" && n.region.shape === "polygon" ? n.region.vertices : [])) }];
  }
  throw new Error(`no polygons in a ${region.shape}`);
}

describe("STC-S as the ALMA archive writes it", () => {
  test("every real s_region reads, with the polygons, holes and circles its text names", async () => {
    const shapes = await almaShapes();
    assert.equal(shapes.length, 5);
    for (const text of shapes) {
      const parsed = parseStcs(text);
      assert.equal(parsed.frame, "ICRS");
      const found = count(parsed.region);
      const nots = text.match(/Not \(/g)?.length ?? 0;
      assert.equal(found.holes, nots, text.slice(0, 60));
      assert.equal(found.polygons, (text.match(/Polygon/g)?.length ?? 0) - nots, text.slice(0, 60));
      assert.equal(found.circles, text.match(/Circle/g)?.length ?? 0);
    }
  });

  test("ALMA's polygons are counter-clockwise on the sky, its holes clockwise, and our writer gives them back in ALMA's form", async () => {
    const shapes = (await almaShapes()).filter((t) => !t.startsWith("Circle"));
    for (const text of shapes) {
      const polygons = polygonsOf(parseStcs(text).region);
      for (const p of polygons) {
        assert.ok(skyOrientation(p.outer) > 0);
        for (const h of p.holes) assert.ok(skyOrientation(h) < 0);
      }
      const written = formatStcsPolygons(polygons);
      // Same words in the same order; numbers equal at ALMA's 6 decimals.
      const words = (s: string): string[] => s.replace(/\(/g, " ( ").replace(/\)/g, " ) ").trim().split(/\s+/);
      const ours = words(written);
      const theirs = words(text);
      assert.equal(ours.length, theirs.length, written.slice(0, 80));
      ours.forEach((w, i) => {
        const t = theirs[i] ?? "";
        if (/^[-\d.]+$/.test(t)) assert.equal(Number(w).toFixed(6), Number(t).toFixed(6));
        else assert.equal(w, t);
      });
    }
  });

  test("clockwise input is turned around; damaged text says what is wrong", () => {
    const clockwise: SkyPolygon = { outer: [[10, 0], [10, 1], [9, 1], [9, 0]], holes: [] };
    assert.ok(skyOrientation(clockwise.outer) < 0);
    const text = formatStcsPolygons([clockwise]);
    const parsed = parseStcs(text);
    assert.ok(parsed.region.shape === "polygon" && skyOrientation(parsed.region.vertices) > 0);
    assert.throws(() => parseStcs("Polygon ICRS 1 2 3"), /at least three/);
    assert.throws(() => parseStcs("Box ICRS 1 2 3 4"), /unknown shape "Box"/);
    assert.throws(() => parseStcs("Union ICRS ( Polygon 1 2 3 4 5 6"), /expected "\)"/);
    assert.throws(() => formatStcsPolygons([]), /at least one polygon/);
  });
});
