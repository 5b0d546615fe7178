/**
 * Statistics of a whole image or cube, streamed plane by plane over a few passes, with
 * memory bounded by histograms (never by the image):
 *
 * - pass 0 (scan): per plane, every robust statistic in memory (robust.ts); for the image,
 *   moments merged by Chan's update and a 65536-bin histogram of the high 16 bits of the
 *   float32 keys (float-keys.ts);
 * - pass 1 (median): a histogram of the low 16 bits inside the one or two bins holding the
 *   middle ranks: the exact median, numpy's;
 * - pass 2 (deviations): the same coarse histogram of the signed deviations d = x - median
 *   (float32), with the sums of d and d^2 per bin;
 * - pass 3 and on (refine): full-resolution counts in the bins that hold the MAD and the
 *   sigma-clipping thresholds. A full-resolution bin gives each d exactly, so the MAD and
 *   every clipping round are exact; a round whose threshold falls in a bin not yet refined
 *   asks for one more pass.
 *
 * Float64 images (BITPIX 32, 64, -64; rare among radio products) keep their finite values
 * in memory up to FLOAT64_VALUES_LIMIT for the image-wide median, and report none beyond.
 *
 * The accumulator runs where the planes are (a worker thread or the main one) and returns
 * a partial per pass; the planner merges partials in any order and decides the next pass.
 */
import { EXPONENT_MASK_32, float32AtOrBelow, float32FromKey, float32Key, float32Midpoint } from "./float-keys.js";
import {
  binOfRank,
  CLIP_MAX_ROUNDS,
  CLIP_SIGMA,
  clippedRms,
  combineMoments,
  EMPTY_MOMENTS,
  MAD_TO_SIGMA,
  middleRanks,
  robustStatistics,
  RobustWorkspace,
  standardDeviation,
  type Moments,
  type Values,
} from "./robust.js";

const BINS = 65536;
export const FLOAT64_VALUES_LIMIT = 8 * 1024 * 1024;

export type PassPlan =
  | { readonly kind: "scan" }
  | { readonly kind: "median"; readonly bins: readonly number[] }
  | { readonly kind: "deviations"; readonly median: number }
  | { readonly kind: "refine"; readonly median: number; readonly bins: readonly number[] };

/** One plane's statistics; NaN where a plane has no finite pixel. */
export interface PlaneStatistics {
  readonly plane: number;
  readonly count: number;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly std: number;
  readonly median: number;
  readonly mad: number;
  readonly rmsMad: number;
  readonly rmsClipped: number;
  /** Pixel index in the plane (y * width + x) of the first maximum; -1 if none. */
  readonly maxIndex: number;
}

/** What one thread saw in one pass; typed arrays cross threads by structured clone. */
export interface PassPartial {
  readonly planes: PlaneStatistics[];
  readonly moments: Moments;
  readonly histogram: Float64Array | undefined;
  readonly sums: Float64Array | undefined;
  readonly squares: Float64Array | undefined;
  readonly fine: [number, Float64Array][];
  readonly values: Float64Array[] | "too-many" | undefined;
}

export interface PlaneInput {
  readonly index: number;
  readonly data: Values;
}

/** Accumulates one pass over the planes a thread is given. */
export class StatisticsAccumulator {
  private readonly ws = new RobustWorkspace();
  private plan: PassPlan = { kind: "scan" };
  private planes: PlaneStatistics[] = [];
  private moments: Moments = EMPTY_MOMENTS;
  private histogram: Float64Array | undefined;
  private sums: Float64Array | undefined;
  private squares: Float64Array | undefined;
  private readonly slot = new Int32Array(BINS).fill(-1);
  private fine: Float64Array[] = [];
  private fineBins: number[] = [];
  private values: Float64Array[] | "too-many" | undefined;
  private valueCount = 0;

