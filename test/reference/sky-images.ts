/**
 * Synthetic interferometer images that tests write for themselves: Gaussian noise (seeded,
 * so every run sees the same pixels), elliptical Gaussian sources, an optional line in
 * some channels, and NaN outside a primary-beam circle, as CASA writes a pb-limited image.
 * SIN projection, frequency and Stokes axes, ALMA-like header.
 */
import { createPlaneWriter, type CardInput } from "../../src/fits/writer.js";

/** mulberry32: a small seeded generator, enough for test noise. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function gaussianNoise(random: () => number): () => number {
  return () => {
    const u = Math.max(1e-12, random());
    const v = random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
}

export interface SkySource {
  /** 0-based pixel position. */
  readonly x: number;
  readonly y: number;
  /** Peak, data units. */
  readonly peak: number;
  /** FWHM along x and y, pixels. */
  readonly fwhmX: number;
  readonly fwhmY: number;
  /** Channels it shines in (all when absent), with a Gaussian line of this centre and FWHM (channels). */
  readonly line?: { readonly centre: number; readonly fwhm: number };
}

export interface SkyImageOptions {
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  readonly noise: number;
  readonly sources: readonly SkySource[];
  /** Pixels farther than this from the centre are NaN (primary-beam limit); none when absent. */
  readonly blankBeyond?: number;
  readonly seed?: number;
  /** Pixel size, arcsec. */
  readonly pixelArcsec?: number;
  readonly beam?: { readonly majorArcsec: number; readonly minorArcsec: number; readonly pa: number };
  readonly object?: string;
  readonly frequencyHz?: number;
  readonly channelHz?: number;
  /** Replaces the celestial and spectral axis cards (CTYPE1..4 and their CRVAL, CDELT, CRPIX, CUNIT), e.g. for a Galactic image. */
  readonly axisCards?: readonly CardInput[];
  readonly extraCards?: readonly CardInput[];
  /** EXTEND = T, for a BEAMS table appended after the image. */
  readonly extend?: boolean;
}

/** Writes the image and returns its planes' pixels as written (for expected values). */
export async function writeSkyImage(path: string, o: SkyImageOptions): Promise<Float32Array[]> {
  const pixel = (o.pixelArcsec ?? 0.2) / 3600;
  const defaultAxes: CardInput[] = [
    { keyword: "RADESYS", value: "ICRS" },
    { keyword: "CTYPE1", value: "RA---SIN" },
    { keyword: "CRVAL1", value: 187.70593076 },
    { keyword: "CDELT1", value: -pixel },
    { keyword: "CRPIX1", value: Math.floor(o.width / 2) + 1 },
    { keyword: "CUNIT1", value: "deg" },
    { keyword: "CTYPE2", value: "DEC--SIN" },
    { keyword: "CRVAL2", value: 12.39112324 },
    { keyword: "CDELT2", value: pixel },
    { keyword: "CRPIX2", value: Math.floor(o.height / 2) + 1 },
    { keyword: "CUNIT2", value: "deg" },
    { keyword: "CTYPE3", value: "FREQ" },
    { keyword: "CRVAL3", value: o.frequencyHz ?? 230.538e9 },
    { keyword: "CDELT3", value: o.channelHz ?? (o.channels > 1 ? 1.953125e6 : 2e9) },
    { keyword: "CRPIX3", value: 1 },
    { keyword: "CUNIT3", value: "Hz" },
    { keyword: "CTYPE4", value: "STOKES" },
    { keyword: "CRVAL4", value: 1 },
    { keyword: "CDELT4", value: 1 },
    { keyword: "CRPIX4", value: 1 },
  ];
  const cards: CardInput[] = [
    { keyword: "BUNIT", value: "Jy/beam" },
    { keyword: "BTYPE", value: "Intensity" },
    { keyword: "OBJECT", value: o.object ?? "Synthetic" },
    { keyword: "TELESCOP", value: "ALMA" },
    ...(o.axisCards ?? defaultAxes),
    { keyword: "RESTFRQ", value: o.frequencyHz ?? 230.538e9 },
    { keyword: "SPECSYS", value: "LSRK" },
    ...(o.beam === undefined
      ? []
      : [
          { keyword: "BMAJ", value: o.beam.majorArcsec / 3600 },
          { keyword: "BMIN", value: o.beam.minorArcsec / 3600 },
          { keyword: "BPA", value: o.beam.pa },
        ]),
    ...(o.extraCards ?? []),
  ];
  const writer = await createPlaneWriter(path, { axes: [o.width, o.height, o.channels, 1], bitpix: -32, cards, extend: o.extend ?? false });
  const noise = gaussianNoise(seededRandom(o.seed ?? 1));
  const planes: Float32Array[] = [];
  const k = 4 * Math.log(2);
  for (let c = 0; c < o.channels; c += 1) {
    const plane = new Float32Array(o.width * o.height);
    for (let y = 0; y < o.height; y += 1) {
      for (let x = 0; x < o.width; x += 1) {
        let v = o.noise * noise();
        for (const s of o.sources) {
          const spectral = s.line === undefined ? 1 : Math.exp((-k * (c - s.line.centre) ** 2) / s.line.fwhm ** 2);
          v += s.peak * spectral * Math.exp(-k * (((x - s.x) / s.fwhmX) ** 2 + ((y - s.y) / s.fwhmY) ** 2));
        }
        const r = Math.hypot(x - o.width / 2, y - o.height / 2);
        plane[y * o.width + x] = o.blankBeyond !== undefined && r > o.blankBeyond ? Number.NaN : v;
      }
    }
    await writer.writePlane(plane);
    planes.push(plane);
  }
  await writer.close();
  return planes;
}
