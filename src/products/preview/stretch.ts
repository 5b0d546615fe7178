/**
 * The display stretch of a preview: which data values the colour map spans and how they
 * are spread over it. Radio maps are mostly noise with a few bright sources, so the stretch
 * is an asinh (Lupton et al. 1999, AJ 118, 1406): linear over the noise, logarithmic over
 * the sources, so both the noise floor and the brightest peak stay readable.
 *
 * The limits come from the map itself: the lower one from a low percentile (robust against
 * a few deep negative pixels), the upper one is the peak, so the brightest pixel of the map
 * is the top colour. The softening is the noise, 1.4826 x MAD, so the noise spans the first
 * part of the colour map whatever the dynamic range.
 */

export interface Stretch {
  /** Data value drawn with the first colour; below is clipped to it. */
  readonly low: number;
  /** Data value drawn with the last colour (the map's peak). */
  readonly high: number;
  /** asinh softening, in data units: values within `softening` of `low` are spread linearly. */
  readonly softening: number;
  /** Robust noise of the map, 1.4826 x MAD about the median, data units. */
  readonly noise: number;
  readonly median: number;
  /** Finite pixels the statistics saw (before any subsampling). */
  readonly validPixels: number;
}

/** Above this many finite pixels the percentiles come from an even subsample: a display needs no exact median. */
const MAX_SAMPLE = 1 << 20;
/** Percentile of the lower display limit. */
const LOW_PERCENTILE = 0.5;

function percentileOfSorted(sorted: Float64Array, percent: number): number {
  if (sorted.length === 0) return Number.NaN;
  const at = (percent / 100) * (sorted.length - 1);
  const below = Math.floor(at);
  const above = Math.min(sorted.length - 1, below + 1);
  const a = sorted[below] ?? Number.NaN;
  const b = sorted[above] ?? Number.NaN;
  return a + (b - a) * (at - below);
}

/**
 * The stretch of a map; `undefined` when the map has no finite pixel (all blank), which
 * the caller draws as blank rather than inventing limits.
 */
export function robustStretch(map: ArrayLike<number>): Stretch | undefined {
  let finite = 0;
  let high = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < map.length; i += 1) {
    const v = map[i] ?? Number.NaN;
    if (Number.isFinite(v)) {
      finite += 1;
      if (v > high) high = v;
    }
  }
  if (finite === 0) return undefined;
  const step = Math.max(1, Math.ceil(finite / MAX_SAMPLE));
  const sample = new Float64Array(Math.ceil(finite / step));
  let n = 0;
  let seen = 0;
  for (let i = 0; i < map.length; i += 1) {
    const v = map[i] ?? Number.NaN;
    if (!Number.isFinite(v)) continue;
    if (seen % step === 0 && n < sample.length) sample[n++] = v;
    seen += 1;
  }
  const sorted = sample.subarray(0, n).sort();
  const median = percentileOfSorted(sorted, 50);
  const deviations = sorted.map((v) => Math.abs(v - median)).sort();
  const noise = 1.4826 * percentileOfSorted(deviations, 50);
  let low = percentileOfSorted(sorted, LOW_PERCENTILE);
  if (!(high > low)) {
    // A constant map: give it a unit span around its value so it draws as one mid colour.
    const span = Math.abs(high) > 0 ? Math.abs(high) : 1;
    low = high - span;
  }
  const range = high - low;
  const softening = Math.min(range, Math.max(noise > 0 ? 2 * noise : range / 10, range * 1e-4));
  return { low, high, softening, noise, median, validPixels: finite };
}

/** A data value to [0, 1] along the stretch (clipped); NaN stays NaN. */
export function stretchValue(stretch: Stretch, value: number): number {
  if (Number.isNaN(value)) return Number.NaN;
  const x = (value - stretch.low) / stretch.softening;
  const top = Math.asinh((stretch.high - stretch.low) / stretch.softening);
  const t = Math.asinh(x) / top;
  return t < 0 ? 0 : t > 1 ? 1 : t;
}

/** The inverse of `stretchValue` on [0, 1]: the data value drawn at a place of the colour bar. */
export function unstretchValue(stretch: Stretch, t: number): number {
  const top = Math.asinh((stretch.high - stretch.low) / stretch.softening);
  return stretch.low + stretch.softening * Math.sinh(t * top);
}