  start(plan: PassPlan): void {
    this.plan = plan;
    this.planes = [];
    this.moments = EMPTY_MOMENTS;
    this.histogram = plan.kind === "scan" || plan.kind === "deviations" ? new Float64Array(BINS) : undefined;
    this.sums = plan.kind === "deviations" ? new Float64Array(BINS) : undefined;
    this.squares = plan.kind === "deviations" ? new Float64Array(BINS) : undefined;
    this.slot.fill(-1);
    this.fineBins = plan.kind === "median" || plan.kind === "refine" ? [...new Set(plan.bins)] : [];
    this.fine = this.fineBins.map(() => new Float64Array(BINS));
    this.fineBins.forEach((bin, i) => (this.slot[bin] = i));
    this.values = undefined;
    this.valueCount = 0;
  }

  add(plane: PlaneInput): void {
    const data = plane.data;
    switch (this.plan.kind) {
      case "scan":
        this.scan(plane);
        return;
      case "median":
        if (data instanceof Float32Array) this.refineValues(data);
        return;
      case "deviations":
        if (data instanceof Float32Array) this.deviations(data, this.plan.median);
        return;
      case "refine":
        if (data instanceof Float32Array) this.refineDeviations(data, this.plan.median);
        return;
    }
  }

  take(): PassPartial {
    return {
      planes: this.planes,
      moments: this.moments,
      histogram: this.histogram,
      sums: this.sums,
      squares: this.squares,
      fine: this.fineBins.map((bin, i) => [bin, this.fine[i] as Float64Array]),
      values: this.values,
    };
  }

  private scan(plane: PlaneInput): void {
    const data = plane.data;
    // The float32 median's own coarse histogram goes into the image-wide one: no extra loop.
    const r = robustStatistics(data, 0, data.length, 1, this.ws, data instanceof Float32Array ? this.histogram : undefined);
    this.planes.push({
      plane: plane.index,
      count: r.count,
      min: r.min,
      max: r.max,
      mean: r.mean,
      std: r.std,
      median: r.median,
      mad: r.mad,
      rmsMad: r.rmsMad,
      rmsClipped: r.rmsClipped,
      maxIndex: r.maxIndex,
    });
    if (r.count > 0) {
      this.moments = combineMoments(this.moments, { count: r.count, min: r.min, max: r.max, maxIndex: -1, mean: r.mean, m2: r.std * r.std * r.count });
    }
    if (data instanceof Float64Array) this.collect(data);
  }

  private collect(data: Float64Array): void {
    if (this.values === "too-many") return;
    const finite = new Float64Array(data.length);
    let n = 0;
    for (let i = 0; i < data.length; i += 1) {
      const x = data[i] as number;
      if (x - x === 0) finite[n++] = x;
    }
    this.valueCount += n;
    if (this.valueCount > FLOAT64_VALUES_LIMIT) {
      this.values = "too-many";
      return;
    }
    if (this.values === undefined) this.values = [];
    this.values.push(finite.slice(0, n));
  }

  private refineValues(data: Float32Array): void {
    this.refineKeys(new Int32Array(data.buffer, data.byteOffset, data.length), data.length);
  }

  /** Full-resolution counts of the keys of `bits[0..length)` whose coarse bin is being refined (Inf and NaN never are). */
  private refineKeys(bits: Int32Array, length: number): void {
    const slot = this.slot;
    for (let i = 0; i < length; i += 1) {
      const b = bits[i] as number;
      const h = b < 0 ? (~b >>> 16) & 0x7fff : (b >>> 16) | 0x8000;
      const s = slot[h] as number;
      if (s < 0 || (b & EXPONENT_MASK_32) === EXPONENT_MASK_32) continue;
      const fine = this.fine[s] as Float64Array;
      const l = b < 0 ? ~b & 0xffff : b & 0xffff;
      fine[l] = (fine[l] as number) + 1;
    }
  }

  /** The plane's finite deviations fround(x - median), packed at the start of a scratch buffer. */
  private deviationsOf(data: Float32Array, median: number): { values: Float32Array; count: number } {
    const out = this.ws.scratch32(data.length, "plane-deviations");
    let n = 0;
    for (let i = 0; i < data.length; i += 1) {
      const x = data[i] as number;
      if (x - x === 0) out[n++] = x - median;
    }
    return { values: out, count: n };
  }

