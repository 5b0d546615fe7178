/**
 * Spherical rotations between native and celestial coordinates (Paper II section 2.3), and
 * between the celestial frames ALMA products use: ICRS, FK5 (equinox J2000) and Galactic.
 * Angles come back from atan2 of vector components, never from asin, so points a few mas
 * from the reference point keep their precision.
 */
import { ErrorCode, ReimageError } from "../../domain/index.js";
import { D2R, R2D } from "./projections.js";

/** The celestial pole of the native system and the native longitude of the celestial pole. */
export interface SphereRotation {
  /** alpha_p, delta_p: celestial coordinates of the native pole, degrees. */
  readonly alphaP: number;
  readonly deltaP: number;
  /** phi_p: native longitude of the celestial pole (LONPOLE), degrees. */
  readonly phiP: number;
}

/** Wraps a longitude into [0, 360). */
export function normalizeLongitude(lon: number): number {
  const wrapped = lon % 360;
  return wrapped < 0 ? wrapped + 360 : wrapped === 360 ? 0 : wrapped;
}

/**
 * Computes (alpha_p, delta_p) from the reference point (Paper II eqs. 8-10, as wcslib's
 * celset): for theta0 = 90 the reference point is the native pole; otherwise of the two
 * solutions for delta_p the one nearer LATPOLE wins.
 */
export function sphereRotation(
  alpha0: number,
  delta0: number,
  phi0: number,
  theta0: number,
  phiP: number,
  latpole: number,
): SphereRotation {
  if (theta0 === 90) return { alphaP: alpha0, deltaP: delta0, phiP };
  const sthe0 = Math.sin(theta0 * D2R);
  const cthe0 = Math.cos(theta0 * D2R);
  const sdphi = Math.sin((phiP - phi0) * D2R);
  const cdphi = Math.cos((phiP - phi0) * D2R);
  const sdel0 = Math.sin(delta0 * D2R);
  const cdel0 = Math.cos(delta0 * D2R);
  const x = cthe0 * cdphi;
  const y = sthe0;
  const z = Math.hypot(x, y);
  let deltaP: number;
  if (z === 0) {
    if (delta0 !== 0) throw new ReimageError(ErrorCode.BadInput, `no celestial pole for CRVAL latitude ${delta0} with LONPOLE ${phiP}`);
    deltaP = latpole;
  } else {
    const slat = sdel0 / z;
    if (Math.abs(slat) > 1 + 1e-12) throw new ReimageError(ErrorCode.BadInput, `no celestial pole for CRVAL latitude ${delta0} with LONPOLE ${phiP}`);
    const u = Math.atan2(y, x) * R2D;
    const v = Math.acos(Math.max(-1, Math.min(1, slat))) * R2D;
    const candidates = [u + v, u - v].map((d) => (d > 180 ? d - 360 : d < -180 ? d + 360 : d)).filter((d) => Math.abs(d) <= 90 + 1e-12);
    const first = candidates[0];
    if (first === undefined) throw new ReimageError(ErrorCode.BadInput, `no celestial pole within +-90 deg for CRVAL latitude ${delta0}`);
    const second = candidates[1];
    deltaP = second !== undefined && Math.abs(second - latpole) < Math.abs(first - latpole) ? second : first;
  }
  const cdelp = Math.cos(deltaP * D2R);
  // Reference point at a celestial pole: the native pole's longitude is free, take alpha0 (as wcslib).
  if (Math.abs(cdel0) < 1e-15) return { alphaP: alpha0, deltaP, phiP };
  // Native pole at a celestial pole (a CAR or other cylindrical map with CRVAL2 = 0): eq. 2 turns
  // into a pure longitude shift, fixed by the reference point (alpha0, delta0) at (phi0, theta0).
  if (Math.abs(cdelp) < 1e-15) return { alphaP: deltaP > 0 ? alpha0 + phiP - phi0 - 180 : alpha0 - phiP + phi0, deltaP, phiP };
  const alphaP =
    alpha0 - Math.atan2((sdphi * cthe0) / cdel0, (sthe0 - Math.sin(deltaP * D2R) * sdel0) / (cdelp * cdel0)) * R2D;
  return { alphaP, deltaP, phiP };
}

/** Native (phi, theta) to celestial (lon, lat), degrees; lon in [0, 360). Paper II eq. 2. */
export function nativeToCelestial(r: SphereRotation, phi: number, theta: number): { lon: number; lat: number } {
  const st = Math.sin(theta * D2R);
  const ct = Math.cos(theta * D2R);
  const sdp = Math.sin(r.deltaP * D2R);
  const cdp = Math.cos(r.deltaP * D2R);
  const dphi = (phi - r.phiP) * D2R;
  const x = st * cdp - ct * sdp * Math.cos(dphi);
  const y = -ct * Math.sin(dphi);
  const z = st * sdp + ct * cdp * Math.cos(dphi);
  return { lon: normalizeLongitude(r.alphaP + Math.atan2(y, x) * R2D), lat: Math.atan2(z, Math.hypot(x, y)) * R2D };
}

