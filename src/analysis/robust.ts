/**
 * Robust location and scale of one plane or one spectrum: the exact median and the median
 * absolute deviation (MAD) scaled by 1.4826, which estimates the standard deviation of
 * Gaussian noise while ignoring the few bright pixels of a source.
 *
 * The median is found by Hoare's selection (quickselect, expected linear time) on a
 * scratch copy of the finite values; NaN values (blanked pixels) are left out.
 */

/** MAD to Gaussian sigma: 1 / Phi^-1(3/4). */
export const MAD_TO_SIGMA = 1.482602218505602;

/** The k-th smallest (0-based) of values[0..n), reordering them in place. */
function select(values: Float64Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
  while (hi > lo) {
    const pivot = values[(lo + hi) >>> 1] ?? 0;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while ((values[i] ?? 0) < pivot) i += 1;
      while ((values[j] ?? 0) > pivot) j -= 1;
      if (i <= j) {
        const t = values[i] ?? 0;
        values[i] = values[j] ?? 0;
        values[j] = t;
        i += 1;
        j -= 1;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return values[k] ?? 0;
  }
  return values[k] ?? 0;
}

/** Median of values[0..n) (the mean of the two middle ones for even n); reorders in place. */
function medianInPlace(values: Float64Array, n: number): number {
  if (n === 0) return Number.NaN;
  const upper = select(values, n, n >> 1);
  if (n % 2 === 1) return upper;
  let lower = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n >> 1; i += 1) lower = Math.max(lower, values[i] ?? lower);
  return (lower + upper) / 2;
}

export interface RobustScale {
  readonly median: number;
  /** 1.4826 x MAD: the Gaussian sigma the spread corresponds to. */
  readonly sigma: number;
  /** Finite values counted. */
  readonly count: number;
}

/**
 * Median and scaled MAD of the finite values of `data`. `scratch` (at least data.length
 * long) is reused between calls so that a pass over a cube allocates once.
 */
export function robustScale(data: ArrayLike<number>, scratch: Float64Array = new Float64Array(data.length)): RobustScale {
  let n = 0;
  for (let i = 0; i < data.length; i += 1) {
    const v = data[i] ?? Number.NaN;
    if (Number.isFinite(v)) scratch[n++] = v;
  }
  if (n === 0) return { median: Number.NaN, sigma: Number.NaN, count: 0 };
  const median = medianInPlace(scratch, n);
  for (let i = 0; i < n; i += 1) scratch[i] = Math.abs((scratch[i] ?? 0) - median);
  return { median, sigma: MAD_TO_SIGMA * medianInPlace(scratch, n), count: n };
}

/** Median of the finite values (NaN if none). */
export function median(data: ArrayLike<number>): number {
  return robustScale(data).median;
}
