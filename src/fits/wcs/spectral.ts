/**
 * Spectral coordinates (FITS WCS Paper III, Greisen et al. 2006): frequency and the radio,
 * optical and relativistic velocity conventions, in SI units (Hz, m/s).
 */
import { ErrorCode, ReimageError } from "../../domain/index.js";

/** Speed of light, m/s (exact, SI). */
export const SPEED_OF_LIGHT = 299_792_458;

export const SpectralKind = { Frequency: "FREQ", RadioVelocity: "VRAD", OpticalVelocity: "VOPT", Velocity: "VELO" } as const;
export type SpectralKind = (typeof SpectralKind)[keyof typeof SpectralKind];

export interface SpectralAxisType {
  readonly kind: SpectralKind;
  /** Frame from an AIPS-style suffix (`VELO-LSR` gives LSRK), when the CTYPE carried one. */
  readonly specsys: string | undefined;
}

const AIPS_FRAMES: Readonly<Record<string, string>> = { LSR: "LSRK", LSD: "LSRD", HEL: "BARYCENT", BAR: "BARYCENT", OBS: "TOPOCENT", GEO: "GEOCENTR", TOP: "TOPOCENT" };

/**
 * Reads a spectral CTYPE. Linear Paper III types (FREQ, VRAD, VOPT, VELO) are taken as they
 * are. The old AIPS forms FREQ-xxx, VELO-xxx and FELO-xxx are translated as wcslib's
 * spcaips does: VELO-xxx is an optical velocity unless VELREF has the radio flag (+256),
 * FELO is optical. `undefined` if the CTYPE is not spectral or not linear.
 */
export function spectralAxisType(ctype: string, velref: number | undefined): SpectralAxisType | undefined {
  const base = ctype.slice(0, 4);
  const suffix = ctype.slice(4).replace(/^-+/, "");
  if (ctype.length <= 4 || /^-*$/.test(ctype.slice(4))) {
    if (base === "FREQ" || base === "VRAD" || base === "VOPT" || base === "VELO") return { kind: base, specsys: undefined };
    return undefined;
  }
  const frame = AIPS_FRAMES[suffix];
  if (frame === undefined) return undefined;
  if (base === "FREQ") return { kind: "FREQ", specsys: frame };
  if (base === "FELO") return { kind: "VOPT", specsys: frame };
  if (base === "VELO") return { kind: velref !== undefined && Math.floor(velref / 256) === 1 ? "VRAD" : "VOPT", specsys: frame };
  return undefined;
}

function needRest(restFrequency: number | undefined, kind: SpectralKind): number {
  if (restFrequency === undefined || !(restFrequency > 0)) {
    throw new ReimageError(ErrorCode.BadInput, `converting ${kind} needs a positive rest frequency (RESTFRQ or RESTFREQ)`);
  }
  return restFrequency;
}

/** A spectral world value (Hz or m/s) of the given kind to frequency, Hz. */
export function toFrequency(value: number, kind: SpectralKind, restFrequency: number | undefined): number {
  switch (kind) {
    case "FREQ":
      return value;
    case "VRAD":
      return needRest(restFrequency, kind) * (1 - value / SPEED_OF_LIGHT);
    case "VOPT":
      return needRest(restFrequency, kind) / (1 + value / SPEED_OF_LIGHT);
    case "VELO": {
      const beta = value / SPEED_OF_LIGHT;
      return needRest(restFrequency, kind) * Math.sqrt((1 - beta) / (1 + beta));
    }
  }
}

/** A frequency, Hz, to a spectral value of the given kind (Hz or m/s). */
export function fromFrequency(frequency: number, kind: SpectralKind, restFrequency: number | undefined): number {
  switch (kind) {
    case "FREQ":
      return frequency;
    case "VRAD":
      return SPEED_OF_LIGHT * (1 - frequency / needRest(restFrequency, kind));
    case "VOPT":
      return SPEED_OF_LIGHT * (needRest(restFrequency, kind) / frequency - 1);
    case "VELO": {
      const r = needRest(restFrequency, kind);
      return (SPEED_OF_LIGHT * (r * r - frequency * frequency)) / (r * r + frequency * frequency);
    }
  }
}

/** Converts between any two spectral kinds through frequency. */
export function convertSpectral(value: number, from: SpectralKind, to: SpectralKind, restFrequency: number | undefined): number {
  return from === to ? value : fromFrequency(toFrequency(value, from, restFrequency), to, restFrequency);
}