/** Celestial (lon, lat) to native (phi, theta), degrees; phi in (-180, 180]. Paper II eq. 5. */
export function celestialToNative(r: SphereRotation, lon: number, lat: number): { phi: number; theta: number } {
  const sd = Math.sin(lat * D2R);
  const cd = Math.cos(lat * D2R);
  const sdp = Math.sin(r.deltaP * D2R);
  const cdp = Math.cos(r.deltaP * D2R);
  const da = (lon - r.alphaP) * D2R;
  const x = sd * cdp - cd * sdp * Math.cos(da);
  const y = -cd * Math.sin(da);
  const z = sd * sdp + cd * cdp * Math.cos(da);
  let phi = r.phiP + Math.atan2(y, x) * R2D;
  phi = phi > 180 ? phi - 360 : phi <= -180 ? phi + 360 : phi;
  return { phi, theta: Math.atan2(z, Math.hypot(x, y)) * R2D };
}

// ---- frames ----

export const CelestialFrame = { ICRS: "ICRS", FK5: "FK5", Galactic: "GALACTIC" } as const;
export type CelestialFrame = (typeof CelestialFrame)[keyof typeof CelestialFrame];

type Matrix3 = readonly [number, number, number, number, number, number, number, number, number];

/** The passive rotation about an axis, as astropy's `rotation_matrix(angle, axis)`. */
function rotation(angleDeg: number, axis: "x" | "y" | "z"): Matrix3 {
  const c = Math.cos(angleDeg * D2R);
  const s = Math.sin(angleDeg * D2R);
  switch (axis) {
    case "x":
      return [1, 0, 0, 0, c, s, 0, -s, c];
    case "y":
      return [c, 0, -s, 0, 1, 0, s, 0, c];
    case "z":
      return [c, s, 0, -s, c, 0, 0, 0, 1];
  }
}

function multiply(a: Matrix3, b: Matrix3): Matrix3 {
  const m: number[] = [];
  for (let i = 0; i < 3; i += 1) {
    for (let j = 0; j < 3; j += 1) {
      let sum = 0;
      for (let k = 0; k < 3; k += 1) sum += (a[3 * i + k] ?? 0) * (b[3 * k + j] ?? 0);
      m.push(sum);
    }
  }
  return m as unknown as Matrix3;
}

function transpose(a: Matrix3): Matrix3 {
  return [a[0], a[3], a[6], a[1], a[4], a[7], a[2], a[5], a[8]];
}

/**
 * ICRS to FK5 J2000: the frame bias of Hipparcos, as astropy builds it
 * (`icrs_fk5_transforms.py`: eta0 = -19.9 mas, xi0 = 9.1 mas, da0 = -22.9 mas).
 */
const ICRS_TO_FK5 = multiply(multiply(rotation(19.9 / 3.6e6, "x"), rotation(9.1 / 3.6e6, "y")), rotation(-22.9 / 3.6e6, "z"));

/**
 * FK5 J2000 to Galactic, from the north Galactic pole and the longitude of the north
 * celestial pole in FK5 J2000 that astropy uses (`galactic.py`).
 */
const FK5_TO_GALACTIC = multiply(multiply(rotation(180 - 122.9319185680026, "z"), rotation(90 - 27.12825118085622, "y")), rotation(192.8594812065348, "z"));

const IDENTITY: Matrix3 = [1, 0, 0, 0, 1, 0, 0, 0, 1];

function toIcrs(frame: CelestialFrame): Matrix3 {
  switch (frame) {
    case "ICRS":
      return IDENTITY;
    case "FK5":
      return transpose(ICRS_TO_FK5);
    case "GALACTIC":
      return transpose(multiply(FK5_TO_GALACTIC, ICRS_TO_FK5));
  }
}

/** Converts a direction between frames; degrees in and out, lon in [0, 360). */
export function convertFrame(lon: number, lat: number, from: CelestialFrame, to: CelestialFrame): { lon: number; lat: number } {
  if (from === to) return { lon, lat };
  const m = multiply(transpose(toIcrs(to)), toIcrs(from));
  const cl = Math.cos(lat * D2R);
  const v = [cl * Math.cos(lon * D2R), cl * Math.sin(lon * D2R), Math.sin(lat * D2R)] as const;
  const x = m[0] * v[0] + m[1] * v[1] + m[2] * v[2];
  const y = m[3] * v[0] + m[4] * v[1] + m[5] * v[2];
  const z = m[6] * v[0] + m[7] * v[1] + m[8] * v[2];
  return { lon: normalizeLongitude(Math.atan2(y, x) * R2D), lat: Math.atan2(z, Math.hypot(x, y)) * R2D };
}

/** Angular distance between two directions, degrees (Vincenty's formula: stable at every scale). */
export function angularSeparation(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const dl = (lon2 - lon1) * D2R;
  const s1 = Math.sin(lat1 * D2R);
  const c1 = Math.cos(lat1 * D2R);
  const s2 = Math.sin(lat2 * D2R);
  const c2 = Math.cos(lat2 * D2R);
  const num = Math.hypot(c2 * Math.sin(dl), c1 * s2 - s1 * c2 * Math.cos(dl));
  return Math.atan2(num, s1 * s2 + c1 * c2 * Math.cos(dl)) * R2D;
}
