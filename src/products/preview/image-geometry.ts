/**
 * What a preview needs to know about an image's axes, read once from its header and WCS:
 * which plane coordinate is the spectral channel and which the Stokes parameter, which
 * planes make the map (Stokes I only), the sky at each map pixel, the frequency of each
 * channel, the beam. Pure: values in, values out.
 */
import type { BeamTable, FitsHduInfo } from "../../fits/reader.js";
import { headerNumber, headerString } from "../../fits/header.js";
import { angularSeparation } from "../../fits/wcs/celestial.js";
import { SPEED_OF_LIGHT } from "../../fits/wcs/spectral.js";
import { pixelToWorld, spectralFrequency, worldToPixel, type Wcs } from "../../fits/wcs/wcs.js";
import type { SkyAxisKind, SkyAt } from "./ticks.js";

export interface ImageGeometry {
  readonly width: number;
  readonly height: number;
  readonly planeCount: number;
  /** Index into a plane's `coords` of the spectral axis, if it is one of the higher axes. */
  readonly spectralCoord: number | undefined;
  /** Channels along the spectral axis (1 for an image). */
  readonly channels: number;
  /** Index into a plane's `coords` of the Stokes axis, and the index along it of the plane drawn (I, or the first). */
  readonly stokesCoord: number | undefined;
  readonly stokesPlane: number;
  /** Name of the Stokes parameter drawn, when the image has a Stokes axis. */
  readonly stokesName: string | undefined;
}

const STOKES_NAMES: Readonly<Record<number, string>> = { 1: "I", 2: "Q", 3: "U", 4: "V", [-1]: "RR", [-2]: "LL", [-3]: "RL", [-4]: "LR", [-5]: "XX", [-6]: "YY", [-7]: "XY", [-8]: "YX" };

function axisWorld(hdu: FitsHduInfo, axis: number, pixel: number): number {
  const crval = headerNumber(hdu.header, `CRVAL${axis + 1}`) ?? 0;
  const cdelt = headerNumber(hdu.header, `CDELT${axis + 1}`) ?? 1;
  const crpix = headerNumber(hdu.header, `CRPIX${axis + 1}`) ?? 1;
  return crval + cdelt * (pixel + 1 - crpix);
}

export function imageGeometry(hdu: FitsHduInfo, wcs: Wcs | undefined): ImageGeometry {
  const width = hdu.axes[0] ?? 0;
  const height = hdu.axes.length >= 2 ? (hdu.axes[1] ?? 0) : 1;
  const higher = hdu.axes.slice(2);
  const planeCount = hdu.axes.length === 0 ? 0 : higher.reduce((a, b) => a * b, 1);
  let stokesCoord: number | undefined;
  let stokesPlane = 0;
  let stokesName: string | undefined;
  for (let axis = 2; axis < hdu.axes.length; axis += 1) {
    if ((headerString(hdu.header, `CTYPE${axis + 1}`) ?? "").trim().toUpperCase() !== "STOKES") continue;
    stokesCoord = axis - 2;
    const size = hdu.axes[axis] ?? 1;
    const codes = Array.from({ length: size }, (_, p) => Math.round(axisWorld(hdu, axis, p)));
    const i = codes.indexOf(1);
    stokesPlane = i >= 0 ? i : 0;
    stokesName = STOKES_NAMES[codes[stokesPlane] ?? 0];
  }
  const spectralAxis = wcs?.spectral?.axis;
  let spectralCoord = spectralAxis !== undefined && spectralAxis >= 2 && spectralAxis < hdu.axes.length ? spectralAxis - 2 : undefined;
  // Without a recognised spectral axis, the first longer non-Stokes higher axis still counts as channels.
  spectralCoord ??= higher.findIndex((n, k) => n > 1 && k !== stokesCoord);
  if (spectralCoord < 0) spectralCoord = undefined;
  const channels = spectralCoord === undefined ? 1 : (higher[spectralCoord] ?? 1);
  return { width, height, planeCount, spectralCoord, channels, stokesCoord, stokesPlane, stokesName };
}

/** The channel a plane holds, or `undefined` if the plane is not part of the map (another Stokes, another index of an extra axis). */
export function planeChannel(geometry: ImageGeometry, coords: readonly number[]): number | undefined {
  for (let k = 0; k < coords.length; k += 1) {
    const c = coords[k] ?? 0;
    if (k === geometry.spectralCoord) continue;
    if (k === geometry.stokesCoord) {
      if (c !== geometry.stokesPlane) return undefined;
      continue;
    }
    if (c !== 0) return undefined;
  }
  return geometry.spectralCoord === undefined ? 0 : (coords[geometry.spectralCoord] ?? 0);
}

