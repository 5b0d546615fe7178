/**
 * Stage 3, line finding (ADMIT's LineSegment): channel ranges whose signal stands above the
 * noise, and the line-free ranges between them. Pure: a spectrum in, segments out.
 *
 * 1. Baseline. First the median of the spectrum, then a polynomial in channel (order 1 by
 *    default) fitted by least squares to the channels not flagged as signal, iterated: channels more than `clip` sigma from the
 *    current fit are flagged, widened by `minChannels` on each side to drop line wings, and
 *    the fit repeated until the flags settle. A sloping continuum or a bandpass ripple
 *    under a line is removed this way; a line is not fitted away because its channels are
 *    flagged.
 * 2. Noise. Per channel when the caller knows it (a single pixel's spectrum: the channel's
 *    robust rms from the cube statistics), otherwise 1.4826 x MAD of the baseline residuals
 *    of the unflagged channels.
 * 3. Segments. Runs of at least `minChannels` consecutive channels at `significance` sigma
 *    or more (emission above, absorption below), grown outward while the signal stays above
 *    one sigma, so a line's range takes its wings; overlapping ranges are merged.
 * 4. Each line is measured on the baseline-subtracted spectrum: peak, integral, centroid,
 *    and a Gaussian fitted by Levenberg-Marquardt for its centre and FWHM.
 */
import { exactMedian, MAD_TO_SIGMA, robustStatistics } from "../products/statistics/robust.js";

function median(values: Float64Array): number {
  return exactMedian(values);
}

export interface LineFindingOptions {
  /** Sigma a channel must reach to start a line. */
  readonly significance: number;
  /** Consecutive channels at that level a line needs. */
  readonly minChannels: number;
  /** Polynomial order of the baseline (0 constant, 1 slope...). */
  readonly baselineOrder: number;
  /** Sigma beyond which a channel is flagged while fitting the baseline. */
  readonly clip: number;
}

// Three channels at 4 sigma: two-channel dips and spikes at that level turned up in the integrated spectra of real
// demo cubes (correlated noise), and no real line seen yet was narrower.
export const DEFAULT_LINE_FINDING: LineFindingOptions = { significance: 4, minChannels: 3, baselineOrder: 1, clip: 3 };

export interface GaussianFit {
  /** Amplitude above the baseline, in the spectrum's unit. */
  readonly amplitude: number;
  /** Centre, in (fractional) channels. */
  readonly centre: number;
  /** Standard deviation, channels. */
  readonly sigma: number;
}

export interface FoundLine {
  readonly kind: "emission" | "absorption";
  /** Inclusive channel range, wings included. */
  readonly start: number;
  readonly end: number;
  /** Channel of the extreme value and that value above the baseline. */
  readonly peakChannel: number;
  readonly peak: number;
  /** Peak over the noise at that channel. */
  readonly peakSnr: number;
  /** Sum over the range of (value - baseline), in spectrum unit x channels. */
  readonly integral: number;
  /** Intensity-weighted mean channel over the range. */
  readonly centroid: number;
  readonly gaussian: GaussianFit | undefined;
}

export interface LineSearch {
  readonly lines: readonly FoundLine[];
  /** Inclusive channel ranges free of lines (and of blank channels). */
  readonly lineFree: readonly (readonly [number, number])[];
  /** The fitted baseline per channel. */
  readonly baseline: Float64Array;
  /** The noise per channel used for the significance. */
  readonly noise: Float64Array;
}

