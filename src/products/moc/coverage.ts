/**
 * The MOC of a region of the sky bounded by polygons: every cell of the chosen order that
 * overlaps the region, with whole cells of coarser orders where they lie fully inside.
 *
 * The region is given as rings of (lon, lat) vertices joined by great-circle arcs; a point
 * is inside when it lies inside an odd number of rings (holes are rings inside rings).
 * The descent starts from the 12 base cells: a cell whose bounding cap touches no edge is
 * wholly inside or wholly outside (its centre says which); a cell that touches an edge is
 * split, and at the chosen order kept when it overlaps the region. Overlap is decided in
 * the gnomonic projection about the region's centre, where great circles are straight
 * lines: a corner of the cell inside the region, a vertex of the region inside the cell, or
 * an edge of each crossing. The cell's own sides are taken as straight there too, which at
 * the orders of image pixels is far below a pixel.
 *
 * Regions must fit in a cap of 60 degrees radius (any ALMA image does by far).
 */
import { ErrorCode, ReimageError } from "../../domain/index.js";
import { faceCellPoint, nestedToFaceCell } from "../healpix/healpix.js";
import { normalizeMoc, type Moc, type MocCell } from "./moc.js";

/** A closed ring of [lon, lat] vertices in degrees (last vertex not repeated). */
export type SkyRing = readonly (readonly [number, number])[];

type Vec = [number, number, number];

const D2R = Math.PI / 180;
const MAX_REGION_RADIUS = 60 * D2R;

function vec(lon: number, lat: number): Vec {
  const cl = Math.cos(lat * D2R);
  return [cl * Math.cos(lon * D2R), cl * Math.sin(lon * D2R), Math.sin(lat * D2R)];
}

function dot(a: Vec, b: Vec): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

function cross(a: Vec, b: Vec): Vec {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

function normalize(a: Vec): Vec {
  const n = Math.hypot(a[0], a[1], a[2]);
  return [a[0] / n, a[1] / n, a[2] / n];
}

/** Angle between unit vectors, precise at small angles. */
function angle(a: Vec, b: Vec): number {
  return Math.atan2(Math.hypot(...cross(a, b)), dot(a, b));
}

interface Edge {
  readonly a: Vec;
  readonly b: Vec;
  /** Unit normal of the great circle through a and b. */
  readonly n: Vec;
  /** Endpoints in the gnomonic plane. */
  readonly pa: readonly [number, number];
  readonly pb: readonly [number, number];
}

/** Angular distance from p to the arc a-b. */
function arcDistance(p: Vec, e: Edge): number {
  const s = dot(p, e.n);
  const q: Vec = [p[0] - s * e.n[0], p[1] - s * e.n[1], p[2] - s * e.n[2]];
  if (dot(cross(e.a, q), e.n) >= 0 && dot(cross(q, e.b), e.n) >= 0) return Math.abs(Math.asin(Math.max(-1, Math.min(1, s))));
  return Math.min(angle(p, e.a), angle(p, e.b));
}

interface Plane {
  readonly centre: Vec;
  readonly east: Vec;
  readonly north: Vec;
}

function tangentPlane(centre: Vec): Plane {
  const pole: Vec = Math.abs(centre[2]) > 0.9 ? [1, 0, 0] : [0, 0, 1];
  const east = normalize(cross(pole, centre));
  return { centre, east, north: cross(centre, east) };
}

/** Gnomonic projection; only for points less than 90 degrees from the centre. */
function project(plane: Plane, p: Vec): [number, number] {
  const d = dot(p, plane.centre);
  return [dot(p, plane.east) / d, dot(p, plane.north) / d];
}

type Point = readonly [number, number];

/** Even-odd rule over several rings. */
function insidePlanar(rings: readonly (readonly Point[])[], x: number, y: number): boolean {
  let inside = false;
  for (const ring of rings) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i, i += 1) {
      const a = ring[i];
      const b = ring[j];
      if (a === undefined || b === undefined) continue;
      if (a[1] > y !== b[1] > y && x < ((b[0] - a[0]) * (y - a[1])) / (b[1] - a[1]) + a[0]) inside = !inside;
    }
  }
  return inside;
}

/**
 * Point in region by the even-odd rule, with the edges sorted into horizontal strips so a
 * test looks only at the edges whose latitude range spans the point (outlines of large
 * images have thousands of edges, and every border cell asks several times).
 */
function stripIndex(rings: readonly (readonly Point[])[]): (x: number, y: number) => boolean {
  const segments: [Point, Point][] = [];
  for (const ring of rings) {
    ring.forEach((a, i) => {
      const b = ring[(i + 1) % ring.length];
      if (b !== undefined && a[1] !== b[1]) segments.push([a, b]);
    });
  }
  const ys = segments.flatMap(([a, b]) => [a[1], b[1]]);
  const low = Math.min(...ys);
  const high = Math.max(...ys);
  const count = Math.max(1, Math.min(4096, Math.floor(segments.length / 2)));
  const height = (high - low) / count || 1;
  const strips: [Point, Point][][] = Array.from({ length: count }, () => []);
  const stripOf = (y: number): number => Math.max(0, Math.min(count - 1, Math.floor((y - low) / height)));
  for (const segment of segments) {
    const [a, b] = segment;
    for (let s = stripOf(Math.min(a[1], b[1])); s <= stripOf(Math.max(a[1], b[1])); s += 1) strips[s]?.push(segment);
  }
  return (x, y) => {
    if (!(y >= low && y <= high)) return false;
    let inside = false;
    for (const [a, b] of strips[stripOf(y)] ?? []) {
      if (a[1] > y !== b[1] > y && x < ((b[0] - a[0]) * (y - a[1])) / (b[1] - a[1]) + a[0]) inside = !inside;
    }
    return inside;
  };
}