/** The full pixel vector of map pixel (x, y) in channel `channel` (0-based). */
export function pixelVector(geometry: ImageGeometry, wcs: Wcs, x: number, y: number, channel: number): number[] {
  const pixel = new Array<number>(wcs.naxis).fill(0);
  pixel[0] = x;
  if (wcs.naxis > 1) pixel[1] = y;
  if (geometry.spectralCoord !== undefined && geometry.spectralCoord + 2 < wcs.naxis) pixel[geometry.spectralCoord + 2] = channel;
  if (geometry.stokesCoord !== undefined && geometry.stokesCoord + 2 < wcs.naxis) pixel[geometry.stokesCoord + 2] = geometry.stokesPlane;
  return pixel;
}

/** The channel's frequency, Hz; `undefined` without a spectral axis that converts to frequency. */
export function channelFrequency(geometry: ImageGeometry, wcs: Wcs | undefined, channel: number): number | undefined {
  if (wcs?.spectral === undefined) return undefined;
  try {
    const world = pixelToWorld(wcs, pixelVector(geometry, wcs, 0, 0, channel));
    const f = spectralFrequency(wcs, world[wcs.spectral.axis] ?? Number.NaN);
    return Number.isFinite(f) ? f : undefined;
  } catch {
    // A velocity axis without a rest frequency has no frequency: the spectrum is drawn against channels.
    return undefined;
  }
}

/** The spectral world value of a channel in the axis's own kind (Hz or m/s); `undefined` without a spectral axis. */
export function channelSpectralValue(geometry: ImageGeometry, wcs: Wcs | undefined, channel: number): number | undefined {
  if (wcs?.spectral === undefined) return undefined;
  const v = pixelToWorld(wcs, pixelVector(geometry, wcs, 0, 0, channel))[wcs.spectral.axis];
  return v !== undefined && Number.isFinite(v) ? v : undefined;
}

/** Radio velocity (m/s) of a frequency with respect to a rest frequency. */
export function radioVelocity(frequency: number, rest: number): number {
  return SPEED_OF_LIGHT * (1 - frequency / rest);
}

export interface MapSky {
  readonly at: SkyAt;
  /** What the bottom (WCS axis 1) and left (axis 2) edges show. */
  readonly bottom: SkyAxisKind;
  readonly left: SkyAxisKind;
  readonly bottomTitle: string;
  readonly leftTitle: string;
  /** Angular size of one map pixel along x at the map centre, arcsec. */
  readonly pixelArcsec: number;
  /** Map-pixel offset of a small sky offset (arcsec east, arcsec north) at the map centre. */
  readonly offset: (eastArcsec: number, northArcsec: number) => { readonly dx: number; readonly dy: number };
}

/** The sky of the map, or `undefined` when the WCS has no celestial pair on the first two axes. */
export function mapSky(geometry: ImageGeometry, wcs: Wcs | undefined): MapSky | undefined {
  const c = wcs?.celestial;
  if (wcs === undefined || c === undefined || Math.min(c.lonAxis, c.latAxis) !== 0 || Math.max(c.lonAxis, c.latAxis) !== 1) return undefined;
  const at: SkyAt = (x, y) => {
    const world = pixelToWorld(wcs, pixelVector(geometry, wcs, x, y, 0));
    return { lon: world[c.lonAxis] ?? Number.NaN, lat: world[c.latAxis] ?? Number.NaN };
  };
  const cx = (geometry.width - 1) / 2;
  const cy = (geometry.height - 1) / 2;
  const centre = at(cx, cy);
  const next = at(cx + 1, cy);
  const pixelArcsec = angularSeparation(centre.lon, centre.lat, next.lon, next.lat) * 3600;
  const base = pixelToWorld(wcs, pixelVector(geometry, wcs, cx, cy, 0));
  const offset = (eastArcsec: number, northArcsec: number): { dx: number; dy: number } => {
    const world = [...base];
    world[c.lonAxis] = centre.lon + eastArcsec / 3600 / Math.cos((centre.lat * Math.PI) / 180);
    world[c.latAxis] = centre.lat + northArcsec / 3600;
    const p = worldToPixel(wcs, world);
    return { dx: (p[0] ?? Number.NaN) - cx, dy: (p[1] ?? Number.NaN) - cy };
  };
  const equatorial = c.radesys !== "GALACTIC" && c.radesys !== "ECLIPTIC";
  const lonKind: SkyAxisKind = equatorial ? "ra" : "lon-degrees";
  const latKind: SkyAxisKind = equatorial ? "dec" : "lat-degrees";
  const frameNote = c.radesys === "FK5" ? ` (FK5 J${String(c.equinox ?? 2000)})` : equatorial ? ` (${c.radesys})` : "";
  const lonTitle = equatorial ? `Right ascension${frameNote}` : c.radesys === "GALACTIC" ? "Galactic longitude" : "Ecliptic longitude";
  const latTitle = equatorial ? `Declination${frameNote}` : c.radesys === "GALACTIC" ? "Galactic latitude" : "Ecliptic latitude";
  const lonFirst = c.lonAxis === 0;
  return {
    at,
    bottom: lonFirst ? lonKind : latKind,
    left: lonFirst ? latKind : lonKind,
    bottomTitle: lonFirst ? lonTitle : latTitle,
    leftTitle: lonFirst ? latTitle : lonTitle,
    pixelArcsec,
    offset,
  };
}

