/**
 * HEALPix in the NESTED scheme (Górski et al. 2005, ApJ 622, 759), the pixelisation of
 * MOCs and HiPS tiles: a position to its cell, a cell to its centre or to any point
 * inside it (its corners above all), at every order from 0 to 29.
 *
 * Vocabulary: the order k gives nside = 2^k; a cell lies in one of 12 base faces and has
 * integer coordinates (x, y) in [0, nside) inside it; its NESTED index is
 * face * 4^k + the bits of x and y interleaved (x on the even bits).
 *
 * Indices beyond 2^53: at order 29 there are 12 * 4^29 (about 3.5e18) cells, more than a
 * double counts exactly. Face coordinates stay below 2^29 and are computed with plain
 * doubles; only the final index is split into a high and a low 32-bit half, so the bit
 * interleaving never leaves exact integer arithmetic. The `number` functions accept orders
 * up to 24 (12 * 4^24 < 2^53); the `bigint` ones (`...Big`) take every order up to 29.
 *
 * The formulas follow the HEALPix C++ library (`T_Healpix_Base::loc2pix` and
 * `xyf2loc`): near the poles the colatitude's sine is carried instead of z = cos(theta),
 * so cells a few microarcseconds from a pole keep their precision.
 */
import { ErrorCode, ReimageError } from "../../domain/index.js";

export const MAX_ORDER = 29;
/** The highest order whose indices are all exact doubles. */
export const MAX_NUMBER_ORDER = 24;

const HALF_PI = Math.PI / 2;
const D2R = Math.PI / 180;
const R2D = 180 / Math.PI;
const TWO_32 = 4294967296;

/** Ring of each base face's southernmost corner, in units of nside (C++ `jrll`). */
const JRLL = [2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4] as const;
/** Longitude of each base face's centre, in units of pi/4 (C++ `jpll`). */
const JPLL = [1, 3, 5, 7, 0, 2, 4, 6, 1, 3, 5, 7] as const;

/** A cell by its base face and its integer coordinates inside the face. */
export interface FaceCell {
  readonly face: number;
  readonly x: number;
  readonly y: number;
}

/** A sky position in degrees (longitude in [0, 360), latitude in [-90, 90]). */
export interface LonLat {
  readonly lon: number;
  readonly lat: number;
}

function badOrder(order: number, limit: number): ReimageError {
  return new ReimageError(ErrorCode.BadInput, `HEALPix order ${order} is not an integer in 0..${limit}${limit < MAX_ORDER ? " (use the bigint functions for deeper orders)" : ""}`);
}

function checkOrder(order: number, limit: number): void {
  if (!Number.isInteger(order) || order < 0 || order > limit) throw badOrder(order, limit);
}

export function nside(order: number): number {
  checkOrder(order, MAX_ORDER);
  return 2 ** order;
}

/** Number of cells at an order, as a bigint (12 * 4^order). */
export function cellCountBig(order: number): bigint {
  checkOrder(order, MAX_ORDER);
  return 12n << BigInt(2 * order);
}

/** Number of cells at an order up to 24. */
export function cellCount(order: number): number {
  checkOrder(order, MAX_NUMBER_ORDER);
  return 12 * 4 ** order;
}

/** Mean cell side, sqrt(4 pi / N), in degrees. */
export function cellSize(order: number): number {
  return Math.sqrt((4 * Math.PI) / (12 * 4 ** order)) * R2D;
}

// ---------------------------------------------------------------------------------------
// Bit interleaving on 16-bit halves (Morton codes), exact with 32-bit integer operations.

function spread16(v: number): number {
  let x = v & 0xffff;
  x = (x | (x << 8)) & 0x00ff00ff;
  x = (x | (x << 4)) & 0x0f0f0f0f;
  x = (x | (x << 2)) & 0x33333333;
  x = (x | (x << 1)) & 0x55555555;
  return x >>> 0;
}

function compact16(v: number): number {
  let x = v & 0x55555555;
  x = (x | (x >>> 1)) & 0x33333333;
  x = (x | (x >>> 2)) & 0x0f0f0f0f;
  x = (x | (x >>> 4)) & 0x00ff00ff;
  x = (x | (x >>> 8)) & 0x0000ffff;
  return x;
}

