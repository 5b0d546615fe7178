/**
 * World coordinate systems from FITS header values (Papers I-III): the linear transform
 * (CDELT with PC, CD, or legacy CROTA2), a celestial pair with its projection and
 * frame, and a linear spectral axis. World values are in degrees (celestial, longitude
 * in [0, 360)) and SI units (Hz, m/s) after CUNIT, as astropy reports them.
 *
 * Pixel coordinates are 0-based, like astropy's `origin=0`: the centre of the first pixel
 * is 0, which is FITS pixel 1.
 */
import { ErrorCode, ReimageError } from "../../domain/index.js";
import type { FitsValue } from "../header.js";
import { CelestialFrame, celestialToNative, nativeToCelestial, sphereRotation, type SphereRotation } from "./celestial.js";
import { deproject, isProjectionCode, nativeReference, project, R2D, type Projection } from "./projections.js";
import { spectralAxisType, toFrequency, type SpectralKind } from "./spectral.js";

export type HeaderValues = ReadonlyMap<string, FitsValue>;

export interface CelestialAxes {
  /** 0-based indices of the longitude and latitude axes. */
  readonly lonAxis: number;
  readonly latAxis: number;
  readonly projection: Projection;
  /** RADESYS (or the Galactic/ecliptic system) as resolved per Paper II; `undefined` if unknown (FK4...). */
  readonly frame: CelestialFrame | undefined;
  readonly radesys: string;
  readonly equinox: number | undefined;
  readonly rotation: SphereRotation;
  readonly lonpole: number;
  readonly latpole: number;
}

export interface SpectralAxis {
  readonly axis: number;
  readonly kind: SpectralKind;
  readonly restFrequency: number | undefined;
  readonly specsys: string | undefined;
}

export interface Wcs {
  readonly naxis: number;
  readonly ctype: readonly string[];
  /** Units of the world values: deg for celestial axes, Hz or m/s for spectral ones, CUNITi otherwise. */
  readonly cunit: readonly string[];
  /** 1-based, as in the header. */
  readonly crpix: readonly number[];
  /** In the world units above. */
  readonly crval: readonly number[];
  /** x = matrix (p - crpix), row-major naxis x naxis, units folded in. */
  readonly matrix: Float64Array;
  readonly inverse: Float64Array;
  readonly celestial: CelestialAxes | undefined;
  readonly spectral: SpectralAxis | undefined;
}

function badWcs(message: string): ReimageError {
  return new ReimageError(ErrorCode.BadFits, `WCS: ${message}`);
}

function num(values: HeaderValues, key: string): number | undefined {
  const v = values.get(key);
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  if (v === undefined || v === null) return undefined;
  throw badWcs(`${key} is not a number (${JSON.stringify(v)})`);
}

function str(values: HeaderValues, key: string): string | undefined {
  const v = values.get(key);
  return typeof v === "string" ? v.trim() : undefined;
}

/** Finds PCi_j / CDi_j in either spelling (CASA writes PC01_01). */
function matrixKeyword(values: HeaderValues, prefix: "PC" | "CD", i: number, j: number): number | undefined {
  return num(values, `${prefix}${i}_${j}`) ?? num(values, `${prefix}${String(i).padStart(2, "0")}_${String(j).padStart(2, "0")}`);
}

const CELESTIAL_UNITS: Readonly<Record<string, number>> = { deg: 1, degree: 1, degrees: 1, rad: R2D, arcmin: 1 / 60, arcsec: 1 / 3600, mas: 1 / 3.6e6 };
const FREQUENCY_UNITS: Readonly<Record<string, number>> = { hz: 1, khz: 1e3, mhz: 1e6, ghz: 1e9, thz: 1e12 };
const VELOCITY_UNITS: Readonly<Record<string, number>> = { "m/s": 1, "ms-1": 1, "m.s-1": 1, "km/s": 1e3, "kms-1": 1e3, "km.s-1": 1e3 };

