/**
 * The footprint of an image: where on the sky it holds data. The valid-pixel mask (finite
 * in any plane; for a primary-beam image, also at or above the primary-beam limit) is
 * gathered as a plane consumer in the shared read of the file, so memory stays one 2-D
 * mask whatever the cube's size. From the mask: the outline polygons in pixels, those
 * polygons on the sky in ICRS, the ObsCore `s_region`, and the MOC at the order of the
 * image's pixel size.
 */
import { ErrorCode, ReimageError } from "../../domain/index.js";
import type { PixelArray } from "../../fits/decode.js";
import type { FitsPlane } from "../../fits/reader.js";
import { convertFrame } from "../../fits/wcs/celestial.js";
import { pixelToWorld, type Wcs } from "../../fits/wcs/wcs.js";
import { mocOfSkyRegion, mocOrderForPixelArea } from "../moc/coverage.js";
import { writeMocFits } from "../moc/moc-fits.js";
import { formatMocAscii, normalizeMoc, type Moc } from "../moc/moc.js";
import type { PlaneConsumer } from "../plane-pass.js";
import { outlineValidPixels, type OutlineOptions, type Ring, type ValidMask } from "./outline.js";
import { formatStcsPolygons, type SkyPolygon } from "./stc-s.js";

/** Primary-beam images (`.pb`) are valid where the beam response reaches this (the ALMA pipeline's 0.2). */
export const DEFAULT_PB_LIMIT = 0.2;

export interface FootprintOptions extends OutlineOptions {
  /** Image size (NAXIS1, NAXIS2). */
  readonly width: number;
  readonly height: number;
  readonly wcs: Wcs;
  /** Pixels below this value are invalid too: for primary-beam images. */
  readonly pbLimit?: number;
  /** MOC order; by default the deepest whose cells are no smaller than a pixel. */
  readonly mocOrder?: number;
  /** Where `finish()` writes the MOC's FITS serialisation; nothing is written without it. */
  readonly mocFitsPath?: string;
}

export interface Footprint {
  readonly validPixels: number;
  /** ObsCore `s_region`; `null` when no pixel is valid. */
  readonly sRegion: string | null;
  /** Outer rings and holes, [ra, dec] in degrees (ICRS), counter-clockwise on the sky. */
  readonly polygons: readonly SkyPolygon[];
  readonly moc: { readonly order: number; readonly ascii: string; readonly cells: number };
  readonly mocFitsPath: string | undefined;
}

export interface FootprintConsumer extends PlaneConsumer {
  readonly mask: ValidMask;
  /** Outline, sky polygons, s_region and MOC from the mask; writes the MOC FITS file when asked. */
  finish(): Promise<Footprint>;
}

/**
 * Marks the finite pixels of a plane. `v - v === 0` is false for NaN and both infinities.
 * Four pixels at a time, one 32-bit word of the mask: a word already all valid is skipped
 * without reading the plane, so after the first channel of a cube only the blank pixels are
 * looked at again.
 */
function markFinite(data: PixelArray, valid: Uint8Array): void {
  const words = valid.length >> 2;
  const packed = new Uint32Array(valid.buffer, valid.byteOffset, words);
  for (let j = 0, i = 0; j < words; j += 1, i += 4) {
    if (packed[j] === 0x01010101) continue;
    const v0 = data[i] as number;
    const v1 = data[i + 1] as number;
    const v2 = data[i + 2] as number;
    const v3 = data[i + 3] as number;
    if (v0 - v0 === 0) valid[i] = 1;
    if (v1 - v1 === 0) valid[i + 1] = 1;
    if (v2 - v2 === 0) valid[i + 2] = 1;
    if (v3 - v3 === 0) valid[i + 3] = 1;
  }
  for (let i = words << 2; i < valid.length; i += 1) {
    const v = data[i] as number;
    if (v - v === 0) valid[i] = 1;
  }
}

/** Marks the pixels at or above a limit (a primary-beam image's cut). */
function markAtLeast(data: PixelArray, valid: Uint8Array, limit: number): void {
  for (let i = 0; i < valid.length; i += 1) {
    const v = data[i] as number;
    if (v >= limit && v - v === 0) valid[i] = 1;
  }
}

/** Accumulates the valid-pixel mask over the planes of the first pass. */
export function createValidMaskConsumer(width: number, height: number, pbLimit?: number): PlaneConsumer & { readonly mask: ValidMask } {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new ReimageError(ErrorCode.BadInput, `a valid-pixel mask needs a positive image size, got ${width} x ${height}`);
  }
  const valid = new Uint8Array(width * height);
  return {
    mask: { width, height, valid },
    consume(plane: FitsPlane, pass: number): void {
      if (pass !== 0) return;
      if (plane.width !== width || plane.height !== height || plane.data.length !== valid.length) {
        throw new ReimageError(ErrorCode.BadInput, `plane ${plane.index} is ${plane.width} x ${plane.height}, the footprint expects ${width} x ${height}`);
      }
      if (pbLimit === undefined) markFinite(plane.data, valid);
      else markAtLeast(plane.data, valid, pbLimit);
    },
    endPass(): boolean {
      return false;
    },
  };
}