function orient(p: readonly [number, number], q: readonly [number, number], r: readonly [number, number]): number {
  return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0]);
}

function segmentsCross(p1: readonly [number, number], p2: readonly [number, number], q1: readonly [number, number], q2: readonly [number, number]): boolean {
  const d1 = orient(q1, q2, p1);
  const d2 = orient(q1, q2, p2);
  const d3 = orient(p1, p2, q1);
  const d4 = orient(p1, p2, q2);
  return ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0));
}

/** Fractional positions in a cell whose farthest from the centre bounds the cell (corners and side middles). */
const RIM: readonly (readonly [number, number])[] = [
  [1, 1],
  [0.5, 1],
  [0, 1],
  [0, 0.5],
  [0, 0],
  [0.5, 0],
  [1, 0],
  [1, 0.5],
];

/** The MOC at `order` of the region the rings bound. */
export function mocOfSkyRegion(rings: readonly SkyRing[], order: number): Moc {
  const vertices = rings.flat();
  if (vertices.length < 3) throw new ReimageError(ErrorCode.BadInput, "a MOC of a region needs at least one ring of three vertices");
  const sum: Vec = [0, 0, 0];
  for (const [lon, lat] of vertices) {
    const v = vec(lon, lat);
    sum[0] += v[0];
    sum[1] += v[1];
    sum[2] += v[2];
  }
  const centre = normalize(sum);
  const radius = Math.max(...vertices.map(([lon, lat]) => angle(centre, vec(lon, lat))));
  if (!(radius < MAX_REGION_RADIUS)) throw new ReimageError(ErrorCode.BadInput, `the region spans ${(radius / D2R).toFixed(1)} deg from its centre; MOCs of regions beyond 60 deg are not supported`);
  const plane = tangentPlane(centre);
  const planar = rings.map((ring) => ring.map(([lon, lat]) => project(plane, vec(lon, lat))));
  const edges: Edge[] = [];
  rings.forEach((ring, r) => {
    ring.forEach(([lon, lat], i) => {
      const [lon2, lat2] = ring[(i + 1) % ring.length] ?? [lon, lat];
      const a = vec(lon, lat);
      const b = vec(lon2, lat2);
      const n = cross(a, b);
      if (Math.hypot(...n) === 0) return;
      const pa = planar[r]?.[i] ?? [0, 0];
      const pb = planar[r]?.[(i + 1) % ring.length] ?? [0, 0];
      edges.push({ a, b, n: normalize(n), pa, pb });
    });
  });
  const insidePlane = stripIndex(planar);
  const insideRegion = (p: Vec): boolean => {
    if (angle(p, centre) > radius) return false;
    const [x, y] = project(plane, p);
    return insidePlane(x, y);
  };

  const cells: MocCell[] = [];
  const visit = (cellOrder: number, ipix: bigint, candidates: readonly Edge[]): void => {
    const face = nestedToFaceCell(cellOrder, ipix);
    const c = faceCellPoint(cellOrder, face, 0.5, 0.5);
    const mid = vec(c.lon, c.lat);
    const rim = RIM.map(([dx, dy]) => {
      const p = faceCellPoint(cellOrder, face, dx, dy);
      return vec(p.lon, p.lat);
    });
    // Cell sides bulge a little between the sampled points; 5% more covers it.
    const reach = 1.05 * Math.max(...rim.map((p) => angle(mid, p))) + 1e-12;
    if (angle(mid, centre) > reach + radius) return;
    const near = candidates.filter((e) => arcDistance(mid, e) <= reach);
    if (near.length === 0) {
      if (insideRegion(mid)) cells.push({ order: cellOrder, ipix });
      return;
    }
    if (cellOrder < order) {
      const first = ipix << 2n;
      for (let k = 0n; k < 4n; k += 1n) visit(cellOrder + 1, first + k, near);
      return;
    }
    if (overlaps(rim, mid, near)) cells.push({ order: cellOrder, ipix });
  };
  const overlaps = (rim: readonly Vec[], mid: Vec, near: readonly Edge[]): boolean => {
    if (insideRegion(mid)) return true;
    const corners = [rim[0], rim[2], rim[4], rim[6]].filter((p): p is Vec => p !== undefined);
    if (corners.some((p) => dot(p, centre) <= 0)) return false;
    if (corners.some(insideRegion)) return true;
    const quad = corners.map((p) => project(plane, p));
    for (const e of near) {
      if (insidePlanar([quad], e.pa[0], e.pa[1])) return true;
      for (let i = 0; i < quad.length; i += 1) {
        const q1 = quad[i];
        const q2 = quad[(i + 1) % quad.length];
        if (q1 !== undefined && q2 !== undefined && segmentsCross(e.pa, e.pb, q1, q2)) return true;
      }
    }
    return false;
  };
  for (let base = 0n; base < 12n; base += 1n) visit(0, base, edges);
  return normalizeMoc(order, cells);
}

/**
 * The MOC order for an image's pixels, as mocpy's `from_fits_image` chooses it: the deepest
 * order whose cells are no smaller than a pixel (cell area 4 pi / (12 * 4^order) >= pixel area).
 */
export function mocOrderForPixelArea(pixelAreaDeg2: number): number {
  const area = pixelAreaDeg2 * D2R * D2R;
  if (!(area > 0)) throw new ReimageError(ErrorCode.BadInput, `pixel area ${pixelAreaDeg2} deg^2 gives no MOC order`);
  return Math.max(0, Math.min(29, Math.floor(Math.log2(Math.PI / (3 * area)) / 2)));
}
