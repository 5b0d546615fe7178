/**
 * Stage 1, cube statistics (ADMIT's CubeStats): per channel the robust rms (1.4826 x MAD
 * about the median), the peak and the minimum; the cube's noise (the median of the channel
 * rms, so a few line channels do not raise it) and its dynamic range (peak / noise). The
 * same pass keeps the peak map (each pixel's maximum over channels), which later stages
 * use to find the source.
 *
 * Medians and MADs are the exact kernels of src/products/statistics. Memory: their
 * workspace and one float32 map, whatever the channel count.
 */
import type { FitsPlane } from "../fits/reader.js";
import type { PlaneConsumer } from "../products/plane-pass.js";
import { planeChannel, type CubeGeometry } from "./cube-geometry.js";
import { exactMedian, robustStatistics, RobustWorkspace } from "../products/statistics/robust.js";

export interface ChannelStatistics {
  readonly channel: number;
  readonly frequency: number;
  readonly median: number;
  /** Robust rms: 1.4826 x MAD. */
  readonly rms: number;
  readonly peak: number;
  readonly min: number;
  /** Finite pixels in the channel. */
  readonly pixels: number;
}

export interface BrightestPixel {
  readonly x: number;
  readonly y: number;
  readonly channel: number;
  readonly value: number;
}

export interface CubeStatistics {
  readonly channels: readonly ChannelStatistics[];
  /** The cube's noise: median over channels of the robust rms. */
  readonly noise: number;
  readonly peak: number;
  readonly min: number;
  /** peak / noise. */
  readonly dynamicRange: number;
  readonly brightest: BrightestPixel | undefined;
  /**
   * The pixel and channel of the highest signal-to-noise, (value - channel median) / channel
   * rms: where the spectrum is taken, so that one noisy edge channel cannot pull it away
   * from the source.
   */
  readonly mostSignificant: (BrightestPixel & { readonly snr: number }) | undefined;
}

export class CubeStatisticsConsumer implements PlaneConsumer {
  /** Per pixel, the largest finite value over the channels; NaN where every channel is blank. */
  readonly peakMap: Float32Array;
  /** Per pixel, the largest signal-to-noise over the channels (each channel against its own median and rms). */
  readonly snrMap: Float32Array;
  private readonly geometry: CubeGeometry;
  private readonly workspace = new RobustWorkspace();
  private readonly rows: (ChannelStatistics | undefined)[];
  private brightest: BrightestPixel | undefined;
  private mostSignificant: (BrightestPixel & { snr: number }) | undefined;
  private readonly flat: Float32Array | undefined;
  private readonly weight: Float32Array | undefined;

  /**
   * `weight`, when given, is the primary-beam response per pixel: a primary-beam-corrected
   * cube's noise grows as 1/pb toward the edges, so signal-to-noise is judged on value x pb,
   * whose noise is flat. Without it the noise is taken as uniform over a channel.
   */
  constructor(geometry: CubeGeometry, weight?: Float32Array) {
    this.geometry = geometry;
    this.weight = weight;
    this.flat = weight === undefined ? undefined : new Float32Array(weight.length);
    this.peakMap = new Float32Array(geometry.width * geometry.height).fill(Number.NaN);
    this.snrMap = new Float32Array(geometry.width * geometry.height).fill(Number.NaN);
    this.rows = new Array<ChannelStatistics | undefined>(geometry.channels).fill(undefined);
  }

  consume(plane: FitsPlane, pass: number): void {
    if (pass !== 0) return;
    const channel = planeChannel(this.geometry, plane.coords);
    if (channel === undefined) return;
    const data = plane.data;
    for (let i = 0; i < data.length; i += 1) {
      const v = data[i] ?? Number.NaN;
      const m = this.peakMap[i] ?? Number.NaN;
      if (v > m || (Number.isNaN(m) && Number.isFinite(v))) this.peakMap[i] = v;
    }
    // The products' exact kernels: numpy's median and MAD of the finite pixels.
    const s = robustStatistics(data, 0, data.length, 1, this.workspace);
    this.rows[channel] = {
      channel,
      frequency: this.geometry.frequencies[channel] ?? Number.NaN,
      median: s.median,
      rms: s.rmsMad,
      peak: s.max,
      min: s.min,
      pixels: s.count,
    };
    if (s.maxIndex >= 0 && (this.brightest === undefined || s.max > this.brightest.value)) {
      this.brightest = { x: s.maxIndex % plane.width, y: Math.floor(s.maxIndex / plane.width), channel, value: s.max };
    }
    let flat: ArrayLike<number> = data;
    let scale = s;
    if (this.weight !== undefined && this.flat !== undefined) {
      for (let i = 0; i < data.length; i += 1) this.flat[i] = (data[i] ?? Number.NaN) * (this.weight[i] ?? Number.NaN);
      flat = this.flat;
      scale = robustStatistics(this.flat, 0, this.flat.length, 1, this.workspace);
    }
    if (scale.rmsMad > 0) {
      let best = -1;
      let bestSnr = Number.NEGATIVE_INFINITY;
      for (let i = 0; i < data.length; i += 1) {
        const snr = ((flat[i] ?? Number.NaN) - scale.median) / scale.rmsMad;
        if (!Number.isFinite(snr)) continue;
        const m = this.snrMap[i] ?? Number.NaN;
        if (snr > m || Number.isNaN(m)) this.snrMap[i] = snr;
        if (snr > bestSnr) {
          bestSnr = snr;
          best = i;
        }
      }
      if (best >= 0 && (this.mostSignificant === undefined || bestSnr > this.mostSignificant.snr)) {
        this.mostSignificant = { x: best % plane.width, y: Math.floor(best / plane.width), channel, value: data[best] ?? Number.NaN, snr: bestSnr };
      }
    }
  }

  endPass(): boolean {
    return false;
  }

  result(): CubeStatistics {
    const channels = this.rows.map(
      (row, channel) =>
        row ?? { channel, frequency: this.geometry.frequencies[channel] ?? Number.NaN, median: Number.NaN, rms: Number.NaN, peak: Number.NaN, min: Number.NaN, pixels: 0 },
    );
    const noise = exactMedian(Float64Array.from(channels, (c) => c.rms));
    let peak = Number.NaN;
    let min = Number.NaN;
    for (const c of channels) {
      if (!(c.peak <= peak)) peak = Number.isFinite(c.peak) ? c.peak : peak;
      if (!(c.min >= min)) min = Number.isFinite(c.min) ? c.min : min;
    }
    return { channels, noise, peak, min, dynamicRange: peak / noise, brightest: this.brightest, mostSignificant: this.mostSignificant };
  }
}
