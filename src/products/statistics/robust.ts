/**
 * Robust statistics of values held in memory (a plane, a spectrum), exact and equal to
 * numpy's on the same dtype:
 * - median: numpy's `np.median` of the finite values; for float32 data the mean of the two
 *   middle values is taken in float32, as numpy does;
 * - MAD: `np.median(np.abs(x - median))` with the subtraction in the data's dtype;
 * - rms from the MAD: 1.4826 MAD (the Gaussian sigma that MAD estimates);
 * - rms by sigma clipping: the standard deviation (ddof 0) of the deviations d = x - median
 *   (in the data's dtype) of the pixels with |d| at most 3 sigma, sigma starting at 1.4826
 *   MAD and replaced by each clipped standard deviation, until the kept set no longer
 *   changes (at most 5 rounds). The centre stays the median of all finite pixels.
 *
 * The float32 median is selected, not sorted: a 65536-bin histogram of the high 16 bits of
 * order-preserving keys (float-keys.ts) finds the bin of the middle rank, a second histogram
 * of the low 16 bits inside that bin finds the value, in two sequential loops. Kernels take
 * (values, offset, length, stride) like stdlib-js's ndarray kernels, and a workspace so a
 * caller looping over planes allocates once.
 */
import { EXPONENT_MASK_32, float32FromKey, float32Midpoint } from "./float-keys.js";

export type Values = Float32Array | Float64Array;

/** Gaussian sigma per unit of MAD: 1 / Phi^-1(3/4). */
export const MAD_TO_SIGMA = 1.4826;
export const CLIP_SIGMA = 3;
export const CLIP_MAX_ROUNDS = 5;

const BINS = 65536;
/** Below this many values a copy and a sort is cheaper than clearing three histograms. */
const SORT_BELOW = 32768;

/** Reusable buffers for the kernels; not shared between threads. */
export class RobustWorkspace {
  readonly coarse = new Uint32Array(BINS);
  readonly lowA = new Uint32Array(BINS);
  readonly lowB = new Uint32Array(BINS);
  private readonly f32 = new Map<string, Float32Array>();
  private readonly f64 = new Map<string, Float64Array>();

  /** A float32 buffer of at least `length` elements, one per purpose (`sort`, `deviations`, ...). */
  scratch32(length: number, purpose = "sort"): Float32Array {
    const held = this.f32.get(purpose);
    if (held !== undefined && held.length >= length) return held;
    const fresh = new Float32Array(Math.max(length, (held?.length ?? 0) * 2));
    this.f32.set(purpose, fresh);
    return fresh;
  }

  scratch64(length: number, purpose = "sort"): Float64Array {
    const held = this.f64.get(purpose);
    if (held !== undefined && held.length >= length) return held;
    const fresh = new Float64Array(Math.max(length, (held?.length ?? 0) * 2));
    this.f64.set(purpose, fresh);
    return fresh;
  }
}

/** Count, extremes and the first and second moments of the finite values (Welford's sums, shifted). */
export interface Moments {
  readonly count: number;
  readonly min: number;
  readonly max: number;
  /** Index (in element steps from `offset`) of the first occurrence of the maximum, -1 if none. */
  readonly maxIndex: number;
  readonly mean: number;
  /** Sum of squared deviations from the mean. */
  readonly m2: number;
}

export const EMPTY_MOMENTS: Moments = { count: 0, min: Number.NaN, max: Number.NaN, maxIndex: -1, mean: Number.NaN, m2: 0 };

/**
 * One loop: sums of x - s and (x - s)^2 in float64 around s, the first finite value, which
 * keeps the cancellation in m2 small for data far from zero.
 */
