/**
 * Stage 5, moments (ADMIT's Moment, CASA's immoments): per line, moment 0 (integrated
 * intensity), 1 (intensity-weighted velocity) and 2 (intensity-weighted dispersion) over
 * the line's channels, counting only pixels at or above a threshold from the measured
 * noise, as immoments' `includepix` does:
 *
 *   M0 = dv sum(I),  M1 = sum(I v) / sum(I),  M2 = sqrt(sum(I (v - M1)^2) / sum(I))
 *
 * with v the radio velocity of each channel (km/s) against the line's rest frequency and
 * dv the channel width in velocity. Sums are kept about a reference velocity near the line
 * (the range's middle), so the second moment does not lose digits to cancellation.
 * A pixel with no channel above the threshold is blank (NaN), as immoments masks it.
 *
 * Optionally the continuum is removed first, per pixel: a straight line in channel fitted
 * by least squares to the line-free channels, accumulated plane by plane as five sums per
 * pixel (one streaming pass), then subtracted as the line's planes go by.
 *
 * Stage 6, the position-velocity slice, samples each line channel along a straight cut
 * through the moment-0 centroid at the position angle of its major axis (from the
 * intensity-weighted second moments of the moment-0 pixels above a tenth of its peak),
 * bilinearly.
 */
import type { FitsPlane } from "../fits/reader.js";
import type { PlaneConsumer } from "../products/plane-pass.js";
import { SPEED_OF_LIGHT } from "../fits/wcs/spectral.js";
import { planeChannel, radioVelocity, type CubeGeometry } from "./cube-geometry.js";

/** What the moment stage needs to know of one line. */
export interface MomentWindow {
  /** Inclusive channel range. */
  readonly start: number;
  readonly end: number;
  /** Rest frequency for the velocity axis, Hz. */
  readonly restFrequency: number;
  /** Pixels below this (in the cube's unit) are left out. */
  readonly threshold: number;
}

export interface MomentMaps {
  readonly window: MomentWindow;
  /** Unit x km/s. */
  readonly moment0: Float32Array;
  /** km/s. */
  readonly moment1: Float32Array;
  readonly moment2: Float32Array;
  /** Radio velocity of each channel of the range, km/s. */
  readonly velocities: Float64Array;
  /** |dv| per channel, km/s. */
  readonly channelWidth: number;
  /** Pixels with at least one channel above the threshold. */
  readonly pixels: number;
}

/** Per-pixel straight-line continuum from the line-free channels. */
export class ContinuumConsumer implements PlaneConsumer {
  private readonly geometry: CubeGeometry;
  private readonly free: Uint8Array;
  private readonly sums: Float64Array[];

  constructor(geometry: CubeGeometry, lineFree: readonly (readonly [number, number])[]) {
    this.geometry = geometry;
    this.free = new Uint8Array(geometry.channels);
    for (const [a, b] of lineFree) for (let c = a; c <= b; c += 1) this.free[c] = 1;
    const n = geometry.width * geometry.height;
    // count, sum x, sum x^2, sum I, sum x I
    this.sums = Array.from({ length: 5 }, () => new Float64Array(n));
  }

  consume(plane: FitsPlane): void {
    const channel = planeChannel(this.geometry, plane.coords);
    if (channel === undefined || this.free[channel] !== 1) return;
    const [n, sx, sxx, si, sxi] = this.sums as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
    const x = channel;
    for (let i = 0; i < plane.data.length; i += 1) {
      const v = plane.data[i] ?? Number.NaN;
      if (!Number.isFinite(v)) continue;
      n[i] = (n[i] ?? 0) + 1;
      sx[i] = (sx[i] ?? 0) + x;
      sxx[i] = (sxx[i] ?? 0) + x * x;
      si[i] = (si[i] ?? 0) + v;
      sxi[i] = (sxi[i] ?? 0) + x * v;
    }
  }

  endPass(): boolean {
    return false;
  }

  /** Continuum at each pixel and channel: intercept + slope x channel (a constant with fewer than 3 free channels). */
  model(): { readonly intercept: Float32Array; readonly slope: Float32Array } {
    const [n, sx, sxx, si, sxi] = this.sums as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
    const intercept = new Float32Array(n.length);
    const slope = new Float32Array(n.length);
    for (let i = 0; i < n.length; i += 1) {
      const count = n[i] ?? 0;
      if (count === 0) continue;
      const det = count * (sxx[i] ?? 0) - (sx[i] ?? 0) ** 2;
      if (count < 3 || det <= 0) {
        intercept[i] = (si[i] ?? 0) / count;
        continue;
      }
      const b = (count * (sxi[i] ?? 0) - (sx[i] ?? 0) * (si[i] ?? 0)) / det;
      slope[i] = b;
      intercept[i] = ((si[i] ?? 0) - b * (sx[i] ?? 0)) / count;
    }
    return { intercept, slope };
  }
}

