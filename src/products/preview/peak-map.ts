/**
 * The maps a preview draws, built from the shared plane passes: the peak map (for an image
 * its only plane; for a cube the maximum over channels of each pixel, Stokes I only), the
 * position of its brightest pixel, and, in a second pass once that position is known, the
 * spectrum there. Memory: one map of NAXIS1 x NAXIS2 float32 and one value per channel.
 */
import type { FitsPlane } from "../../fits/reader.js";
import type { PlaneConsumer } from "../plane-pass.js";
import { planeChannel, type ImageGeometry } from "./image-geometry.js";

export interface MapPeak {
  /** 0-based map pixel. */
  readonly x: number;
  readonly y: number;
  /** 0-based channel the peak is in. */
  readonly channel: number;
  readonly value: number;
}

export class PeakMapConsumer implements PlaneConsumer {
  readonly geometry: ImageGeometry;
  /** Per pixel, the largest value over the channels; NaN where every channel is blank (once the first pass has ended). */
  readonly map: Float32Array;
  /** Per channel, the value at the peak pixel; filled by the second pass of a cube. */
  readonly spectrum: Float64Array;
  private peakIndex = -1;
  private peakValue = Number.NEGATIVE_INFINITY;
  private peakChannel = 0;
  private spectrumDone = false;
  private planesSeen = 0;

  constructor(geometry: ImageGeometry) {
    this.geometry = geometry;
    // -Infinity until the first pass ends, so the inner loop is a single comparison (NaN never wins it).
    this.map = new Float32Array(geometry.width * geometry.height).fill(Number.NEGATIVE_INFINITY);
    this.spectrum = new Float64Array(geometry.channels).fill(Number.NaN);
  }

  get isCube(): boolean {
    return this.geometry.channels > 1;
  }

  /** The brightest pixel of the peak map; `undefined` if every pixel is blank. */
  get peak(): MapPeak | undefined {
    if (this.peakIndex < 0) return undefined;
    const w = this.geometry.width;
    return { x: this.peakIndex % w, y: Math.floor(this.peakIndex / w), channel: this.peakChannel, value: this.peakValue };
  }

  /** Whether the spectrum at the peak has been read (cubes with a peak only). */
  get hasSpectrum(): boolean {
    return this.spectrumDone;
  }

  consume(plane: FitsPlane, pass: number): void {
    const channel = planeChannel(this.geometry, plane.coords);
    if (channel === undefined) return;
    if (pass === 0) {
      this.planesSeen += 1;
      this.accumulate(plane.data, channel);
    } else if (pass === 1 && this.isCube && this.peakIndex >= 0 && !this.spectrumDone) {
      this.spectrum[channel] = plane.data[this.peakIndex] ?? Number.NaN;
    }
  }

  private accumulate(data: ArrayLike<number>, channel: number): void {
    const map = this.map;
    const n = map.length;
    let best = this.peakValue;
    let bestIndex = -1;
    for (let i = 0; i < n; i += 1) {
      const v = data[i] as number;
      // NaN fails every comparison, so blank pixels never replace a value.
      if (v > (map[i] as number)) map[i] = v;
      if (v > best) {
        best = v;
        bestIndex = i;
      }
    }
    if (bestIndex >= 0) {
      this.peakValue = best;
      this.peakIndex = bestIndex;
      this.peakChannel = channel;
      if (!this.isCube) this.spectrum[0] = best;
    }
  }

  endPass(pass: number): boolean {
    if (pass === 0) {
      // Pixels blank in every channel are blank on the map.
      const map = this.map;
      for (let i = 0; i < map.length; i += 1) if (map[i] === Number.NEGATIVE_INFINITY) map[i] = Number.NaN;
      // The spectrum at the peak needs the peak first: one more pass, shared with whoever else reads.
      return this.isCube && this.peakIndex >= 0;
    }
    if (pass === 1 && this.isCube && this.peakIndex >= 0) this.spectrumDone = true;
    return false;
  }
}