/** The celestial pixel area of the WCS in deg^2 (|det| of its celestial 2x2 block). */
export function pixelAreaDeg2(wcs: Wcs): number {
  const c = celestialAxes(wcs);
  const n = wcs.naxis;
  const m = (i: number, j: number): number => wcs.matrix[i * n + j] ?? 0;
  return Math.abs(m(c.lonAxis, c.lonAxis) * m(c.latAxis, c.latAxis) - m(c.lonAxis, c.latAxis) * m(c.latAxis, c.lonAxis));
}

function celestialAxes(wcs: Wcs): NonNullable<Wcs["celestial"]> {
  const c = wcs.celestial;
  if (c === undefined) throw new ReimageError(ErrorCode.BadInput, `the image has no celestial axes (CTYPE ${wcs.ctype.join(", ")}), so no footprint on the sky`);
  if (!((c.lonAxis === 0 && c.latAxis === 1) || (c.lonAxis === 1 && c.latAxis === 0))) {
    throw new ReimageError(ErrorCode.BadInput, `the image plane is not the celestial plane (celestial axes ${c.lonAxis + 1} and ${c.latAxis + 1})`);
  }
  if (c.frame === undefined) throw new ReimageError(ErrorCode.BadInput, `celestial frame ${c.radesys} is not converted to ICRS (ICRS, FK5 J2000 and Galactic are)`);
  return c;
}

/** A pixel-coordinate ring on the sky, [ra, dec] ICRS in degrees. */
export function ringToSky(wcs: Wcs, ring: Ring): [number, number][] {
  const c = celestialAxes(wcs);
  const frame = c.frame;
  return ring.map(([x, y]) => {
    const pixel = new Array<number>(wcs.naxis).fill(0);
    pixel[0] = x;
    pixel[1] = y;
    const world = pixelToWorld(wcs, pixel);
    const lon = world[c.lonAxis] ?? Number.NaN;
    const lat = world[c.latAxis] ?? Number.NaN;
    if (!Number.isFinite(lon) || !Number.isFinite(lat)) throw new ReimageError(ErrorCode.BadInput, `outline vertex (${x}, ${y}) lies outside the projection`);
    if (frame === undefined || frame === "ICRS") return [lon, lat];
    const icrs = convertFrame(lon, lat, frame, "ICRS");
    return [icrs.lon, icrs.lat];
  });
}

/** Everything but the file: outline, sky polygons, `s_region` and MOC of a mask. */
export function footprintOfMask(mask: ValidMask, wcs: Wcs, options: OutlineOptions & { readonly mocOrder?: number } = {}): Omit<Footprint, "mocFitsPath"> & { readonly mocCells: Moc } {
  let validPixels = 0;
  for (const v of mask.valid) validPixels += v;
  const order = options.mocOrder ?? mocOrderForPixelArea(pixelAreaDeg2(wcs));
  const pixelPolygons = validPixels === 0 ? [] : outlineValidPixels(mask, options);
  const polygons: SkyPolygon[] = pixelPolygons.map((p) => ({ outer: ringToSky(wcs, p.outer), holes: p.holes.map((h) => ringToSky(wcs, h)) }));
  const rings = polygons.flatMap((p) => [p.outer, ...p.holes]);
  const moc = rings.length === 0 ? normalizeMoc(order, []) : mocOfSkyRegion(rings, order);
  return {
    validPixels,
    sRegion: polygons.length === 0 ? null : formatStcsPolygons(polygons),
    polygons,
    moc: { order, ascii: formatMocAscii(moc), cells: moc.cells.length },
    mocCells: moc,
  };
}

/** The footprint consumer for the shared plane passes. */
export function createFootprintConsumer(options: FootprintOptions): FootprintConsumer {
  const masker = createValidMaskConsumer(options.width, options.height, options.pbLimit);
  return {
    mask: masker.mask,
    consume: (plane, pass) => masker.consume(plane, pass),
    endPass: (pass) => masker.endPass(pass),
    async finish(): Promise<Footprint> {
      const { mocCells, ...footprint } = footprintOfMask(masker.mask, options.wcs, options);
      if (options.mocFitsPath !== undefined) await writeMocFits(options.mocFitsPath, mocCells);
      return { ...footprint, mocFitsPath: options.mocFitsPath };
    },
  };
}