/** Least-squares polynomial of `order` in x (channels mapped to [-1, 1]) over the channels with weight 1. */
export function fitPolynomial(values: Float64Array, use: Uint8Array, order: number): Float64Array {
  const n = values.length;
  const terms = order + 1;
  const ata = new Float64Array(terms * terms);
  const atb = new Float64Array(terms);
  const x = (i: number): number => (n === 1 ? 0 : (2 * i) / (n - 1) - 1);
  const powers = new Float64Array(terms);
  let used = 0;
  for (let i = 0; i < n; i += 1) {
    const v = values[i] ?? Number.NaN;
    if (use[i] !== 1 || !Number.isFinite(v)) continue;
    used += 1;
    powers[0] = 1;
    for (let k = 1; k < terms; k += 1) powers[k] = (powers[k - 1] ?? 0) * x(i);
    for (let r = 0; r < terms; r += 1) {
      atb[r] = (atb[r] ?? 0) + (powers[r] ?? 0) * v;
      for (let c = 0; c < terms; c += 1) ata[r * terms + c] = (ata[r * terms + c] ?? 0) + (powers[r] ?? 0) * (powers[c] ?? 0);
    }
  }
  if (used < terms) return order > 0 ? fitPolynomial(values, use, order - 1) : new Float64Array(n).fill(used === 0 ? 0 : median(values));
  const coefficients = solve(ata, atb, terms);
  if (coefficients === undefined) return order > 0 ? fitPolynomial(values, use, order - 1) : new Float64Array(n).fill(median(values));
  const out = new Float64Array(n);
  for (let i = 0; i < n; i += 1) {
    let p = 1;
    let s = 0;
    for (let k = 0; k < terms; k += 1) {
      s += (coefficients[k] ?? 0) * p;
      p *= x(i);
    }
    out[i] = s;
  }
  return out;
}

/** Gaussian elimination with partial pivoting; `undefined` when singular. */
function solve(a: Float64Array, b: Float64Array, n: number): Float64Array | undefined {
  const m = Float64Array.from(a);
  const y = Float64Array.from(b);
  for (let col = 0; col < n; col += 1) {
    let pivot = col;
    for (let r = col + 1; r < n; r += 1) if (Math.abs(m[r * n + col] ?? 0) > Math.abs(m[pivot * n + col] ?? 0)) pivot = r;
    const p = m[pivot * n + col] ?? 0;
    if (Math.abs(p) < 1e-300) return undefined;
    for (let k = 0; k < n; k += 1) {
      const t = m[col * n + k] ?? 0;
      m[col * n + k] = m[pivot * n + k] ?? 0;
      m[pivot * n + k] = t;
    }
    const t = y[col] ?? 0;
    y[col] = y[pivot] ?? 0;
    y[pivot] = t;
    for (let r = col + 1; r < n; r += 1) {
      const f = (m[r * n + col] ?? 0) / (m[col * n + col] ?? 1);
      if (f === 0) continue;
      for (let k = col; k < n; k += 1) m[r * n + k] = (m[r * n + k] ?? 0) - f * (m[col * n + k] ?? 0);
      y[r] = (y[r] ?? 0) - f * (y[col] ?? 0);
    }
  }
  const x = new Float64Array(n);
  for (let r = n - 1; r >= 0; r -= 1) {
    let s = y[r] ?? 0;
    for (let k = r + 1; k < n; k += 1) s -= (m[r * n + k] ?? 0) * (x[k] ?? 0);
    x[r] = s / (m[r * n + r] ?? 1);
  }
  return x;
}