/** Interleaves x (even bits) and y (odd bits), both < 2^29, into a 58-bit code as two 32-bit halves. */
function interleave(x: number, y: number): { hi: number; lo: number } {
  const xLo = x % 65536;
  const yLo = y % 65536;
  const xHi = (x - xLo) / 65536;
  const yHi = (y - yLo) / 65536;
  return { hi: (spread16(xHi) | (spread16(yHi) << 1)) >>> 0, lo: (spread16(xLo) | (spread16(yLo) << 1)) >>> 0 };
}

function deinterleave(hi: number, lo: number): { x: number; y: number } {
  return { x: compact16(hi) * 65536 + compact16(lo), y: compact16(hi >>> 1) * 65536 + compact16(lo >>> 1) };
}

// ---------------------------------------------------------------------------------------
// Position to cell.

/** The face cell holding a position (degrees). Positions on a cell boundary go to one side, as in HEALPix C++. */
export function lonLatToFaceCell(order: number, lon: number, lat: number): FaceCell {
  checkOrder(order, MAX_ORDER);
  if (!Number.isFinite(lon) || !Number.isFinite(lat) || lat < -90 || lat > 90) {
    throw new ReimageError(ErrorCode.BadInput, `no HEALPix cell for longitude ${lon}, latitude ${lat}`);
  }
  const ns = 2 ** order;
  const theta = HALF_PI - lat * D2R;
  const z = Math.cos(theta);
  const sth = Math.sin(theta);
  const za = Math.abs(z);
  let tt = ((lon * D2R) / HALF_PI) % 4; // in [0, 4)
  if (tt < 0) tt += 4;
  if (tt >= 4) tt = 0;
  if (za <= 2 / 3) {
    // Equatorial region: indices of the ascending and descending edge lines.
    const temp1 = ns * (0.5 + tt);
    const temp2 = ns * (z * 0.75);
    const jp = Math.floor(temp1 - temp2);
    const jm = Math.floor(temp1 + temp2);
    const ifp = Math.floor(jp / ns);
    const ifm = Math.floor(jm / ns);
    // Line indices run to 4 nside at longitude 360: face numbers wrap (C++ `ifp | 4`).
    const face = ifp === ifm ? (ifp % 4) + 4 : ifp < ifm ? ifp % 4 : (ifm % 4) + 8;
    const x = jm - ifm * ns;
    const y = ns - (jp - ifp * ns) - 1;
    return { face, x, y };
  }
  const ntt = Math.min(3, Math.floor(tt));
  const tp = tt - ntt;
  // sqrt(3 (1 - |z|)) from sin(theta) keeps precision near the poles.
  const tmp = za < 0.99 ? ns * Math.sqrt(3 * (1 - za)) : (ns * sth) / Math.sqrt((1 + za) / 3);
  const jp = Math.min(ns - 1, Math.floor(tp * tmp));
  const jm = Math.min(ns - 1, Math.floor((1 - tp) * tmp));
  return z >= 0 ? { face: ntt, x: ns - jm - 1, y: ns - jp - 1 } : { face: ntt + 8, x: jp, y: jm };
}

/** NESTED index of a face cell, exact at every order. */
export function faceCellToNestedBig(order: number, cell: FaceCell): bigint {
  checkOrder(order, MAX_ORDER);
  const { hi, lo } = interleave(cell.x, cell.y);
  return (BigInt(cell.face) << BigInt(2 * order)) | (BigInt(hi) << 32n) | BigInt(lo);
}

/** NESTED index of a face cell for orders up to 24. */
export function faceCellToNested(order: number, cell: FaceCell): number {
  checkOrder(order, MAX_NUMBER_ORDER);
  const { hi, lo } = interleave(cell.x, cell.y);
  return cell.face * 4 ** order + hi * TWO_32 + lo;
}

/** The face cell of a NESTED index (number or bigint). */
export function nestedToFaceCell(order: number, ipix: number | bigint): FaceCell {
  if (typeof ipix === "bigint") {
    checkOrder(order, MAX_ORDER);
    if (ipix < 0n || ipix >= cellCountBig(order)) throw new ReimageError(ErrorCode.BadInput, `HEALPix index ${ipix} is outside order ${order}`);
    const shift = BigInt(2 * order);
    const face = Number(ipix >> shift);
    const rest = ipix & ((1n << shift) - 1n);
    return { face, ...deinterleave(Number(rest >> 32n), Number(rest & 0xffffffffn)) };
  }
  checkOrder(order, MAX_NUMBER_ORDER);
  if (!Number.isInteger(ipix) || ipix < 0 || ipix >= 12 * 4 ** order) throw new ReimageError(ErrorCode.BadInput, `HEALPix index ${ipix} is outside order ${order}`);
  const perFace = 4 ** order;
  const face = Math.floor(ipix / perFace);
  const rest = ipix - face * perFace;
  const hi = Math.floor(rest / TWO_32);
  return { face, ...deinterleave(hi, rest - hi * TWO_32) };
}