function unitFactor(unit: string, table: Readonly<Record<string, number>>, fallback: string, axis: number): { factor: number; unit: string } {
  const key = unit.replaceAll(" ", "").toLowerCase();
  if (key === "") return { factor: 1, unit: fallback };
  const factor = table[key] ?? table[unit.replaceAll(" ", "")];
  if (factor === undefined) throw badWcs(`CUNIT${axis} ${JSON.stringify(unit)} is not a unit we convert (expected like ${fallback})`);
  return { factor, unit: fallback };
}

function invert(m: Float64Array, n: number): Float64Array {
  const a = Float64Array.from(m);
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i += 1) inv[i * n + i] = 1;
  for (let col = 0; col < n; col += 1) {
    let pivot = col;
    for (let r = col + 1; r < n; r += 1) if (Math.abs(a[r * n + col] ?? 0) > Math.abs(a[pivot * n + col] ?? 0)) pivot = r;
    const p = a[pivot * n + col] ?? 0;
    if (p === 0) throw badWcs("the linear transform (PC/CD with CDELT) is singular");
    for (let k = 0; k < n; k += 1) {
      const t = a[col * n + k] ?? 0;
      a[col * n + k] = a[pivot * n + k] ?? 0;
      a[pivot * n + k] = t;
      const u = inv[col * n + k] ?? 0;
      inv[col * n + k] = inv[pivot * n + k] ?? 0;
      inv[pivot * n + k] = u;
    }
    for (let k = 0; k < n; k += 1) {
      a[col * n + k] = (a[col * n + k] ?? 0) / p;
      inv[col * n + k] = (inv[col * n + k] ?? 0) / p;
    }
    for (let r = 0; r < n; r += 1) {
      if (r === col) continue;
      const f = a[r * n + col] ?? 0;
      if (f === 0) continue;
      for (let k = 0; k < n; k += 1) {
        a[r * n + k] = (a[r * n + k] ?? 0) - f * (a[col * n + k] ?? 0);
        inv[r * n + k] = (inv[r * n + k] ?? 0) - f * (inv[col * n + k] ?? 0);
      }
    }
  }
  return inv;
}

const LON_TYPES: Readonly<Record<string, string>> = { "RA--": "DEC-", GLON: "GLAT", ELON: "ELAT" };

