/**
 * The statistics of one FITS image as a product reports them: the streamed statistics
 * (image-statistics.ts) with the peak placed on the sky, the beam, and the two figures of
 * merit, defined once here and in the README:
 *
 * - fiducial rms: 1.4826 MAD of every finite pixel of the image as stored (all planes of a
 *   cube). ALMA images are blanked (NaN) outside the primary-beam limit, so these are the
 *   pixels inside it; the MAD is insensitive to the source as long as it covers well under
 *   half of them. On a primary-beam-corrected image (`pbcor`) the noise rises towards the
 *   edge and this figure is larger than the noise at the centre: the flag says so, and the
 *   campaign prefers the flat-noise image when it has both.
 * - dynamic range: peak / fiducial rms, the peak being the maximum pixel of the same image.
 *
 * Neither is given for images that are not sky brightness (primary beam, PSF, mask, model,
 * weights, sumwt, spectral index): their pixels are not signal over noise.
 */
import { basename } from "node:path";
import { headerString } from "../../fits/header.js";
import type { BeamTable, FitsHduInfo, ImageLayout } from "../../fits/reader.js";
import { pixelToWorld, type Wcs } from "../../fits/wcs/wcs.js";
import { channelBeam, imageGeometry, type Beam } from "../preview/image-geometry.js";
import type { ImageStatisticsCore, PlaneStatistics } from "./image-statistics.js";

/** What kind of image a file holds, from ALMA and CASA file names. */
export type ImageRole = "sky" | "sky-pbcor" | "primary-beam" | "auxiliary";

export function imageRole(path: string): ImageRole {
  const name = basename(path).toLowerCase();
  if (/\.pb(\.tt\d+)?\.fits(\.gz)?$/.test(name)) return "primary-beam";
  if (/\.(psf|mask|model|weight|sumwt|residual|alpha|alpha\.error|beta)(\.tt\d+)?\.fits(\.gz)?$/.test(name)) return "auxiliary";
  if (/\.pbcor(\.tt\d+)?\.fits(\.gz)?$/.test(name) || /\.pbcor\./.test(name)) return "sky-pbcor";
  return "sky";
}

/** JSON has no NaN: a statistic of nothing is null. */
export type Stat = number | null;

function stat(value: number | undefined): Stat {
  return value === undefined || !Number.isFinite(value) ? null : value;
}

export interface PeakSummary {
  readonly value: number;
  /** 0-based pixel indices along every axis (x, y, then the higher axes). */
  readonly pixel: readonly number[];
  /** World coordinates along every axis (deg for RA/Dec, Hz or m/s for spectral), when the WCS allows. */
  readonly world: readonly number[] | null;
}

export interface PlaneSummary {
  readonly plane: number;
  /** 0-based indices along NAXIS3, NAXIS4, ... */
  readonly coords: readonly number[];
  readonly validPixels: number;
  readonly min: Stat;
  readonly max: Stat;
  readonly mean: Stat;
  readonly std: Stat;
  readonly median: Stat;
  readonly mad: Stat;
  readonly rmsMad: Stat;
  readonly rmsClipped: Stat;
  /** The first maximum's pixel (x, y) in the plane. */
  readonly peakPixel: readonly [number, number] | null;
  readonly beam: Beam | null;
}

export interface ImageStatisticsSummary {
  readonly role: ImageRole;
  readonly unit: string | null;
  readonly validPixels: number;
  readonly totalPixels: number;
  readonly min: Stat;
  readonly max: Stat;
  readonly mean: Stat;
  readonly std: Stat;
  readonly median: Stat;
  readonly mad: Stat;
  readonly rmsMad: Stat;
  readonly rmsClipped: Stat;
  readonly clipRounds: number;
  readonly peak: PeakSummary | null;
  /** BMAJ/BMIN/BPA of the header, else CASA's BEAMS row of the peak's plane. */
  readonly beam: Beam | null;
  readonly fiducialRms: Stat;
  readonly dynamicRange: Stat;
  readonly planes: readonly PlaneSummary[];
  /** Passes over the file the statistics needed. */
  readonly passes: number;
}

export interface SummaryInput {
  readonly file: string;
  readonly hdu: FitsHduInfo;
  readonly layout: ImageLayout;
  readonly wcs: Wcs | undefined;
  readonly beams: BeamTable | undefined;
}

function planeCoords(index: number, higherAxes: readonly number[]): number[] {
  const coords: number[] = [];
  let rest = index;
  for (const n of higherAxes) {
    coords.push(rest % n);
    rest = Math.floor(rest / n);
  }
  return coords;
}

export function summarizeStatistics(input: SummaryInput, core: ImageStatisticsCore): ImageStatisticsSummary {
  const { hdu, layout, wcs, beams } = input;
  const geometry = imageGeometry(hdu, wcs);
  const beamOf = (coords: readonly number[]): Beam | null => {
    const channel = geometry.spectralCoord === undefined ? 0 : (coords[geometry.spectralCoord] ?? 0);
    const pol = geometry.stokesCoord === undefined ? geometry.stokesPlane : (coords[geometry.stokesCoord] ?? 0);
    return channelBeam(hdu, { ...geometry, stokesPlane: pol }, beams, channel) ?? null;
  };
  const planes = core.planes.map((p: PlaneStatistics): PlaneSummary => {
    const coords = planeCoords(p.plane, layout.higherAxes);
    return {
      plane: p.plane,
      coords,
      validPixels: p.count,
      min: stat(p.min),
      max: stat(p.max),
      mean: stat(p.mean),
      std: stat(p.std),
      median: stat(p.median),
      mad: stat(p.mad),
      rmsMad: stat(p.rmsMad),
      rmsClipped: stat(p.rmsClipped),
      peakPixel: p.maxIndex < 0 ? null : [p.maxIndex % layout.width, Math.floor(p.maxIndex / layout.width)],
      beam: beams !== undefined ? beamOf(coords) : null,
    };
  });
  let peak: PeakSummary | null = null;
  if (core.peak !== undefined) {
    const pixel = [core.peak.index % layout.width, Math.floor(core.peak.index / layout.width), ...planeCoords(core.peak.plane, layout.higherAxes)].slice(0, Math.max(hdu.axes.length, 1));
    let world: number[] | null = null;
    if (wcs !== undefined && wcs.naxis === pixel.length) {
      const w = pixelToWorld(wcs, pixel);
      world = w.every(Number.isFinite) ? w : null;
    }
    peak = { value: core.peak.value, pixel, world };
  }
  const role = imageRole(input.file);
  const beam = peak !== null ? beamOf(peak.pixel.slice(2)) : beamOf([]);
  const science = role === "sky" || role === "sky-pbcor";
  const fiducialRms = science ? stat(core.rmsMad) : null;
  const dynamicRange = science && fiducialRms !== null && fiducialRms > 0 && peak !== null ? peak.value / fiducialRms : null;
  return {
    role,
    unit: headerString(hdu.header, "BUNIT")?.trim() ?? null,
    validPixels: core.count,
    totalPixels: layout.planePixels * layout.planeCount,
    min: stat(core.min),
    max: stat(core.max),
    mean: stat(core.mean),
    std: stat(core.std),
    median: stat(core.median),
    mad: stat(core.mad),
    rmsMad: stat(core.rmsMad),
    rmsClipped: stat(core.rmsClipped),
    clipRounds: core.clipRounds,
    peak,
    beam,
    fiducialRms,
    dynamicRange,
    planes,
    passes: core.passes,
  };
}