export interface Beam {
  /** Full widths at half maximum, arcsec, and position angle east of north, degrees. */
  readonly majorArcsec: number;
  readonly minorArcsec: number;
  readonly positionAngle: number;
}

/**
 * The restoring beam of a channel: from CASA's per-plane BEAMS table when there is one (for
 * the Stokes plane drawn), else BMAJ/BMIN/BPA of the header; `undefined` if neither gives a
 * positive size (NEMO writes zeros).
 */
export function channelBeam(hdu: FitsHduInfo, geometry: ImageGeometry, beams: BeamTable | undefined, channel: number): Beam | undefined {
  if (beams !== undefined && beams.rows.length > 0) {
    const factor = (unit: string | undefined): number => {
      const u = (unit ?? "arcsec").trim().toLowerCase();
      return u === "deg" || u === "degree" || u === "degrees" ? 3600 : u === "arcmin" ? 60 : u === "rad" ? (180 / Math.PI) * 3600 : 1;
    };
    const row = beams.rows.find((r) => r.chan === channel && r.pol === geometry.stokesPlane) ?? beams.rows.find((r) => r.chan === channel) ?? beams.rows[0];
    if (row !== undefined && row.bmaj > 0) {
      const paFactor = (beams.units.bpa ?? "deg").trim().toLowerCase() === "rad" ? 180 / Math.PI : 1;
      return { majorArcsec: row.bmaj * factor(beams.units.bmaj), minorArcsec: row.bmin * factor(beams.units.bmin), positionAngle: row.bpa * paFactor };
    }
  }
  const bmaj = headerNumber(hdu.header, "BMAJ");
  const bmin = headerNumber(hdu.header, "BMIN");
  if (bmaj === undefined || !(bmaj > 0)) return undefined;
  return { majorArcsec: bmaj * 3600, minorArcsec: (bmin !== undefined && bmin > 0 ? bmin : bmaj) * 3600, positionAngle: headerNumber(hdu.header, "BPA") ?? 0 };
}

/**
 * The beam's outline in map pixels about its centre: `points` vertices of the ellipse on the
 * sky (position angle from north through east), carried into pixels by the WCS at the map
 * centre, so flipped, rotated and non-square pixels come out right.
 */
export function beamOutline(beam: Beam, sky: MapSky, points = 96): { dx: number; dy: number }[] {
  const a = beam.majorArcsec / 2;
  const b = beam.minorArcsec / 2;
  const pa = (beam.positionAngle * Math.PI) / 180;
  // Unit vectors (east, north) of the major and minor axes.
  const major = { e: Math.sin(pa), n: Math.cos(pa) };
  const minor = { e: Math.cos(pa), n: -Math.sin(pa) };
  // The WCS is locally linear over a beam: take its Jacobian once, from offsets of one beam size.
  const unit = Math.max(a, 1e-6);
  const east = sky.offset(unit, 0);
  const north = sky.offset(0, unit);
  const outline: { dx: number; dy: number }[] = [];
  for (let i = 0; i < points; i += 1) {
    const t = (2 * Math.PI * i) / points;
    const e = (a * Math.cos(t) * major.e + b * Math.sin(t) * minor.e) / unit;
    const n = (a * Math.cos(t) * major.n + b * Math.sin(t) * minor.n) / unit;
    outline.push({ dx: e * east.dx + n * north.dx, dy: e * east.dy + n * north.dy });
  }
  return outline;
}

/** The ALMA receiver band of a frequency (ALMA Technical Handbook, Cycle 12, table 4.1); Band 3 wins its overlap with the new Band 2. */
export function almaBand(frequencyHz: number): number | undefined {
  const ghz = frequencyHz / 1e9;
  const bands: readonly (readonly [number, number, number])[] = [
    [3, 84, 116],
    [1, 35, 50],
    [2, 67, 116],
    [4, 125, 163],
    [5, 158, 211],
    [6, 211, 275],
    [7, 275, 373],
    [8, 385, 500],
    [9, 602, 720],
    [10, 787, 950],
  ];
  return bands.find(([, lo, hi]) => ghz >= lo && ghz <= hi)?.[0];
}