/** Builds the WCS of an HDU from its header values (keyword -> value). */
export function wcsFromHeader(values: HeaderValues): Wcs {
  const naxis = num(values, "WCSAXES") ?? num(values, "NAXIS") ?? 0;
  if (!Number.isInteger(naxis) || naxis < 1) throw badWcs(`no axes (NAXIS/WCSAXES ${naxis})`);
  const ctype: string[] = [];
  const rawUnit: string[] = [];
  const crpix: number[] = [];
  const crval: number[] = [];
  const cdelt: number[] = [];
  for (let i = 1; i <= naxis; i += 1) {
    ctype.push(str(values, `CTYPE${i}`) ?? "");
    rawUnit.push(str(values, `CUNIT${i}`) ?? "");
    crpix.push(num(values, `CRPIX${i}`) ?? 0);
    crval.push(num(values, `CRVAL${i}`) ?? 0);
    cdelt.push(num(values, `CDELT${i}`) ?? 1);
  }
  const hasCd = [...values.keys()].some((k) => /^CD0*\d+_0*\d+$/.test(k));
  const hasPc = [...values.keys()].some((k) => /^PC0*\d+_0*\d+$/.test(k));
  const matrix = new Float64Array(naxis * naxis);
  for (let i = 0; i < naxis; i += 1) {
    for (let j = 0; j < naxis; j += 1) {
      let m: number;
      if (hasCd) m = matrixKeyword(values, "CD", i + 1, j + 1) ?? 0;
      else m = (cdelt[i] ?? 1) * (matrixKeyword(values, "PC", i + 1, j + 1) ?? (i === j ? 1 : 0));
      matrix[i * naxis + j] = m;
    }
  }

  // Celestial pair and its projection.
  let celestial: CelestialAxes | undefined;
  const lonAxis = ctype.findIndex((t) => LON_TYPES[t.slice(0, 4)] !== undefined && t.length === 8 && t[4] === "-");
  if (lonAxis >= 0) {
    const lonType = ctype[lonAxis] ?? "";
    const latPrefix = LON_TYPES[lonType.slice(0, 4)] ?? "";
    const latAxis = ctype.findIndex((t) => t.startsWith(latPrefix));
    if (latAxis < 0) throw badWcs(`${lonType} on axis ${lonAxis + 1} has no ${latPrefix} partner`);
    // Legacy CROTA2 (AIPS), used only without PC/CD: rotation of the latitude axis.
    const crota = num(values, `CROTA${latAxis + 1}`);
    if (!hasCd && !hasPc && crota !== undefined && crota !== 0) {
      const c = Math.cos((crota * Math.PI) / 180);
      const s = Math.sin((crota * Math.PI) / 180);
      const dl = cdelt[lonAxis] ?? 1;
      const db = cdelt[latAxis] ?? 1;
      matrix[lonAxis * naxis + lonAxis] = dl * c;
      matrix[lonAxis * naxis + latAxis] = -db * s;
      matrix[latAxis * naxis + lonAxis] = dl * s;
      matrix[latAxis * naxis + latAxis] = db * c;
    }
    let code = lonType.slice(5, 8);
    const delta0 = crval[latAxis] ?? 0;
    let xi = num(values, `PV${latAxis + 1}_1`) ?? 0;
    let eta = num(values, `PV${latAxis + 1}_2`) ?? 0;
    if (code === "NCP") {
      // NCP is SIN with xi = 0, eta = cot(delta0) (Paper II section 5.1.5).
      if (delta0 === 0) throw badWcs("NCP projection with CRVAL latitude 0");
      code = "SIN";
      xi = 0;
      eta = 1 / Math.tan((delta0 * Math.PI) / 180);
    }
    if (!isProjectionCode(code)) throw badWcs(`projection ${code} (CTYPE${lonAxis + 1} ${lonType}) is not supported; SIN, TAN, ARC, ZEA, STG, CAR and NCP are`);
    for (const axis of [lonAxis, latAxis]) {
      const { factor } = unitFactor(rawUnit[axis] ?? "", CELESTIAL_UNITS, "deg", axis + 1);
      crval[axis] = (crval[axis] ?? 0) * factor;
      for (let j = 0; j < naxis; j += 1) matrix[axis * naxis + j] = (matrix[axis * naxis + j] ?? 0) * factor;
      rawUnit[axis] = "deg";
    }
    const { phi0, theta0 } = nativeReference(code);
    const lonpole = num(values, "LONPOLE") ?? ((crval[latAxis] ?? 0) >= theta0 ? phi0 : phi0 + 180);
    const latpole = num(values, "LATPOLE") ?? 90;
    const rotation = sphereRotation(crval[lonAxis] ?? 0, crval[latAxis] ?? 0, phi0, theta0, lonpole, latpole);
    const equinox = num(values, "EQUINOX") ?? num(values, "EPOCH");
    let radesys = str(values, "RADESYS") ?? str(values, "RADECSYS") ?? "";
    if (lonType.startsWith("GLON")) radesys = "GALACTIC";
    else if (lonType.startsWith("ELON")) radesys = "ECLIPTIC";
    else if (radesys === "") radesys = equinox === undefined ? "ICRS" : equinox < 1984 ? "FK4" : "FK5";
    const frame: CelestialFrame | undefined =
      radesys === "ICRS" ? "ICRS" : radesys === "GALACTIC" ? "GALACTIC" : radesys === "FK5" && (equinox ?? 2000) === 2000 ? "FK5" : undefined;
    celestial = { lonAxis, latAxis, projection: { code, xi, eta }, frame, radesys, equinox, rotation: { ...rotation }, lonpole, latpole };
  }

  // Spectral axis.
  let spectral: SpectralAxis | undefined;
  const velref = num(values, "VELREF");
  for (let i = 0; i < naxis; i += 1) {
    const type = spectralAxisType(ctype[i] ?? "", velref);
    if (type === undefined) continue;
    const table = type.kind === "FREQ" ? FREQUENCY_UNITS : VELOCITY_UNITS;
    const { factor, unit } = unitFactor(rawUnit[i] ?? "", table, type.kind === "FREQ" ? "Hz" : "m/s", i + 1);
    crval[i] = (crval[i] ?? 0) * factor;
    for (let j = 0; j < naxis; j += 1) matrix[i * naxis + j] = (matrix[i * naxis + j] ?? 0) * factor;
    rawUnit[i] = unit;
    const rest = num(values, "RESTFRQ") ?? num(values, "RESTFREQ");
    spectral = { axis: i, kind: type.kind, restFrequency: rest, specsys: str(values, "SPECSYS") ?? type.specsys };
    break;
  }

  return { naxis, ctype, cunit: rawUnit, crpix, crval, matrix, inverse: invert(matrix, naxis), celestial, spectral };
}

