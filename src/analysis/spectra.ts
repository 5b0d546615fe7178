/**
 * Stage 2, spectra (ADMIT's CubeSpectrum and CubeSum): the spectrum at the most significant
 * pixel (highest signal-to-noise in any channel) and the spectrum integrated over the
 * source. The source is the connected region of the signal-to-noise map (each pixel's best
 * channel against that channel's rms) above a threshold that holds that pixel: where some
 * channel is significantly bright, line or continuum. Working in signal-to-noise keeps a
 * noisy band-edge channel from posing as the source. Summed Jy/beam become Jy by dividing by the
 * beam area in pixels.
 */
import type { FitsPlane } from "../fits/reader.js";
import type { PlaneConsumer } from "../products/plane-pass.js";
import { beamAreaPixels, planeChannel, type CubeGeometry } from "./cube-geometry.js";
import type { BrightestPixel } from "./cube-statistics.js";

export interface SourceMask {
  /** 1 inside the source, 0 outside, NAXIS1 x NAXIS2, x fastest. */
  readonly mask: Uint8Array;
  readonly pixels: number;
  /** The peak-map level that bounds it. */
  readonly threshold: number;
}

/**
 * The 4-connected region of `peakMap > threshold` that holds the seed pixel; just the seed
 * when the seed itself is below (a source-free cube still gets a spectrum).
 */
export function sourceMask(peakMap: Float32Array, width: number, height: number, seed: { x: number; y: number }, threshold: number): SourceMask {
  const mask = new Uint8Array(width * height);
  const start = seed.y * width + seed.x;
  mask[start] = 1;
  let pixels = 1;
  if (!((peakMap[start] ?? Number.NaN) > threshold)) return { mask, pixels, threshold };
  const stack = [start];
  while (stack.length > 0) {
    const at = stack.pop() ?? 0;
    const x = at % width;
    const y = Math.floor(at / width);
    const neighbours = [x > 0 ? at - 1 : -1, x < width - 1 ? at + 1 : -1, y > 0 ? at - width : -1, y < height - 1 ? at + width : -1];
    for (const n of neighbours) {
      if (n < 0 || mask[n] === 1 || !((peakMap[n] ?? Number.NaN) > threshold)) continue;
      mask[n] = 1;
      pixels += 1;
      stack.push(n);
    }
  }
  return { mask, pixels, threshold };
}

/**
 * The peak-map level that noise alone rarely reaches: the largest of `significance` sigma
 * and the expected maximum of N Gaussian channels plus 2 sigma (sqrt(2 ln N) + 2).
 */
export function sourceThreshold(noise: number, channels: number, significance: number): number {
  return noise * Math.max(significance, Math.sqrt(2 * Math.log(Math.max(2, channels))) + 2);
}

export interface Spectra {
  /** Value per channel at the most significant pixel, in the cube's unit. */
  readonly peakPixel: Float64Array;
  readonly peakPixelAt: { readonly x: number; readonly y: number };
  /** Sum over the source per channel: Jy when the cube is Jy/beam with a beam, else the plain sum. */
  readonly integrated: Float64Array;
  readonly integratedUnit: string;
  readonly sourcePixels: number;
}

export class SpectraConsumer implements PlaneConsumer {
  private readonly geometry: CubeGeometry;
  private readonly at: BrightestPixel;
  private readonly mask: SourceMask;
  private readonly peakPixel: Float64Array;
  private readonly sums: Float64Array;

  constructor(geometry: CubeGeometry, brightest: BrightestPixel, mask: SourceMask) {
    this.geometry = geometry;
    this.at = brightest;
    this.mask = mask;
    this.peakPixel = new Float64Array(geometry.channels).fill(Number.NaN);
    this.sums = new Float64Array(geometry.channels).fill(Number.NaN);
  }

  consume(plane: FitsPlane): void {
    const channel = planeChannel(this.geometry, plane.coords);
    if (channel === undefined) return;
    this.peakPixel[channel] = plane.data[this.at.y * plane.width + this.at.x] ?? Number.NaN;
    let sum = 0;
    let counted = 0;
    const mask = this.mask.mask;
    for (let i = 0; i < mask.length; i += 1) {
      if (mask[i] !== 1) continue;
      const v = plane.data[i] ?? Number.NaN;
      if (!Number.isFinite(v)) continue;
      sum += v;
      counted += 1;
    }
    this.sums[channel] = counted === 0 ? Number.NaN : sum;
  }

  endPass(): boolean {
    return false;
  }

  result(): Spectra {
    const area = beamAreaPixels(this.geometry);
    const perBeam = this.geometry.bunit.toUpperCase().replaceAll(" ", "") === "JY/BEAM";
    const integrated = perBeam && area !== undefined ? this.sums.map((s) => s / area) : this.sums;
    return {
      peakPixel: this.peakPixel,
      peakPixelAt: { x: this.at.x, y: this.at.y },
      integrated,
      integratedUnit: perBeam && area !== undefined ? "Jy" : `sum of ${this.geometry.bunit || "pixel values"}`,
      sourcePixels: this.mask.pixels,
    };
  }
}