export function moments(values: Values, offset = 0, length = values.length, stride = 1): Moments {
  checkExtent(values, offset, length, stride);
  let count = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let maxIndex = -1;
  let shift = 0;
  let s1 = 0;
  let s2 = 0;
  for (let i = 0, at = offset; i < length; i += 1, at += stride) {
    const x = values[at] as number;
    if (x - x !== 0) continue; // NaN and +-Inf
    if (count === 0) shift = x;
    count += 1;
    const d = x - shift;
    s1 += d;
    s2 += d * d;
    if (x < min) min = x;
    if (x > max) {
      max = x;
      maxIndex = i;
    }
  }
  if (count === 0) return EMPTY_MOMENTS;
  const mean = shift + s1 / count;
  return { count, min, max, maxIndex, mean, m2: Math.max(0, s2 - (s1 * s1) / count) };
}

/** Chan, Golub and LeVeque's pairwise update: the moments of the union of two disjoint sets. */
export function combineMoments(a: Moments, b: Moments, bIndexOffset = 0): Moments {
  if (b.count === 0) return a;
  if (a.count === 0) return { ...b, maxIndex: b.maxIndex + bIndexOffset };
  const count = a.count + b.count;
  const delta = b.mean - a.mean;
  const mean = a.mean + (delta * b.count) / count;
  const m2 = a.m2 + b.m2 + (delta * delta * a.count * b.count) / count;
  const bMaxWins = b.max > a.max;
  return {
    count,
    min: Math.min(a.min, b.min),
    max: bMaxWins ? b.max : a.max,
    maxIndex: bMaxWins ? b.maxIndex + bIndexOffset : a.maxIndex,
    mean,
    m2,
  };
}

/** Population standard deviation (numpy's ddof=0). */
export function standardDeviation(m: Moments): number {
  return m.count === 0 ? Number.NaN : Math.sqrt(m.m2 / m.count);
}

/** Refuses a (offset, length, stride) that reaches outside the array instead of reading undefined as 0. */
export function checkExtent(values: Values, offset: number, length: number, stride: number): void {
  const last = offset + (length - 1) * stride;
  if (length < 0 || offset < 0 || (length > 0 && (last < 0 || last >= values.length))) {
    throw new RangeError(`${length} values from ${offset} by ${stride} do not fit an array of ${values.length}`);
  }
}

/** Ranks of the middle: equal for an odd count. */
export function middleRanks(count: number): [number, number] {
  return [Math.floor((count - 1) / 2), Math.floor(count / 2)];
}

/**
 * The exact median of the float32 values that pass the filter (finite ones, or every
 * non-NaN one, which lets deviations that overflowed to Inf count as numpy counts them).
 * With `coarseInto`, the coarse histogram of the keys' high 16 bits is also added there (a
 * caller streaming an image gets its image-wide histogram without another loop).
 *
 * The loops read the bits as int32 (V8 keeps them small integers) and compute the key's
 * halves inline: negative floats flip every bit, positive ones set the sign bit.
 */