  private deviations(data: Float32Array, median: number): void {
    const histogram = this.histogram as Float64Array;
    const sums = this.sums as Float64Array;
    const squares = this.squares as Float64Array;
    const { values, count } = this.deviationsOf(data, median);
    const bits = new Int32Array(values.buffer, values.byteOffset, count);
    for (let i = 0; i < count; i += 1) {
      const b = bits[i] as number;
      const d = values[i] as number;
      const h = b < 0 ? (~b >>> 16) & 0x7fff : (b >>> 16) | 0x8000;
      histogram[h] = (histogram[h] as number) + 1;
      sums[h] = (sums[h] as number) + d;
      squares[h] = (squares[h] as number) + d * d;
    }
  }

  private refineDeviations(data: Float32Array, median: number): void {
    const { values, count } = this.deviationsOf(data, median);
    this.refineKeys(new Int32Array(values.buffer, values.byteOffset, count), count);
  }
}

/** The image-wide result; NaN where the image has no finite pixel. */
export interface ImageStatisticsCore {
  readonly count: number;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly std: number;
  /** `undefined` only for a float64 image with more than FLOAT64_VALUES_LIMIT finite pixels. */
  readonly median: number | undefined;
  readonly mad: number | undefined;
  readonly rmsMad: number | undefined;
  readonly rmsClipped: number | undefined;
  readonly clipRounds: number;
  /** The plane and pixel index of the first maximum in file order; undefined if none. */
  readonly peak: { readonly value: number; readonly plane: number; readonly index: number } | undefined;
  readonly planes: readonly PlaneStatistics[];
  readonly passes: number;
}

/** Merges partials, plans the next pass and computes the result. Runs on the main thread. */
export class StatisticsPlanner {
  private current: PassPlan = { kind: "scan" };
  private planes: PlaneStatistics[] = [];
  private moments: Moments = EMPTY_MOMENTS;
  private histogram = new Float64Array(BINS);
  private sums = new Float64Array(BINS);
  private squares = new Float64Array(BINS);
  private readonly fine = new Map<number, Float64Array>();
  private values: Float64Array[] | "too-many" | undefined;
  private precision: "float32" | "float64" = "float32";
  private median = Number.NaN;
  private mad = Number.NaN;
  private clip: { rms: number; rounds: number } = { rms: Number.NaN, rounds: 0 };
  private passes = 0;
  private done = false;

  get plan(): PassPlan {
    return this.current;
  }

  merge(partial: PassPartial): void {
    if (this.current.kind === "scan") {
      this.planes.push(...partial.planes);
      this.moments = combineMoments(this.moments, partial.moments);
      if (partial.values !== undefined) {
        this.precision = "float64";
        if (partial.values === "too-many" || this.values === "too-many") this.values = "too-many";
        else this.values = [...(this.values ?? []), ...partial.values];
        if (this.values !== "too-many" && this.values.reduce((a, v) => a + v.length, 0) > FLOAT64_VALUES_LIMIT) this.values = "too-many";
      }
    }
    if (partial.histogram !== undefined) addInto(this.histogram, partial.histogram);
    if (partial.sums !== undefined) addInto(this.sums, partial.sums);
    if (partial.squares !== undefined) addInto(this.squares, partial.squares);
    for (const [bin, counts] of partial.fine) {
      const held = this.fine.get(bin);
      if (held === undefined) this.fine.set(bin, Float64Array.from(counts));
      else addInto(held, counts);
    }
  }