/** The NESTED cell holding a position (degrees), orders 0..24. */
export function lonLatToNested(order: number, lon: number, lat: number): number {
  checkOrder(order, MAX_NUMBER_ORDER);
  return faceCellToNested(order, lonLatToFaceCell(order, lon, lat));
}

/** The NESTED cell holding a position (degrees), orders 0..29. */
export function lonLatToNestedBig(order: number, lon: number, lat: number): bigint {
  return faceCellToNestedBig(order, lonLatToFaceCell(order, lon, lat));
}

// ---------------------------------------------------------------------------------------
// Cell to positions.

/**
 * The position at fractional coordinates (dx, dy) in [0, 1] inside a face cell: (0.5, 0.5)
 * is the centre; (1, 1), (0, 1), (0, 0), (1, 0) are its north, west, south and east corners.
 */
export function faceCellPoint(order: number, cell: FaceCell, dx: number, dy: number): LonLat {
  checkOrder(order, MAX_ORDER);
  const ns = 2 ** order;
  const x = (cell.x + dx) / ns;
  const y = (cell.y + dy) / ns;
  const jr = (JRLL[cell.face] ?? 0) - x - y;
  let nr: number;
  let z: number;
  let sth: number;
  if (jr < 1) {
    nr = jr;
    const tmp = (nr * nr) / 3;
    z = 1 - tmp;
    sth = Math.sqrt(tmp * (2 - tmp));
  } else if (jr > 3) {
    nr = 4 - jr;
    const tmp = (nr * nr) / 3;
    z = tmp - 1;
    sth = Math.sqrt(tmp * (2 - tmp));
  } else {
    nr = 1;
    z = ((2 - jr) * 2) / 3;
    sth = Math.sqrt((1 - z) * (1 + z));
  }
  let t = (JPLL[cell.face] ?? 0) * nr + x - y;
  if (t < 0) t += 8;
  if (t >= 8) t -= 8;
  const phi = nr < 1e-15 ? 0 : (0.5 * HALF_PI * t) / nr;
  let lon = phi * R2D;
  if (lon >= 360) lon -= 360;
  return { lon, lat: Math.atan2(z, sth) * R2D };
}

/** Centre of a NESTED cell (number or bigint index). */
export function nestedToLonLat(order: number, ipix: number | bigint): LonLat {
  return faceCellPoint(order, nestedToFaceCell(order, ipix), 0.5, 0.5);
}

/** The four corners of a NESTED cell in the order north, west, south, east (as healpy's `boundaries`). */
export function nestedCorners(order: number, ipix: number | bigint): [LonLat, LonLat, LonLat, LonLat] {
  const cell = nestedToFaceCell(order, ipix);
  return [faceCellPoint(order, cell, 1, 1), faceCellPoint(order, cell, 0, 1), faceCellPoint(order, cell, 0, 0), faceCellPoint(order, cell, 1, 0)];
}

/** The NESTED indices of the four children of a cell, at order + 1. */
export function childrenBig(ipix: bigint): [bigint, bigint, bigint, bigint] {
  const first = ipix << 2n;
  return [first, first + 1n, first + 2n, first + 3n];
}

/** NUNIQ of a cell (MOC 2.0 section 4.3.1): 4 * 4^order + ipix. */
export function uniq(order: number, ipix: bigint): bigint {
  checkOrder(order, MAX_ORDER);
  return (4n << BigInt(2 * order)) + ipix;
}

/** The order and NESTED index of a NUNIQ value. */
export function fromUniq(value: bigint): { order: number; ipix: bigint } {
  if (value < 4n) throw new ReimageError(ErrorCode.BadInput, `NUNIQ ${value} is below 4`);
  let order = 0;
  while (order < MAX_ORDER && value >= 4n << BigInt(2 * (order + 1))) order += 1;
  const ipix = value - (4n << BigInt(2 * order));
  if (ipix >= cellCountBig(order)) throw new ReimageError(ErrorCode.BadInput, `NUNIQ ${value} is beyond order ${MAX_ORDER}`);
  return { order, ipix };
}