function median32(values: Float32Array, offset: number, length: number, stride: number, finiteOnly: boolean, ws: RobustWorkspace, coarseInto?: Float64Array): { count: number; median: number } {
  const bits = new Int32Array(values.buffer, values.byteOffset, values.length);
  // Rejected when (b & mask) >= limit: Inf and NaN (exponent all ones) for finite values;
  // NaN alone (magnitude bits beyond those of Inf) otherwise. Inline, no closure: this is the hot loop.
  const mask = finiteOnly ? EXPONENT_MASK_32 : 0x7fffffff;
  const limit = finiteOnly ? EXPONENT_MASK_32 : EXPONENT_MASK_32 + 1;
  if (length < SORT_BELOW) {
    const copy = ws.scratch32(length);
    let n = 0;
    for (let i = 0, at = offset; i < length; i += 1, at += stride) {
      if (((bits[at] as number) & mask) < limit) copy[n++] = values[at] as number;
    }
    if (n === 0) return { count: 0, median: Number.NaN };
    const sorted = copy.subarray(0, n).sort();
    if (coarseInto !== undefined) {
      const sortedBits = new Int32Array(sorted.buffer, sorted.byteOffset, n);
      for (let i = 0; i < n; i += 1) {
        const b = sortedBits[i] as number;
        const h = b < 0 ? (~b >>> 16) & 0x7fff : (b >>> 16) | 0x8000;
        coarseInto[h] = (coarseInto[h] as number) + 1;
      }
    }
    const [k1, k2] = middleRanks(n);
    return { count: n, median: float32Midpoint(sorted[k1] as number, sorted[k2] as number) };
  }
  const coarse = ws.coarse;
  coarse.fill(0);
  let n = 0;
  for (let i = 0, at = offset; i < length; i += 1, at += stride) {
    const b = bits[at] as number;
    if ((b & mask) >= limit) continue;
    const h = b < 0 ? (~b >>> 16) & 0x7fff : (b >>> 16) | 0x8000;
    coarse[h] = (coarse[h] as number) + 1;
    n += 1;
  }
  if (coarseInto !== undefined) for (let h = 0; h < BINS; h += 1) coarseInto[h] = (coarseInto[h] as number) + (coarse[h] as number);
  if (n === 0) return { count: 0, median: Number.NaN };
  const [k1, k2] = middleRanks(n);
  const [h1, below1] = binOfRank(coarse, k1);
  const [h2, below2] = binOfRank(coarse, k2);
  const lowA = ws.lowA;
  const lowB = ws.lowB;
  lowA.fill(0);
  if (h2 !== h1) lowB.fill(0);
  for (let i = 0, at = offset; i < length; i += 1, at += stride) {
    const b = bits[at] as number;
    const h = b < 0 ? (~b >>> 16) & 0x7fff : (b >>> 16) | 0x8000;
    if ((h !== h1 && h !== h2) || (b & mask) >= limit) continue;
    const l = b < 0 ? ~b & 0xffff : b & 0xffff;
    if (h === h1) lowA[l] = (lowA[l] as number) + 1;
    else lowB[l] = (lowB[l] as number) + 1;
  }
  const v1 = float32FromKey(((h1 << 16) | binOfRank(lowA, k1 - below1)[0]) >>> 0);
  const v2 = float32FromKey(((h2 << 16) | binOfRank(h2 === h1 ? lowA : lowB, k2 - below2)[0]) >>> 0);
  return { count: n, median: float32Midpoint(v1, v2) };
}

/** The bin holding 0-based rank `rank` of a histogram, and how many values lie in lower bins. */
export function binOfRank(histogram: Uint32Array | Float64Array, rank: number): [number, number] {
  let below = 0;
  for (let h = 0; h < histogram.length; h += 1) {
    const c = histogram[h] as number;
    if (below + c > rank) return [h, below];
    below += c;
  }
  throw new RangeError(`rank ${rank} is beyond the ${below} values of the histogram`);
}

function median64(values: Float64Array, offset: number, length: number, stride: number, ws: RobustWorkspace): { count: number; median: number } {
  const copy = ws.scratch64(length);
  let n = 0;
  for (let i = 0, at = offset; i < length; i += 1, at += stride) {
    const x = values[at] as number;
    if (!Number.isNaN(x)) copy[n++] = x;
  }
  if (n === 0) return { count: 0, median: Number.NaN };
  const sorted = copy.subarray(0, n).sort();
  const [k1, k2] = middleRanks(n);
  const a = sorted[k1] as number;
  const b = sorted[k2] as number;
  return { count: n, median: a === b ? a : (a + b) / 2 };
}

/** numpy's median of the finite values, NaN when there are none. */
export function exactMedian(values: Values, offset = 0, length = values.length, stride = 1, ws = new RobustWorkspace(), coarseInto?: Float64Array): number {
  checkExtent(values, offset, length, stride);
  if (values instanceof Float32Array) return median32(values, offset, length, stride, true, ws, coarseInto).median;
  const finite = ws.scratch64(length, "finite");
  let n = 0;
  for (let i = 0, at = offset; i < length; i += 1, at += stride) {
    const x = values[at] as number;
    if (x - x === 0) finite[n++] = x;
  }
  return median64(finite, 0, n, 1, ws).median;
}

