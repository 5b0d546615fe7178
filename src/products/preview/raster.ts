/**
 * A map turned into display pixels: resampled to the size it is shown at (nearest pixel
 * when enlarged, so map pixels stay visible as squares; the mean of the finite pixels of
 * each block when reduced), stretched, and coloured. Blank pixels (NaN: outside the
 * primary beam, masked) get a neutral grey that no colour map uses.
 */
import { colourIndex, type ColourMap } from "./colour-map.js";
import { stretchValue, type Stretch } from "./stretch.js";

/** Neutral grey for blank pixels (RGB). */
export const BLANK_RGB = [200, 200, 200] as const;

export interface MapRaster {
  readonly data: ArrayLike<number>;
  readonly width: number;
  readonly height: number;
}

/** Display size of a map whose longer side is shown at about `target` pixels. */
export function displayZoom(width: number, height: number, target: number, integerWhenEnlarging: boolean): number {
  const longer = Math.max(width, height, 1);
  if (longer <= target && integerWhenEnlarging) {
    // Whole-number enlargement keeps every map pixel the same size on the picture.
    const whole = Math.floor(target / longer);
    if (whole * longer >= 0.7 * target) return whole;
  }
  return target / longer;
}

/**
 * The value shown at each display pixel, row 0 at the top (north up when the map's y axis
 * points north): `Float32Array(displayWidth * displayHeight)`.
 */
export function resampleMap(map: MapRaster, zoom: number, displayWidth: number, displayHeight: number): Float32Array {
  const out = new Float32Array(displayWidth * displayHeight);
  for (let dy = 0; dy < displayHeight; dy += 1) {
    // Display row 0 is the map's top row (largest y).
    const y0 = (displayHeight - dy - 1) / zoom;
    const y1 = (displayHeight - dy) / zoom;
    for (let dx = 0; dx < displayWidth; dx += 1) {
      const x0 = dx / zoom;
      const x1 = (dx + 1) / zoom;
      let value: number;
      if (zoom >= 1) {
        const x = Math.min(map.width - 1, Math.floor((x0 + x1) / 2));
        const y = Math.min(map.height - 1, Math.floor((y0 + y1) / 2));
        value = map.data[y * map.width + x] ?? Number.NaN;
      } else {
        let sum = 0;
        let n = 0;
        const yEnd = Math.min(map.height, Math.ceil(y1 - 1e-9));
        const xEnd = Math.min(map.width, Math.ceil(x1 - 1e-9));
        for (let y = Math.floor(y0); y < yEnd; y += 1) {
          for (let x = Math.floor(x0); x < xEnd; x += 1) {
            const v = map.data[y * map.width + x] ?? Number.NaN;
            if (Number.isFinite(v)) {
              sum += v;
              n += 1;
            }
          }
        }
        value = n === 0 ? Number.NaN : sum / n;
      }
      out[dy * displayWidth + dx] = value;
    }
  }
  return out;
}

/** Colours display values into RGBA (alpha 255). Without a stretch (an all-blank map) everything is blank grey. */
export function colourize(values: Float32Array, stretch: Stretch | undefined, colourMap: ColourMap): Uint8ClampedArray {
  const rgba = new Uint8ClampedArray(values.length * 4);
  for (let i = 0; i < values.length; i += 1) {
    const v = values[i] ?? Number.NaN;
    const o = i * 4;
    if (stretch === undefined || !Number.isFinite(v)) {
      rgba[o] = BLANK_RGB[0];
      rgba[o + 1] = BLANK_RGB[1];
      rgba[o + 2] = BLANK_RGB[2];
    } else {
      const k = colourIndex(stretchValue(stretch, v)) * 3;
      rgba[o] = colourMap.rgb[k] ?? 0;
      rgba[o + 1] = colourMap.rgb[k + 1] ?? 0;
      rgba[o + 2] = colourMap.rgb[k + 2] ?? 0;
    }
    rgba[o + 3] = 255;
  }
  return rgba;
}