  /** Ends the current pass; returns whether another is needed (its plan is then `plan`). */
  endPass(): boolean {
    this.passes += 1;
    const n = this.moments.count;
    if (n === 0) return this.finish();
    switch (this.current.kind) {
      case "scan": {
        this.planes.sort((a, b) => a.plane - b.plane);
        if (this.precision === "float64") {
          this.inMemory();
          return this.finish();
        }
        const [k1, k2] = middleRanks(n);
        this.current = { kind: "median", bins: [binOfRank(this.histogram, k1)[0], binOfRank(this.histogram, k2)[0]] };
        return true;
      }
      case "median": {
        const [k1, k2] = middleRanks(n);
        this.median = float32Midpoint(this.valueOfRank(k1), this.valueOfRank(k2));
        this.histogram = new Float64Array(BINS);
        this.fine.clear();
        this.current = { kind: "deviations", median: this.median };
        return true;
      }
      case "deviations":
      case "refine": {
        const needed = this.current.kind === "deviations" ? this.binsToRefine() : this.exact();
        if (needed.length === 0) return this.finish();
        this.current = { kind: "refine", median: this.median, bins: needed };
        return true;
      }
    }
  }

  result(): ImageStatisticsCore {
    if (!this.done) throw new Error("statistics asked for before the last pass ended");
    const m = this.moments;
    const exact = this.precision === "float32" || this.values !== "too-many";
    let peak: ImageStatisticsCore["peak"];
    for (const p of this.planes) {
      if (p.count > 0 && (peak === undefined || p.max > peak.value)) peak = { value: p.max, plane: p.plane, index: p.maxIndex };
    }
    return {
      count: m.count,
      min: m.min,
      max: m.max,
      mean: m.mean,
      std: standardDeviation(m),
      median: exact ? this.median : undefined,
      mad: exact ? this.mad : undefined,
      rmsMad: exact ? MAD_TO_SIGMA * this.mad : undefined,
      rmsClipped: exact ? this.clip.rms : undefined,
      clipRounds: this.clip.rounds,
      peak,
      planes: this.planes,
      passes: this.passes,
    };
  }

  private finish(): false {
    this.done = true;
    return false;
  }

  private inMemory(): void {
    if (this.values === "too-many" || this.values === undefined) return;
    const all = new Float64Array(this.moments.count);
    let at = 0;
    for (const chunk of this.values) {
      all.set(chunk, at);
      at += chunk.length;
    }
    const r = robustStatistics(all);
    this.median = r.median;
    this.mad = r.mad;
    this.clip = { rms: r.rmsClipped, rounds: r.clipRounds };
    this.values = [];
  }

  /** The float32 value at a rank among the pixels, from the coarse and refined histograms. */
  private valueOfRank(rank: number): number {
    const [bin, below] = binOfRank(this.histogram, rank);
    const fine = this.fine.get(bin);
    if (fine === undefined) throw new Error(`median bin ${bin} was not refined`);
    return float32FromKey(((bin << 16) | binOfRank(fine, rank - below)[0]) >>> 0);
  }

  /** Coarse histogram of |d| bins (0 .. 0x7fff): the positive bin plus its negative mirror. */
  private absoluteCoarse(): Float64Array {
    const out = new Float64Array(0x8000);
    for (let a = 0; a < 0x8000; a += 1) out[a] = (this.histogram[0x8000 + a] as number) + (this.histogram[0x7fff - a] as number);
    return out;
  }

  /** After the deviations pass: the MAD's bins and every bin an estimated clipping threshold touches. */
  private binsToRefine(): number[] {
    const bins = new Set<number>();
    const [k1, k2] = middleRanks(this.moments.count);
    const abs = this.absoluteCoarse();
    for (const k of [k1, k2]) {
      const a = binOfRank(abs, k)[0];
      bins.add(0x8000 + a).add(0x7fff - a);
    }
    // Estimated rounds: MAD at the middle of its bin, boundary bins counted pro rata.
    const a = binOfRank(abs, k1)[0];
    const madEstimate = (float32FromKey(((0x8000 + a) << 16) >>> 0) + float32FromKey((((0x8000 + a) << 16) | 0xffff) >>> 0)) / 2;
    let sigma = MAD_TO_SIGMA * madEstimate;
    let previous = -1;
    for (let round = 0; round < CLIP_MAX_ROUNDS && sigma >= 0; round += 1) {
      const t = float32AtOrBelow(CLIP_SIGMA * sigma);
      for (const edge of [t, -t]) {
        const h = float32Key(edge) >>> 16;
        for (const b of [h - 1, h, h + 1]) if (b >= 0 && b < BINS && (this.histogram[b] as number) > 0) bins.add(b);
      }
      const w = this.windowSums(t, true);
      const rms = clippedRms(w.count, w.s1, w.s2);
      if (Math.round(w.count) === previous || !(rms > 0)) break;
      previous = Math.round(w.count);
      sigma = rms;
    }
    return [...bins].filter((b) => !this.fine.has(b)).sort((x, y) => x - y);
  }