export type Continuum = ReturnType<ContinuumConsumer["model"]>;

function channelVelocities(geometry: CubeGeometry, window: MomentWindow): { velocities: Float64Array; width: number } {
  const velocities = new Float64Array(window.end - window.start + 1);
  for (let c = window.start; c <= window.end; c += 1) velocities[c - window.start] = radioVelocity(geometry.frequencies[c] ?? Number.NaN, window.restFrequency);
  // The axis is linear in frequency, so the radio velocity step is one number, as immoments takes it.
  const f = geometry.frequencies;
  const step = Math.abs(((f[f.length - 1] ?? 0) - (f[0] ?? 0)) / (f.length - 1));
  return { velocities, width: (SPEED_OF_LIGHT * step) / window.restFrequency / 1000 };
}

/** Continuum-subtracted value of pixel i in `channel`, or the value itself without a continuum. */
function lineValue(value: number, i: number, channel: number, continuum: Continuum | undefined): number {
  if (continuum === undefined) return value;
  return value - ((continuum.intercept[i] ?? 0) + (continuum.slope[i] ?? 0) * channel);
}

export class MomentsConsumer implements PlaneConsumer {
  private readonly geometry: CubeGeometry;
  private readonly windows: readonly MomentWindow[];
  private readonly continuum: Continuum | undefined;
  private readonly state: { s0: Float64Array; s1: Float64Array; s2: Float64Array; count: Uint32Array; velocities: Float64Array; width: number; reference: number }[];

  constructor(geometry: CubeGeometry, windows: readonly MomentWindow[], continuum: Continuum | undefined) {
    this.geometry = geometry;
    this.windows = windows;
    this.continuum = continuum;
    const n = geometry.width * geometry.height;
    this.state = windows.map((w) => {
      const { velocities, width } = channelVelocities(geometry, w);
      const reference = ((velocities[0] ?? 0) + (velocities[velocities.length - 1] ?? 0)) / 2;
      return { s0: new Float64Array(n), s1: new Float64Array(n), s2: new Float64Array(n), count: new Uint32Array(n), velocities, width, reference };
    });
  }

  consume(plane: FitsPlane): void {
    const channel = planeChannel(this.geometry, plane.coords);
    if (channel === undefined) return;
    this.windows.forEach((w, k) => {
      if (channel < w.start || channel > w.end) return;
      const s = this.state[k];
      if (s === undefined) return;
      const dv = (s.velocities[channel - w.start] ?? 0) - s.reference;
      for (let i = 0; i < plane.data.length; i += 1) {
        const raw = plane.data[i] ?? Number.NaN;
        if (!Number.isFinite(raw)) continue;
        const v = lineValue(raw, i, channel, this.continuum);
        if (!(v >= w.threshold)) continue;
        s.s0[i] = (s.s0[i] ?? 0) + v;
        s.s1[i] = (s.s1[i] ?? 0) + v * dv;
        s.s2[i] = (s.s2[i] ?? 0) + v * dv * dv;
        s.count[i] = (s.count[i] ?? 0) + 1;
      }
    });
  }

  endPass(): boolean {
    return false;
  }

  result(): MomentMaps[] {
    return this.windows.map((window, k) => {
      const s = this.state[k] as (typeof this.state)[number];
      const n = s.s0.length;
      const moment0 = new Float32Array(n).fill(Number.NaN);
      const moment1 = new Float32Array(n).fill(Number.NaN);
      const moment2 = new Float32Array(n).fill(Number.NaN);
      let pixels = 0;
      for (let i = 0; i < n; i += 1) {
        if ((s.count[i] ?? 0) === 0) continue;
        pixels += 1;
        const s0 = s.s0[i] ?? 0;
        moment0[i] = s0 * s.width;
        const mean = (s.s1[i] ?? 0) / s0;
        moment1[i] = s.reference + mean;
        moment2[i] = Math.sqrt(Math.max(0, (s.s2[i] ?? 0) / s0 - mean * mean));
      }
      return { window, moment0, moment1, moment2, velocities: s.velocities, channelWidth: s.width, pixels };
    });
  }
}

export interface SliceGeometry {
  /** Centre, 0-based pixels. */
  readonly x: number;
  readonly y: number;
  /** Unit vector along the cut, pixels. */
  readonly dx: number;
  readonly dy: number;
  /** Position angle of the cut on the sky, degrees east of north (0-180). */
  readonly positionAngle: number;
  /** Samples from -half to +half pixels along the cut, one per pixel. */
  readonly half: number;
}