export interface RobustStatistics {
  readonly count: number;
  readonly min: number;
  readonly max: number;
  /** First index (in element steps from `offset`) of the maximum; -1 when no value is finite. */
  readonly maxIndex: number;
  readonly mean: number;
  readonly std: number;
  readonly median: number;
  readonly mad: number;
  /** 1.4826 MAD. */
  readonly rmsMad: number;
  /** Standard deviation after sigma clipping around the median (see the module comment). */
  readonly rmsClipped: number;
  readonly clipRounds: number;
  readonly clippedCount: number;
}

/**
 * Every robust statistic of the finite values in one call. Deviations are kept in the
 * workspace, so the clipping rounds loop over them without recomputing. `coarseInto`, for
 * float32 values, receives the histogram of the keys' high 16 bits (see median32).
 */
export function robustStatistics(values: Values, offset = 0, length = values.length, stride = 1, ws = new RobustWorkspace(), coarseInto?: Float64Array): RobustStatistics {
  const m = moments(values, offset, length, stride);
  if (m.count === 0) {
    return { count: 0, min: Number.NaN, max: Number.NaN, maxIndex: -1, mean: Number.NaN, std: Number.NaN, median: Number.NaN, mad: Number.NaN, rmsMad: Number.NaN, rmsClipped: Number.NaN, clipRounds: 0, clippedCount: 0 };
  }
  const single = values instanceof Float32Array;
  const median = exactMedian(values, offset, length, stride, ws, coarseInto);
  // Deviations of the finite values, in file order, in the data's dtype.
  const n = m.count;
  const deviations: Values = single ? ws.scratch32(n, "deviations").subarray(0, n) : ws.scratch64(n, "deviations").subarray(0, n);
  const signed: Values = single ? ws.scratch32(n, "signed").subarray(0, n) : ws.scratch64(n, "signed").subarray(0, n);
  let j = 0;
  for (let i = 0, at = offset; i < length; i += 1, at += stride) {
    const x = values[at] as number;
    if (x - x !== 0) continue;
    const d = single ? Math.fround(x - median) : x - median;
    signed[j] = d;
    deviations[j] = Math.abs(d);
    j += 1;
  }
  const mad = single ? median32(deviations as Float32Array, 0, n, 1, false, ws).median : median64(deviations as Float64Array, 0, n, 1, ws).median;
  const clip = sigmaClip(signed, MAD_TO_SIGMA * mad);
  return {
    count: m.count,
    min: m.min,
    max: m.max,
    maxIndex: m.maxIndex,
    mean: m.mean,
    std: standardDeviation(m),
    median,
    mad,
    rmsMad: MAD_TO_SIGMA * mad,
    rmsClipped: clip.rms,
    clipRounds: clip.rounds,
    clippedCount: clip.count,
  };
}

/**
 * Sigma clipping around a fixed centre, given the signed deviations d = x - centre of the
 * finite values (in the data's dtype): each round keeps |d| <= 3 sigma and takes the
 * standard deviation of the kept d (the same as the kept values', to the rounding of one
 * subtraction), summed in float64.
 */
export function sigmaClip(signed: Values, startSigma: number): { rms: number; rounds: number; count: number } {
  let sigma = startSigma;
  let previous = -1;
  let rounds = 0;
  let count = 0;
  let rms = Number.NaN;
  while (rounds < CLIP_MAX_ROUNDS) {
    const limit = CLIP_SIGMA * sigma;
    count = 0;
    let s1 = 0;
    let s2 = 0;
    for (let i = 0; i < signed.length; i += 1) {
      const d = signed[i] as number;
      if (Math.abs(d) <= limit) {
        count += 1;
        s1 += d;
        s2 += d * d;
      }
    }
    rounds += 1;
    rms = clippedRms(count, s1, s2);
    if (count === previous) break;
    previous = count;
    sigma = rms;
  }
  return { rms, rounds, count };
}

/** Population standard deviation from a count and the sums of d and d^2. */
export function clippedRms(count: number, s1: number, s2: number): number {
  if (count === 0) return Number.NaN;
  const mean = s1 / count;
  return Math.sqrt(Math.max(0, s2 / count - mean * mean));
}
