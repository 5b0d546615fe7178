/**
 * What the analysis needs to know about a cube's axes, read once from its header: which
 * plane coordinate is the channel and which the Stokes parameter (only Stokes I planes are
 * analysed), the frequency of every channel, the pixel size and the beam. Pure: header
 * values in, values out.
 */
import { ErrorCode, ReimageError } from "../domain/index.js";
import type { FitsHduInfo } from "../fits/reader.js";
import { headerNumber, headerString } from "../fits/header.js";
import { SPEED_OF_LIGHT } from "../fits/wcs/spectral.js";
import { pixelToWorld, spectralFrequency, type Wcs } from "../fits/wcs/wcs.js";

export interface Beam {
  /** FWHM, arcsec. */
  readonly major: number;
  readonly minor: number;
  /** Position angle, degrees east of north. */
  readonly pa: number;
}

export interface CubeGeometry {
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  /** Index into a plane's `coords` of the spectral axis. */
  readonly spectralCoord: number;
  /** Index into a plane's `coords` of the Stokes axis, and which index along it is analysed (I, or the first). */
  readonly stokesCoord: number | undefined;
  readonly stokesPlane: number;
  /** Frequency of every channel, Hz (the frame is the header's SPECSYS). */
  readonly frequencies: Float64Array;
  readonly specsys: string | undefined;
  /** The header's rest frequency, Hz, if it has one. */
  readonly restFrequency: number | undefined;
  /** Pixel size, arcsec (|CDELT| of the latitude axis as the WCS gives it). */
  readonly pixelArcsec: number;
  readonly beam: Beam | undefined;
  readonly bunit: string;
}

function bad(message: string): ReimageError {
  return new ReimageError(ErrorCode.BadInput, message);
}

/** Channel frequencies from the WCS at the reference pixel of the other axes. */
function channelFrequencies(wcs: Wcs, spectralAxis: number, channels: number): Float64Array {
  const frequencies = new Float64Array(channels);
  const pixel = wcs.crpix.map((p) => p - 1);
  for (let c = 0; c < channels; c += 1) {
    pixel[spectralAxis] = c;
    frequencies[c] = spectralFrequency(wcs, pixelToWorld(wcs, pixel)[spectralAxis] ?? Number.NaN);
  }
  return frequencies;
}

export function cubeGeometry(hdu: FitsHduInfo, wcs: Wcs, path: string): CubeGeometry {
  const width = hdu.axes[0] ?? 0;
  const height = hdu.axes[1] ?? 0;
  const spectralAxis = wcs.spectral?.axis;
  if (spectralAxis === undefined || spectralAxis < 2 || spectralAxis >= hdu.axes.length) {
    throw bad(`${path}: not a cube: no spectral axis (FREQ, VRAD, VOPT or VELO) among axes 3 and up`);
  }
  const channels = hdu.axes[spectralAxis] ?? 0;
  if (channels < 2) throw bad(`${path}: the spectral axis has ${channels} channel(s); a cube needs at least 2`);
  let stokesCoord: number | undefined;
  let stokesPlane = 0;
  for (let axis = 2; axis < hdu.axes.length; axis += 1) {
    if ((headerString(hdu.header, `CTYPE${axis + 1}`) ?? "").trim().toUpperCase() !== "STOKES") continue;
    stokesCoord = axis - 2;
    const crval = headerNumber(hdu.header, `CRVAL${axis + 1}`) ?? 1;
    const cdelt = headerNumber(hdu.header, `CDELT${axis + 1}`) ?? 1;
    const crpix = headerNumber(hdu.header, `CRPIX${axis + 1}`) ?? 1;
    const codes = Array.from({ length: hdu.axes[axis] ?? 1 }, (_, p) => Math.round(crval + cdelt * (p + 1 - crpix)));
    stokesPlane = Math.max(0, codes.indexOf(1));
  }
  const lat = wcs.celestial?.latAxis ?? 1;
  const cdeltLat = Math.hypot(...Array.from({ length: wcs.naxis }, (_, j) => wcs.matrix[lat * wcs.naxis + j] ?? 0));
  const bmaj = headerNumber(hdu.header, "BMAJ");
  const bmin = headerNumber(hdu.header, "BMIN");
  const beam = bmaj !== undefined && bmin !== undefined && bmaj > 0 && bmin > 0 ? { major: bmaj * 3600, minor: bmin * 3600, pa: headerNumber(hdu.header, "BPA") ?? 0 } : undefined;
  return {
    width,
    height,
    channels,
    spectralCoord: spectralAxis - 2,
    stokesCoord,
    stokesPlane,
    frequencies: channelFrequencies(wcs, spectralAxis, channels),
    specsys: wcs.spectral?.specsys,
    restFrequency: wcs.spectral?.restFrequency,
    pixelArcsec: cdeltLat * 3600,
    beam,
    bunit: (headerString(hdu.header, "BUNIT") ?? "").trim(),
  };
}

/** The channel of a plane, or `undefined` for a plane of another Stokes parameter. */
export function planeChannel(geometry: CubeGeometry, coords: readonly number[]): number | undefined {
  if (geometry.stokesCoord !== undefined && coords[geometry.stokesCoord] !== geometry.stokesPlane) return undefined;
  return coords[geometry.spectralCoord];
}

/** Beam area in pixels (Gaussian: pi/(4 ln 2) x major x minor), to turn a sum of Jy/beam into Jy. */
export function beamAreaPixels(geometry: CubeGeometry): number | undefined {
  if (geometry.beam === undefined || !(geometry.pixelArcsec > 0)) return undefined;
  return (Math.PI / (4 * Math.LN2)) * (geometry.beam.major / geometry.pixelArcsec) * (geometry.beam.minor / geometry.pixelArcsec);
}

/** Radio-convention velocity, km/s, of a frequency relative to a rest frequency. */
export function radioVelocity(frequency: number, restFrequency: number): number {
  return (SPEED_OF_LIGHT * (1 - frequency / restFrequency)) / 1000;
}

/** Optical-convention velocity (cz), km/s. */
export function opticalVelocity(frequency: number, restFrequency: number): number {
  return (SPEED_OF_LIGHT * (restFrequency / frequency - 1)) / 1000;
}

/** The frequency a rest frequency is observed at for a radio-convention velocity, km/s. */
export function observedFrequency(restFrequency: number, radioVelocityKms: number): number {
  return restFrequency * (1 - (radioVelocityKms * 1000) / SPEED_OF_LIGHT);
}