/**
 * The cut through a moment-0 map: centroid and major axis of its pixels above a tenth of
 * its peak, long enough to span them (and a beam on each side). `eastIsMinusX`: CDELT1 < 0, as usual.
 */
export function majorAxisCut(moment0: Float32Array, width: number, height: number, eastIsMinusX: boolean, padPixels: number): SliceGeometry | undefined {
  // Only pixels above a tenth of the peak count: the faint noise pixels the threshold lets
  // through would otherwise stretch the cut across the whole field and pull its angle.
  let peak = 0;
  for (const v of moment0) if (v > peak) peak = v;
  const floor = 0.1 * peak;
  let w = 0;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < moment0.length; i += 1) {
    const v = moment0[i] ?? Number.NaN;
    if (!(v > floor)) continue;
    w += v;
    sx += v * (i % width);
    sy += v * Math.floor(i / width);
  }
  if (w === 0) return undefined;
  const x = sx / w;
  const y = sy / w;
  let xx = 0;
  let yy = 0;
  let xy = 0;
  for (let i = 0; i < moment0.length; i += 1) {
    const v = moment0[i] ?? Number.NaN;
    if (!(v > floor)) continue;
    const ex = (i % width) - x;
    const ey = Math.floor(i / width) - y;
    xx += v * ex * ex;
    yy += v * ey * ey;
    xy += v * ex * ey;
  }
  const theta = 0.5 * Math.atan2(2 * xy, xx - yy);
  const dx = Math.cos(theta);
  const dy = Math.sin(theta);
  let reach = 0;
  for (let i = 0; i < moment0.length; i += 1) {
    if (!((moment0[i] ?? Number.NaN) > floor)) continue;
    reach = Math.max(reach, Math.abs(((i % width) - x) * dx + (Math.floor(i / width) - y) * dy));
  }
  const half = Math.min(Math.ceil(reach + padPixels), Math.ceil(Math.hypot(width, height) / 2));
  // East is -x when CDELT1 < 0; PA counts from north (+y) through east.
  const east = eastIsMinusX ? -dx : dx;
  let positionAngle = (Math.atan2(east, dy) * 180) / Math.PI;
  positionAngle = ((positionAngle % 180) + 180) % 180;
  return { x, y, dx, dy, positionAngle, half };
}

function bilinear(data: ArrayLike<number>, width: number, height: number, x: number, y: number): number {
  if (x < 0 || y < 0 || x > width - 1 || y > height - 1) return Number.NaN;
  const x0 = Math.min(Math.floor(x), width - 2);
  const y0 = Math.min(Math.floor(y), height - 2);
  const fx = x - x0;
  const fy = y - y0;
  const at = (xx: number, yy: number): number => data[yy * width + xx] ?? Number.NaN;
  return (1 - fy) * ((1 - fx) * at(x0, y0) + fx * at(x0 + 1, y0)) + fy * ((1 - fx) * at(x0, y0 + 1) + fx * at(x0 + 1, y0 + 1));
}

export interface PvSlice {
  readonly cut: SliceGeometry;
  readonly start: number;
  readonly end: number;
  /** (2 half + 1) offsets x channels, offset fastest. */
  readonly data: Float32Array;
}

export class PvConsumer implements PlaneConsumer {
  private readonly geometry: CubeGeometry;
  private readonly slices: { cut: SliceGeometry; start: number; end: number; data: Float32Array }[];
  private readonly continuum: Continuum | undefined;

  constructor(geometry: CubeGeometry, cuts: readonly { cut: SliceGeometry; start: number; end: number }[], continuum: Continuum | undefined) {
    this.geometry = geometry;
    this.continuum = continuum;
    this.slices = cuts.map((c) => ({ ...c, data: new Float32Array((2 * c.cut.half + 1) * (c.end - c.start + 1)).fill(Number.NaN) }));
  }

  consume(plane: FitsPlane): void {
    const channel = planeChannel(this.geometry, plane.coords);
    if (channel === undefined) return;
    for (const s of this.slices) {
      if (channel < s.start || channel > s.end) continue;
      const samples = 2 * s.cut.half + 1;
      for (let k = 0; k < samples; k += 1) {
        const t = k - s.cut.half;
        const x = s.cut.x + t * s.cut.dx;
        const y = s.cut.y + t * s.cut.dy;
        let v = bilinear(plane.data, plane.width, plane.height, x, y);
        if (this.continuum !== undefined && Number.isFinite(v)) {
          v -= bilinear(this.continuum.intercept, plane.width, plane.height, x, y) + bilinear(this.continuum.slope, plane.width, plane.height, x, y) * channel;
        }
        s.data[(channel - s.start) * samples + k] = v;
      }
    }
  }

  endPass(): boolean {
    return false;
  }

  result(): PvSlice[] {
    return this.slices;
  }
}
