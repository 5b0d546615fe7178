/**
 * Synthetic FITS cubes whose content is known analytically, for the analysis tests and the
 * memory benchmark: an elliptical Gaussian source whose spectrum is a Gaussian line (and,
 * optionally, a flat continuum point source at the centre), plus Gaussian noise from a
 * seeded generator, on a SIN/FREQ/STOKES grid as CASA writes it. Planes are written one at
 * a time, so a cube of any size costs one plane of memory.
 */
import { createPlaneWriter } from "../../src/fits/writer.js";
import { SPEED_OF_LIGHT } from "../../src/fits/wcs/spectral.js";

export const CO10_REST_HZ = 115.271202e9;

export interface SyntheticLine {
  /** Rest frequency, Hz, and the source's radio velocity, km/s. */
  readonly restHz: number;
  readonly velocityKms: number;
  readonly fwhmKms: number;
  /** Peak, Jy/beam, at the source centre. */
  readonly peak: number;
}

export interface SyntheticCube {
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  /** Frequency of channel 0 and the step, Hz. */
  readonly frequency0: number;
  readonly channelHz: number;
  readonly pixelArcsec: number;
  /** Source shape (FWHM, arcsec; PA deg east of north), centred on pixel (width/2, height/2). */
  readonly major: number;
  readonly minor: number;
  readonly pa: number;
  readonly line: SyntheticLine | undefined;
  /** Flat continuum of a beam-sized source at the centre, Jy/beam. */
  readonly continuum: number;
  readonly noise: number;
  readonly seed: number;
  readonly beam: { readonly major: number; readonly minor: number; readonly pa: number };
}

/** The observed centre (Hz) and sigma (Hz) of the line, as casa-scripts/demo_archive.py makes it. */
export function lineInFrequency(line: SyntheticLine): { centre: number; sigma: number } {
  const centre = line.restHz * (1 - (line.velocityKms * 1000) / SPEED_OF_LIGHT);
  const sigma = ((line.fwhmKms * 1000) / SPEED_OF_LIGHT) * line.restHz / (2 * Math.sqrt(2 * Math.LN2));
  return { centre, sigma };
}

/** Mulberry32: a small seeded generator, so the same cube comes out every time. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussianNoise(next: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
}

/** Source shape at pixel (x, y), 1 at the centre. */
function shape(cube: SyntheticCube, major: number, minor: number, pa: number): Float64Array {
  const out = new Float64Array(cube.width * cube.height);
  const cx = cube.width / 2;
  const cy = cube.height / 2;
  const t = (pa * Math.PI) / 180;
  const sMaj = major / cube.pixelArcsec / 2.3548200450309493;
  const sMin = minor / cube.pixelArcsec / 2.3548200450309493;
  for (let y = 0; y < cube.height; y += 1) {
    for (let x = 0; x < cube.width; x += 1) {
      // East is -x (CDELT1 < 0), north +y; the major axis points at PA east of north.
      const east = -(x - cx);
      const north = y - cy;
      const along = east * Math.sin(t) + north * Math.cos(t);
      const across = east * Math.cos(t) - north * Math.sin(t);
      out[y * cube.width + x] = Math.exp(-0.5 * ((along / sMaj) ** 2 + (across / sMin) ** 2));
    }
  }
  return out;
}

export async function writeSyntheticCube(path: string, cube: SyntheticCube): Promise<void> {
  const writer = await createPlaneWriter(path, {
    axes: [cube.width, cube.height, cube.channels, 1],
    bitpix: -32,
    cards: [
      { keyword: "BMAJ", value: cube.beam.major / 3600 },
      { keyword: "BMIN", value: cube.beam.minor / 3600 },
      { keyword: "BPA", value: cube.beam.pa },
      { keyword: "BTYPE", value: "Intensity" },
      { keyword: "OBJECT", value: "SYNTH" },
      { keyword: "BUNIT", value: "Jy/beam" },
      { keyword: "RADESYS", value: "ICRS" },
      { keyword: "CTYPE1", value: "RA---SIN" },
      { keyword: "CRVAL1", value: 150.0 },
      { keyword: "CDELT1", value: -cube.pixelArcsec / 3600 },
      { keyword: "CRPIX1", value: cube.width / 2 + 1 },
      { keyword: "CUNIT1", value: "deg" },
      { keyword: "CTYPE2", value: "DEC--SIN" },
      { keyword: "CRVAL2", value: -30.0 },
      { keyword: "CDELT2", value: cube.pixelArcsec / 3600 },
      { keyword: "CRPIX2", value: cube.height / 2 + 1 },
      { keyword: "CUNIT2", value: "deg" },
      { keyword: "CTYPE3", value: "FREQ" },
      { keyword: "CRVAL3", value: cube.frequency0 },
      { keyword: "CDELT3", value: cube.channelHz },
      { keyword: "CRPIX3", value: 1 },
      { keyword: "CUNIT3", value: "Hz" },
      { keyword: "CTYPE4", value: "STOKES" },
      { keyword: "CRVAL4", value: 1 },
      { keyword: "CDELT4", value: 1 },
      { keyword: "CRPIX4", value: 1 },
      { keyword: "CUNIT4", value: "" },
      { keyword: "RESTFRQ", value: cube.line?.restHz ?? CO10_REST_HZ },
      { keyword: "SPECSYS", value: "LSRK" },
    ],
  });
  const source = shape(cube, cube.major, cube.minor, cube.pa);
  const point = shape(cube, cube.beam.major, cube.beam.minor, cube.beam.pa);
  const noise = gaussianNoise(random(cube.seed));
  const plane = new Float32Array(cube.width * cube.height);
  const profile = cube.line === undefined ? undefined : lineInFrequency(cube.line);
  try {
    for (let c = 0; c < cube.channels; c += 1) {
      const f = cube.frequency0 + c * cube.channelHz;
      const lineAmp = profile === undefined || cube.line === undefined ? 0 : cube.line.peak * Math.exp(-0.5 * ((f - profile.centre) / profile.sigma) ** 2);
      for (let i = 0; i < plane.length; i += 1) plane[i] = lineAmp * (source[i] ?? 0) + cube.continuum * (point[i] ?? 0) + cube.noise * noise();
      await writer.writePlane(plane);
    }
  } catch (caught) {
    await writer.abort();
    throw caught;
  }
  await writer.close();
}

/** The demo archive's single pointing (casa-scripts/demo_archive.py): CO(1-0) at cz 1700 km/s, FWHM 60 km/s, 30 mJy. */
export const DEMO_LINE: SyntheticLine = { restHz: CO10_REST_HZ, velocityKms: 1700, fwhmKms: 60, peak: 0.03 };

/** A small cube around the demo line: 10 km/s channels, the line 6 channels wide in the middle of 64. */
export function demoLikeCube(overrides: Partial<SyntheticCube> = {}): SyntheticCube {
  const centre = lineInFrequency(DEMO_LINE).centre;
  const channelHz = 3.9e6;
  return {
    width: 64,
    height: 64,
    channels: 64,
    frequency0: centre - 31.3 * channelHz,
    channelHz,
    pixelArcsec: 0.5,
    major: 6,
    minor: 3,
    pa: 30,
    line: DEMO_LINE,
    continuum: 0,
    noise: 0.002,
    seed: 42,
    beam: { major: 3, minor: 2, pa: 30 },
    ...overrides,
  };
}
