/**
 * The outline of the valid pixels of an image, in pixel coordinates: marching squares on
 * the valid-pixel mask, then each ring simplified within a tolerance below one pixel.
 *
 * Vocabulary: a ring is a closed polygon (last vertex not repeated); an outer ring goes
 * counter-clockwise around valid pixels (x right, y up, as FITS pixels), a hole clockwise
 * around invalid ones. Coordinates are 0-based pixel positions: pixel (x, y) has its centre
 * at (x, y).
 *
 * Marching squares on the mask's pixel centres puts the contour half-way between each
 * valid pixel and its invalid neighbour, i.e. on the shared pixel edge; the image border
 * counts as invalid, so a fully valid image is outlined along its outer pixel edges (corner
 * pixels cut diagonally). Diagonal neighbours are not connected: two valid pixels touching
 * at a corner only are separate regions.
 */
import { ErrorCode, ReimageError } from "../../domain/index.js";

/** Which pixels hold data: `valid[y * width + x]` is 1 for a valid pixel, 0 otherwise. */
export interface ValidMask {
  readonly width: number;
  readonly height: number;
  readonly valid: Uint8Array;
}

/** A closed ring of [x, y] vertices, the last not repeating the first. */
export type Ring = readonly (readonly [number, number])[];

/** An outer ring and the holes inside it. */
export interface PixelPolygon {
  readonly outer: Ring;
  readonly holes: readonly Ring[];
}

export interface OutlineOptions {
  /** Largest distance (pixels) a simplified ring may stray from the traced contour; below 1. */
  readonly tolerance?: number;
  /** Rings enclosing less area (pixels^2) are dropped: specks of one or two pixels make no polygon. */
  readonly minRingArea?: number;
}

export const DEFAULT_TOLERANCE = 0.45;
export const DEFAULT_MIN_RING_AREA = 2;

/** Signed area (shoelace): positive for counter-clockwise rings. */
export function ringArea(ring: Ring): number {
  let sum = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i, i += 1) {
    const a = ring[j];
    const b = ring[i];
    if (a === undefined || b === undefined) continue;
    sum += a[0] * b[1] - b[0] * a[1];
  }
  return sum / 2;
}

/** Even-odd rule: whether (x, y) lies inside the ring. */
export function insideRing(ring: Ring, x: number, y: number): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i, i += 1) {
    const a = ring[i];
    const b = ring[j];
    if (a === undefined || b === undefined) continue;
    if (a[1] > y !== b[1] > y && x < ((b[0] - a[0]) * (y - a[1])) / (b[1] - a[1]) + a[0]) inside = !inside;
  }
  return inside;
}

/**
 * Traces every contour of the mask. Points live on a doubled grid (pixel edge midpoints
 * have one odd and one even doubled coordinate); each grid cell between four pixel centres
 * adds directed segments with the valid side on the left, and the segments chain into rings.
 */
export function traceContours(mask: ValidMask): Ring[] {
  const { width, height, valid } = mask;
  if (valid.length !== width * height) {
    throw new ReimageError(ErrorCode.BadInput, `mask of ${valid.length} pixels for a ${width} x ${height} image`);
  }
  // Doubled coordinates run from -2 to 2 * width; shift by 2 to key them.
  const span = 2 * height + 5;
  const key = (x2: number, y2: number): number => (x2 + 2) * span + (y2 + 2);
  const next = new Map<number, number>();
  const corners = [false, false, false, false];
  const sides = [0, 0, 0, 0];
  const crossings: { side: number; exit: boolean }[] = [];
  // Grid cells between pixel centres (i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1): corners
  // a, b, c, d counter-clockwise from the bottom left; b and c of one cell are a and d of the next.
  for (let j = -1; j < height; j += 1) {
    const low = j >= 0 ? j * width : -1;
    const high = j + 1 < height ? (j + 1) * width : -1;
    let a = 0;
    let d = 0;
    for (let i = -1; i < width; i += 1) {
      const inside = i + 1 < width;
      const b = low >= 0 && inside ? (valid[low + i + 1] ?? 0) & 1 : 0;
      const c = high >= 0 && inside ? (valid[high + i + 1] ?? 0) & 1 : 0;
      const code = a | (b << 1) | (c << 2) | (d << 3);
      const ca = a;
      const cd = d;
      a = b;
      d = c;
      if (code === 0 || code === 15) continue;
      corners[0] = ca === 1;
      corners[1] = b === 1;
      corners[2] = c === 1;
      corners[3] = cd === 1;
      // Crossings on the cell's sides, walked counter-clockwise from the bottom-left corner:
      // bottom (a-b), right (b-c), top (c-d), left (d-a), as doubled coordinates.
      sides[0] = key(2 * i + 1, 2 * j);
      sides[1] = key(2 * i + 2, 2 * j + 1);
      sides[2] = key(2 * i + 1, 2 * j + 2);
      sides[3] = key(2 * i, 2 * j + 1);
      // A side is an exit when the walk leaves a valid corner there, an entry when it reaches one.
      crossings.length = 0;
      for (let s = 0; s < 4; s += 1) {
        const from = corners[s] ?? false;
        const to = corners[(s + 1) % 4] ?? false;
        if (from !== to) crossings.push({ side: sides[s] ?? 0, exit: from });
      }
      // Each exit joins the entry before it (cyclically): the valid corner between them is on the left.
      for (let k = 0; k < crossings.length; k += 1) {
        const crossing = crossings[k];
        if (crossing === undefined || !crossing.exit) continue;
        const previous = crossings[(k + crossings.length - 1) % crossings.length];
        if (previous === undefined) continue;
        next.set(crossing.side, previous.side);
      }
    }
  }
  const rings: Ring[] = [];
  for (const start of next.keys()) {
    if (!next.has(start)) continue;
    const ring: [number, number][] = [];
    let point = start;
    for (;;) {
      const to = next.get(point);
      if (to === undefined) throw new ReimageError(ErrorCode.BadInput, "an outline contour does not close (mask changed while tracing?)");
      next.delete(point);
      const x2 = Math.floor(point / span) - 2;
      const y2 = (point % span) - 2;
      ring.push([x2 / 2, y2 / 2]);
      point = to;
      if (point === start) break;
    }
    rings.push(dropCollinear(ring));
  }
  return rings;
}