function checkLength(wcs: Wcs, coords: readonly number[], what: string): void {
  if (coords.length !== wcs.naxis) throw new ReimageError(ErrorCode.BadInput, `${what} has ${coords.length} coordinates, the WCS has ${wcs.naxis} axes`);
}

/** 0-based pixel coordinates to world coordinates (deg, Hz, m/s...). */
export function pixelToWorld(wcs: Wcs, pixel: readonly number[]): number[] {
  checkLength(wcs, pixel, "pixel");
  const n = wcs.naxis;
  const world: number[] = [];
  for (let i = 0; i < n; i += 1) {
    let x = 0;
    for (let j = 0; j < n; j += 1) x += (wcs.matrix[i * n + j] ?? 0) * ((pixel[j] ?? 0) + 1 - (wcs.crpix[j] ?? 0));
    world.push(x);
  }
  const c = wcs.celestial;
  for (let i = 0; i < n; i += 1) {
    if (c !== undefined && (i === c.lonAxis || i === c.latAxis)) continue;
    world[i] = (wcs.crval[i] ?? 0) + (world[i] ?? 0);
  }
  if (c !== undefined) {
    const native = deproject(c.projection, world[c.lonAxis] ?? 0, world[c.latAxis] ?? 0);
    const sky = nativeToCelestial(c.rotation, native.phi, native.theta);
    world[c.lonAxis] = sky.lon;
    world[c.latAxis] = sky.lat;
  }
  return world;
}

/** World coordinates to 0-based pixel coordinates. */
export function worldToPixel(wcs: Wcs, world: readonly number[]): number[] {
  checkLength(wcs, world, "world");
  const n = wcs.naxis;
  const x: number[] = world.map((w, i) => w - (wcs.crval[i] ?? 0));
  const c = wcs.celestial;
  if (c !== undefined) {
    const native = celestialToNative(c.rotation, world[c.lonAxis] ?? 0, world[c.latAxis] ?? 0);
    const plane = project(c.projection, native.phi, native.theta);
    x[c.lonAxis] = plane.x;
    x[c.latAxis] = plane.y;
  }
  const pixel: number[] = [];
  for (let i = 0; i < n; i += 1) {
    let p = 0;
    for (let j = 0; j < n; j += 1) p += (wcs.inverse[i * n + j] ?? 0) * (x[j] ?? 0);
    pixel.push(p + (wcs.crpix[i] ?? 0) - 1);
  }
  return pixel;
}

/** The frequency (Hz) of a spectral world value on this WCS's spectral axis. */
export function spectralFrequency(wcs: Wcs, value: number): number {
  if (wcs.spectral === undefined) throw new ReimageError(ErrorCode.BadInput, "the WCS has no spectral axis");
  return toFrequency(value, wcs.spectral.kind, wcs.spectral.restFrequency);
}
