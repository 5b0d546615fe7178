/**
 * STC-S regions as ObsCore's `s_region` carries them (IVOA STC-S note; TAP services), in
 * the forms the ALMA archive answers with: `Circle ICRS ra dec r`, `Polygon ICRS ra dec ...`,
 * `Union ICRS ( Polygon ... Polygon ...)`, and a polygon with holes written as the polygon
 * followed by `Not (Polygon ...)` for each hole, also inside a Union. One reader, one writer.
 *
 * Outer polygons are written counter-clockwise as seen on the sky (north up, east left), as
 * DALI asks and the ALMA archive writes them; holes inside `Not` go clockwise, as in ALMA's
 * answers. Degrees with 7 decimals (0.4 mas).
 */
import { ErrorCode, ReimageError } from "../../domain/index.js";

export type StcsRegion =
  | { readonly shape: "polygon"; readonly vertices: readonly (readonly [number, number])[] }
  | { readonly shape: "circle"; readonly centre: readonly [number, number]; readonly radius: number }
  | { readonly shape: "union"; readonly regions: readonly StcsRegion[] }
  | { readonly shape: "intersection"; readonly regions: readonly StcsRegion[] }
  | { readonly shape: "not"; readonly region: StcsRegion };

export interface StcsShape {
  /** The coordinate frame word after the first shape (ICRS, FK5, GALACTIC...), if any. */
  readonly frame: string | undefined;
  readonly region: StcsRegion;
}

/** A sky polygon with holes, vertices [lon, lat] in degrees. */
export interface SkyPolygon {
  readonly outer: readonly (readonly [number, number])[];
  readonly holes: readonly (readonly (readonly [number, number])[])[];
}

function badStcs(text: string, message: string): ReimageError {
  return new ReimageError(ErrorCode.BadInput, `STC-S ${JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text)}: ${message}`);
}

const SHAPES = new Set(["polygon", "circle", "union", "intersection", "not"]);
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Reads an STC-S region. */
export function parseStcs(text: string): StcsShape {
  const tokens = text.replace(/([()])/g, " $1 ").trim().split(/\s+/).filter((t) => t !== "");
  let at = 0;
  let frame: string | undefined;
  const peek = (): string | undefined => tokens[at];
  const expect = (token: string): void => {
    if (tokens[at] !== token) throw badStcs(text, `expected ${JSON.stringify(token)} at token ${at + 1}, found ${JSON.stringify(tokens[at] ?? "the end")}`);
    at += 1;
  };
  // Frame, reference position and flavour words after a shape keyword.
  const skipWords = (): void => {
    while (at < tokens.length) {
      const t = tokens[at] ?? "";
      if (t === "(" || t === ")" || NUMBER.test(t) || SHAPES.has(t.toLowerCase())) return;
      frame ??= t.toUpperCase();
      at += 1;
    }
  };
  const numbers = (): number[] => {
    const out: number[] = [];
    while (at < tokens.length && NUMBER.test(tokens[at] ?? "")) out.push(Number(tokens[(at += 1) - 1]));
    return out;
  };
  const list = (): StcsRegion[] => {
    const regions: StcsRegion[] = [];
    while (at < tokens.length && peek() !== ")") {
      const region = one();
      const previous = regions[regions.length - 1];
      // ALMA writes a hole as `Polygon ... Not (Polygon ...)`: the Not belongs to the region before it.
      if (region.shape === "not" && previous !== undefined) {
        regions[regions.length - 1] =
          previous.shape === "intersection" ? { shape: "intersection", regions: [...previous.regions, region] } : { shape: "intersection", regions: [previous, region] };
      } else regions.push(region);
    }
    return regions;
  };
  const one = (): StcsRegion => {
    const word = (tokens[at] ?? "").toLowerCase();
    at += 1;
    switch (word) {
      case "polygon": {
        skipWords();
        const values = numbers();
        if (values.length < 6 || values.length % 2 !== 0) throw badStcs(text, `a polygon needs at least three (lon, lat) pairs, got ${values.length} numbers`);
        const vertices: [number, number][] = [];
        for (let i = 0; i < values.length; i += 2) vertices.push([values[i] ?? 0, values[i + 1] ?? 0]);
        return { shape: "polygon", vertices };
      }
      case "circle": {
        skipWords();
        const values = numbers();
        if (values.length !== 3) throw badStcs(text, `a circle needs lon, lat and radius, got ${values.length} numbers`);
        return { shape: "circle", centre: [values[0] ?? 0, values[1] ?? 0], radius: values[2] ?? 0 };
      }
      case "union":
      case "intersection": {
        skipWords();
        expect("(");
        const regions = list();
        expect(")");
        if (regions.length < 1) throw badStcs(text, `${word} of nothing`);
        return { shape: word, regions };
      }
      case "not": {
        skipWords();
        expect("(");
        const regions = list();
        expect(")");
        const [region] = regions;
        if (region === undefined || regions.length !== 1) throw badStcs(text, `Not takes one region, got ${regions.length}`);
        return { shape: "not", region };
      }
      default:
        throw badStcs(text, `unknown shape ${JSON.stringify(tokens[at - 1] ?? "")} (Polygon, Circle, Union, Intersection and Not are read)`);
    }
  };
  const regions = list();
  if (at !== tokens.length) throw badStcs(text, `unexpected ${JSON.stringify(tokens[at])} at token ${at + 1}`);
  const [first] = regions;
  if (first === undefined) throw badStcs(text, "no region");
  if (regions.length > 1) throw badStcs(text, `${regions.length} regions side by side without Union or Intersection`);
  return { frame, region: first };
}

function coordinates(vertices: readonly (readonly [number, number])[]): string {
  return vertices.map(([lon, lat]) => `${lon.toFixed(7)} ${lat.toFixed(7)}`).join(" ");
}

/** Twice the signed area on the sky's tangent plane at the first vertex, east to the left: positive when counter-clockwise. */
export function skyOrientation(vertices: readonly (readonly [number, number])[]): number {
  const [lon0, lat0] = vertices[0] ?? [0, 0];
  const cosLat = Math.cos((lat0 * Math.PI) / 180);
  const local = vertices.map(([lon, lat]): [number, number] => {
    let dl = lon - lon0;
    if (dl > 180) dl -= 360;
    if (dl < -180) dl += 360;
    return [-dl * cosLat, lat - lat0];
  });
  let sum = 0;
  for (let i = 0, j = local.length - 1; i < local.length; j = i, i += 1) {
    const a = local[j];
    const b = local[i];
    if (a !== undefined && b !== undefined) sum += a[0] * b[1] - b[0] * a[1];
  }
  return sum;
}

function oriented(vertices: readonly (readonly [number, number])[], counterClockwise: boolean): readonly (readonly [number, number])[] {
  return skyOrientation(vertices) > 0 === counterClockwise ? vertices : [...vertices].reverse();
}

function polygonText(polygon: SkyPolygon): string {
  const holes = polygon.holes.map((h) => ` Not (Polygon ${coordinates(oriented(h, false))})`).join("");
  return `Polygon ${coordinates(oriented(polygon.outer, true))}${holes}`;
}

/** The `s_region` of one or more sky polygons, in ALMA's forms. */
export function formatStcsPolygons(polygons: readonly SkyPolygon[], frame = "ICRS"): string {
  const [first] = polygons;
  if (first === undefined) throw new ReimageError(ErrorCode.BadInput, "an STC-S region needs at least one polygon");
  if (polygons.length === 1) return polygonText(first).replace(/^Polygon /, `Polygon ${frame} `);
  return `Union ${frame} ( ${polygons.map(polygonText).join(" ")})`;
}