/** Fits amplitude x exp(-(x - centre)^2 / 2 sigma^2) to (x, y) by Levenberg-Marquardt. */
export function fitGaussian(xs: readonly number[], ys: readonly number[], start: GaussianFit): GaussianFit | undefined {
  let p = [start.amplitude, start.centre, Math.max(start.sigma, 0.3)];
  const cost = (q: readonly number[]): number => {
    let s = 0;
    for (let i = 0; i < xs.length; i += 1) {
      const d = ((xs[i] ?? 0) - (q[1] ?? 0)) / (q[2] ?? 1);
      const r = (ys[i] ?? 0) - (q[0] ?? 0) * Math.exp(-0.5 * d * d);
      s += r * r;
    }
    return s;
  };
  let lambda = 1e-3;
  let current = cost(p);
  for (let iteration = 0; iteration < 200; iteration += 1) {
    const jtj = new Float64Array(9);
    const jtr = new Float64Array(3);
    for (let i = 0; i < xs.length; i += 1) {
      const [a, mu, sigma] = p as [number, number, number];
      const d = ((xs[i] ?? 0) - mu) / sigma;
      const e = Math.exp(-0.5 * d * d);
      const r = (ys[i] ?? 0) - a * e;
      const j = [e, (a * e * d) / sigma, (a * e * d * d) / sigma];
      for (let u = 0; u < 3; u += 1) {
        jtr[u] = (jtr[u] ?? 0) + (j[u] ?? 0) * r;
        for (let v = 0; v < 3; v += 1) jtj[u * 3 + v] = (jtj[u * 3 + v] ?? 0) + (j[u] ?? 0) * (j[v] ?? 0);
      }
    }
    let improved = false;
    while (lambda < 1e12) {
      const damped = Float64Array.from(jtj);
      for (let u = 0; u < 3; u += 1) damped[u * 4] = (damped[u * 4] ?? 0) * (1 + lambda);
      const step = solve(damped, jtr, 3);
      if (step === undefined) break;
      const trial = p.map((v, k) => v + (step[k] ?? 0));
      const trialCost = (trial[2] ?? 0) > 0 ? cost(trial) : Number.POSITIVE_INFINITY;
      if (trialCost < current) {
        const relative = (current - trialCost) / Math.max(current, 1e-300);
        p = trial;
        current = trialCost;
        lambda = Math.max(lambda / 10, 1e-12);
        improved = true;
        if (relative < 1e-12) return { amplitude: p[0] ?? 0, centre: p[1] ?? 0, sigma: Math.abs(p[2] ?? 0) };
        break;
      }
      lambda *= 10;
    }
    if (!improved) break;
  }
  const [amplitude, centre, sigma] = p as [number, number, number];
  return Number.isFinite(amplitude) && Number.isFinite(centre) && Number.isFinite(sigma) ? { amplitude, centre, sigma: Math.abs(sigma) } : undefined;
}

function dilate(flags: Uint8Array, by: number): Uint8Array {
  const out = Uint8Array.from(flags);
  for (let i = 0; i < flags.length; i += 1) {
    if (flags[i] !== 1) continue;
    for (let k = Math.max(0, i - by); k <= Math.min(flags.length - 1, i + by); k += 1) out[k] = 1;
  }
  return out;
}

/**
 * Finds emission and absorption lines in `spectrum`. `channelNoise`, when given, is each
 * channel's sigma. Otherwise the noise is measured on the spectrum, with `relativeNoise`
 * (when given) as its shape across channels: a band-edge channel ten times noisier than the
 * rest then needs ten times the signal.
 */