  /**
   * The count and sums of d over |d| <= t. Bins wholly inside come from the coarse sums; the
   * two boundary bins from their full-resolution counts (each value exact), or, when
   * `estimate` is set and a boundary bin is not refined, pro rata of its key range.
   */
  private windowSums(t: number, estimate: boolean): { count: number; s1: number; s2: number; missing: number[] } {
    const lowKey = float32Key(-t);
    const highKey = float32Key(t);
    const lowBin = lowKey >>> 16;
    const highBin = highKey >>> 16;
    let count = 0;
    let s1 = 0;
    let s2 = 0;
    for (let b = lowBin + 1; b < highBin; b += 1) {
      count += this.histogram[b] as number;
      s1 += this.sums[b] as number;
      s2 += this.squares[b] as number;
    }
    const missing: number[] = [];
    const edge = (bin: number, from: number, to: number): void => {
      if ((this.histogram[bin] as number) === 0) return;
      const fine = this.fine.get(bin);
      if (fine !== undefined) {
        for (let l = from; l <= to; l += 1) {
          const c = fine[l] as number;
          if (c === 0) continue;
          const d = float32FromKey(((bin << 16) | l) >>> 0);
          count += c;
          s1 += c * d;
          s2 += c * d * d;
        }
      } else if (estimate) {
        const f = (to - from + 1) / BINS;
        count += f * (this.histogram[bin] as number);
        s1 += f * (this.sums[bin] as number);
        s2 += f * (this.squares[bin] as number);
      } else {
        missing.push(bin);
      }
    };
    edge(lowBin, lowKey & 0xffff, 0xffff);
    edge(highBin, 0, highKey & 0xffff);
    return { count, s1, s2, missing };
  }

  /** Exact MAD and clipping from the refined bins; returns the bins still missing, if any. */
  private exact(): number[] {
    const [k1, k2] = middleRanks(this.moments.count);
    const abs = this.absoluteCoarse();
    const absValue = (rank: number): number => {
      const [a, below] = binOfRank(abs, rank);
      const positive = this.fine.get(0x8000 + a);
      const negative = this.fine.get(0x7fff - a);
      const counts = new Float64Array(BINS);
      if (positive !== undefined) addInto(counts, positive);
      if (negative !== undefined) for (let l = 0; l < BINS; l += 1) counts[l] = (counts[l] as number) + (negative[0xffff - l] as number);
      return float32FromKey((((0x8000 + a) << 16) | binOfRank(counts, rank - below)[0]) >>> 0);
    };
    this.mad = float32Midpoint(absValue(k1), absValue(k2));
    let sigma = MAD_TO_SIGMA * this.mad;
    let previous = -1;
    let rounds = 0;
    let rms = Number.NaN;
    while (rounds < CLIP_MAX_ROUNDS) {
      const w = sigma >= 0 ? this.windowSums(float32AtOrBelow(CLIP_SIGMA * sigma), false) : { count: 0, s1: 0, s2: 0, missing: [] };
      if (w.missing.length > 0) return w.missing;
      rounds += 1;
      rms = clippedRms(w.count, w.s1, w.s2);
      if (w.count === previous) break;
      previous = w.count;
      sigma = rms;
    }
    this.clip = { rms, rounds };
    return [];
  }
}

function addInto(target: Float64Array, source: Float64Array): void {
  for (let i = 0; i < target.length; i += 1) target[i] = (target[i] as number) + (source[i] as number);
}