/** Removes vertices in the middle of straight runs (the doubled grid puts one every half pixel). */
function dropCollinear(ring: [number, number][]): [number, number][] {
  const out: [number, number][] = [];
  const n = ring.length;
  for (let i = 0; i < n; i += 1) {
    const p = ring[(i + n - 1) % n];
    const q = ring[i];
    const r = ring[(i + 1) % n];
    if (p === undefined || q === undefined || r === undefined) continue;
    const cross = (q[0] - p[0]) * (r[1] - q[1]) - (q[1] - p[1]) * (r[0] - q[0]);
    if (cross !== 0) out.push(q);
  }
  return out.length >= 3 ? out : ring;
}

function segmentDistance(p: readonly [number, number], a: readonly [number, number], b: readonly [number, number]): number {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const length2 = dx * dx + dy * dy;
  const t = length2 === 0 ? 0 : Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / length2));
  return Math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy);
}

/** Douglas-Peucker on the open chain ring[from..to], marking the vertices it keeps. */
function simplifyChain(ring: Ring, from: number, to: number, tolerance: number, keep: Uint8Array): void {
  const stack: [number, number][] = [[from, to]];
  while (stack.length > 0) {
    const [first, last] = stack.pop() ?? [0, 0];
    const a = ring[first % ring.length];
    const b = ring[last % ring.length];
    if (a === undefined || b === undefined || last - first < 2) continue;
    let worst = -1;
    let index = -1;
    for (let i = first + 1; i < last; i += 1) {
      const p = ring[i % ring.length];
      if (p === undefined) continue;
      const d = segmentDistance(p, a, b);
      if (d > worst) {
        worst = d;
        index = i;
      }
    }
    if (worst > tolerance) {
      keep[index % ring.length] = 1;
      stack.push([first, index], [index, last]);
    }
  }
}

/**
 * Simplifies a closed ring (Douglas-Peucker, Ramer 1972) so that every traced vertex stays
 * within `tolerance` of the result. The ring is cut at its first vertex and at the vertex
 * farthest from it, which both stay.
 */
export function simplifyRing(ring: Ring, tolerance: number): Ring {
  const n = ring.length;
  if (n <= 4) return ring;
  const first = ring[0];
  if (first === undefined) return ring;
  let far = 0;
  let farDistance = -1;
  ring.forEach((p, i) => {
    const d = Math.hypot(p[0] - first[0], p[1] - first[1]);
    if (d > farDistance) {
      farDistance = d;
      far = i;
    }
  });
  const keep = new Uint8Array(n);
  keep[0] = 1;
  keep[far] = 1;
  simplifyChain(ring, 0, far, tolerance, keep);
  simplifyChain(ring, far, n, tolerance, keep);
  const out = ring.filter((_, i) => keep[i] === 1);
  return out.length >= 3 ? out : ring;
}

/**
 * The outline of the valid pixels as polygons with holes: outer rings counter-clockwise,
 * holes clockwise, each hole in the smallest outer ring that holds it.
 */
export function outlineValidPixels(mask: ValidMask, options: OutlineOptions = {}): PixelPolygon[] {
  const tolerance = options.tolerance ?? DEFAULT_TOLERANCE;
  if (!(tolerance >= 0 && tolerance < 1)) throw new ReimageError(ErrorCode.BadInput, `outline tolerance ${tolerance} must be in [0, 1) pixel`);
  const minArea = options.minRingArea ?? DEFAULT_MIN_RING_AREA;
  const outers: { ring: Ring; area: number; holes: Ring[] }[] = [];
  const holes: { ring: Ring; area: number }[] = [];
  for (const traced of traceContours(mask)) {
    const area = ringArea(traced);
    if (Math.abs(area) < minArea) continue;
    const ring = simplifyRing(traced, tolerance);
    if (area > 0) outers.push({ ring, area, holes: [] });
    else holes.push({ ring, area: -area });
  }
  outers.sort((a, b) => a.area - b.area);
  for (const { ring: hole, area } of holes) {
    // A vertex of a simplified hole may sit on its outer ring's edge; the mean of its vertices
    // lies inside any outer ring that holds it. An island inside the hole is smaller than the
    // hole, so only larger outer rings can own it.
    const cx = hole.reduce((s, p) => s + p[0], 0) / hole.length;
    const cy = hole.reduce((s, p) => s + p[1], 0) / hole.length;
    const owner = outers.find((o) => o.area > area && insideRing(o.ring, cx, cy));
    owner?.holes.push(hole);
  }
  return outers.sort((a, b) => b.area - a.area).map((o) => ({ outer: o.ring, holes: o.holes }));
}