export function findLines(
  spectrum: Float64Array,
  channelNoise: Float64Array | undefined,
  options: LineFindingOptions = DEFAULT_LINE_FINDING,
  relativeNoise?: Float64Array,
): LineSearch {
  const n = spectrum.length;
  const finite = Uint8Array.from(spectrum, (v) => (Number.isFinite(v) ? 1 : 0));
  const order = Math.max(0, Math.min(options.baselineOrder, Math.floor(n / 8)));
  let flagged: Uint8Array = new Uint8Array(n);
  let baseline: Float64Array = new Float64Array(n);
  let noise: Float64Array = new Float64Array(n);
  for (let iteration = 0; iteration < 20; iteration += 1) {
    const use = Uint8Array.from(finite, (f, i) => (f === 1 && flagged[i] === 0 ? 1 : 0));
    // The first baseline is the median, which a line over less than half the band cannot
    // pull; a least-squares fit over all channels would, and its residuals would flag the
    // whole band.
    baseline = iteration === 0 ? new Float64Array(n).fill(median(spectrum)) : fitPolynomial(spectrum, use, order);
    const residuals = spectrum.map((v, i) => v - (baseline[i] ?? 0));
    if (channelNoise !== undefined) {
      noise = Float64Array.from(channelNoise);
    } else {
      const shape = (i: number): number => {
        const s = relativeNoise?.[i] ?? 1;
        return s > 0 && Number.isFinite(s) ? s : 1;
      };
      const free = residuals.map((r, i) => r / shape(i)).filter((_, i) => use[i] === 1);
      const sigma = robustStatistics(free).rmsMad;
      noise = Float64Array.from(residuals, (_, i) => sigma * shape(i));
    }
    const raw = Uint8Array.from(residuals, (r, i) => (Number.isFinite(r) && Math.abs(r) > options.clip * (noise[i] ?? Number.NaN) ? 1 : 0));
    const next = dilate(raw, Math.max(1, options.minChannels));
    if (next.every((f, i) => f === flagged[i])) break;
    // A baseline needs channels to stand on: flags that would leave fewer than a quarter
    // of the channels (or too few for the polynomial) are not taken.
    const free = next.reduce((count, f, i) => count + (f === 0 && finite[i] === 1 ? 1 : 0), 0);
    if (free < Math.max(order + 3, Math.ceil(n / 4))) break;
    flagged = next;
  }
  const residual = spectrum.map((v, i) => v - (baseline[i] ?? 0));
  const lines: FoundLine[] = [];
  for (const sign of [1, -1] as const) {
    const snr = residual.map((r, i) => (sign * r) / (noise[i] ?? Number.NaN));
    const ranges: [number, number][] = [];
    for (let i = 0; i < n; ) {
      if (!((snr[i] ?? Number.NaN) >= options.significance)) {
        i += 1;
        continue;
      }
      let j = i;
      while (j + 1 < n && (snr[j + 1] ?? Number.NaN) >= options.significance) j += 1;
      if (j - i + 1 >= options.minChannels) {
        let start = i;
        let end = j;
        while (start > 0 && (snr[start - 1] ?? Number.NaN) > 1) start -= 1;
        while (end < n - 1 && (snr[end + 1] ?? Number.NaN) > 1) end += 1;
        const last = ranges[ranges.length - 1];
        if (last !== undefined && start <= last[1] + 1) last[1] = Math.max(last[1], end);
        else ranges.push([start, end]);
      }
      i = j + 1;
    }
    for (const [start, end] of ranges) lines.push(measureLine(residual, noise, start, end, sign));
  }
  lines.sort((a, b) => a.start - b.start);
  const inLine = new Uint8Array(n);
  for (const line of lines) for (let c = line.start; c <= line.end; c += 1) inLine[c] = 1;
  const lineFree: [number, number][] = [];
  for (let i = 0; i < n; ) {
    if (inLine[i] === 1 || finite[i] === 0) {
      i += 1;
      continue;
    }
    let j = i;
    while (j + 1 < n && inLine[j + 1] === 0 && finite[j + 1] === 1) j += 1;
    lineFree.push([i, j]);
    i = j + 1;
  }
  return { lines, lineFree, baseline, noise };
}

function measureLine(residual: Float64Array, noise: Float64Array, start: number, end: number, sign: 1 | -1): FoundLine {
  let peakChannel = start;
  let integral = 0;
  let weighted = 0;
  for (let c = start; c <= end; c += 1) {
    const v = residual[c] ?? 0;
    if (sign * v > sign * (residual[peakChannel] ?? 0)) peakChannel = c;
    integral += v;
    weighted += v * c;
  }
  const peak = residual[peakChannel] ?? 0;
  const centroid = integral === 0 ? peakChannel : weighted / integral;
  // Second moment as the fit's starting width, the range and a few channels beyond as its data.
  let spread = 0;
  for (let c = start; c <= end; c += 1) spread += (residual[c] ?? 0) * (c - centroid) ** 2;
  const startSigma = integral === 0 ? 1 : Math.sqrt(Math.max(spread / integral, 0.25));
  const margin = Math.max(3, end - start + 1);
  const xs: number[] = [];
  const ys: number[] = [];
  for (let c = Math.max(0, start - margin); c <= Math.min(residual.length - 1, end + margin); c += 1) {
    const v = residual[c] ?? Number.NaN;
    if (!Number.isFinite(v)) continue;
    xs.push(c);
    ys.push(v);
  }
  const fit = fitGaussian(xs, ys, { amplitude: peak, centre: centroid, sigma: startSigma });
  // A fit that wandered off the range or came out of the wrong sign is no measurement.
  const gaussian = fit !== undefined && Math.sign(fit.amplitude) === sign && fit.centre >= start - 1 && fit.centre <= end + 1 ? fit : undefined;
  return { kind: sign === 1 ? "emission" : "absorption", start, end, peakChannel, peak, peakSnr: (sign * peak) / (noise[peakChannel] ?? Number.NaN), integral, centroid, gaussian };
}

/** FWHM of a Gaussian of standard deviation sigma. */
export const SIGMA_TO_FWHM = 2 * Math.sqrt(2 * Math.LN2);
export { MAD_TO_SIGMA };
