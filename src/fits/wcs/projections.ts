/**
 * Sky projections of FITS WCS Paper II (Calabretta & Greisen 2002, A&A 395, 1077):
 * native spherical (phi, theta) <-> projection-plane (x, y), all in degrees.
 * Zenithal ones (SIN, TAN, ARC, ZEA, STG) have (phi0, theta0) = (0, 90); CAR has (0, 0).
 */
import { ErrorCode, ReimageError } from "../../domain/index.js";

export const PROJECTIONS = ["SIN", "TAN", "ARC", "ZEA", "STG", "CAR"] as const;
export type ProjectionCode = (typeof PROJECTIONS)[number];

export function isProjectionCode(code: string): code is ProjectionCode {
  return (PROJECTIONS as readonly string[]).includes(code);
}

export interface Projection {
  readonly code: ProjectionCode;
  /** SIN's slant parameters PVi_1 (xi) and PVi_2 (eta), 0 for the orthographic case. */
  readonly xi: number;
  readonly eta: number;
}

export const D2R = Math.PI / 180;
export const R2D = 180 / Math.PI;

/** Native reference point (phi0, theta0) in degrees (Paper II Table 13). */
export function nativeReference(code: ProjectionCode): { phi0: number; theta0: number } {
  return code === "CAR" ? { phi0: 0, theta0: 0 } : { phi0: 0, theta0: 90 };
}

export interface NativeAngles {
  readonly phi: number;
  readonly theta: number;
}

function outside(code: string, x: number, y: number): ReimageError {
  return new ReimageError(ErrorCode.BadInput, `(${x}, ${y}) lies outside the ${code} projection's domain`);
}

/** Projection plane (x, y) in degrees to native (phi, theta) in degrees. */
export function deproject(p: Projection, x: number, y: number): NativeAngles {
  const r = Math.hypot(x, y);
  // phi = arg(-y, x) for every zenithal projection (Paper II eq. 14).
  const phi = r === 0 ? 0 : Math.atan2(x, -y) * R2D;
  switch (p.code) {
    case "SIN": {
      const X = x * D2R;
      const Y = y * D2R;
      if (p.xi === 0 && p.eta === 0) {
        const rr = r * D2R;
        if (rr > 1) throw outside("SIN", x, y);
        return { phi, theta: Math.acos(rr) * R2D };
      }
      // Slant orthographic (Paper II eqs. 45-48) solved for z = 1 - sin(theta), small near the
      // reference point: asin of a value near 1 would cost milliarcseconds there.
      // (X - xi z)^2 + (Y - eta z)^2 = z (2 - z)  gives  a z^2 - 2 b z + c = 0.
      const { xi, eta } = p;
      const a = xi * xi + eta * eta + 1;
      const b = xi * X + eta * Y + 1;
      const c = X * X + Y * Y;
      const d = b * b - a * c;
      if (d < 0) throw outside("SIN", x, y);
      const near = c / (b + Math.sqrt(d));
      const z = near >= 0 && near <= 2 ? near : (b + Math.sqrt(d)) / a;
      if (!(z >= 0 && z <= 2)) throw outside("SIN", x, y);
      return { phi: Math.atan2(X - xi * z, -(Y - eta * z)) * R2D, theta: Math.atan2(1 - z, Math.sqrt(z * (2 - z))) * R2D };
    }
    case "TAN":
      return { phi, theta: Math.atan2(R2D, r) * R2D };
    case "ARC":
      return { phi, theta: 90 - r };
    case "ZEA": {
      const s = (r * D2R) / 2;
      if (s > 1) throw outside("ZEA", x, y);
      return { phi, theta: 90 - 2 * Math.asin(s) * R2D };
    }
    case "STG":
      return { phi, theta: 90 - 2 * Math.atan((r * D2R) / 2) * R2D };
    case "CAR":
      return { phi: x, theta: y };
  }
}

/** Native (phi, theta) in degrees to projection plane (x, y) in degrees. */
export function project(p: Projection, phi: number, theta: number): { x: number; y: number } {
  const sphi = Math.sin(phi * D2R);
  const cphi = Math.cos(phi * D2R);
  const zenithal = (r: number): { x: number; y: number } => ({ x: r * sphi, y: -r * cphi });
  switch (p.code) {
    case "SIN": {
      const ctheta = Math.cos(theta * D2R);
      const z = 1 - Math.sin(theta * D2R);
      return { x: R2D * (ctheta * sphi + p.xi * z), y: -R2D * (ctheta * cphi - p.eta * z) };
    }
    case "TAN": {
      if (theta <= 0) throw outside("TAN", phi, theta);
      return zenithal(R2D / Math.tan(theta * D2R));
    }
    case "ARC":
      return zenithal(90 - theta);
    case "ZEA":
      return zenithal(2 * R2D * Math.sin(((90 - theta) * D2R) / 2));
    case "STG": {
      if (theta <= -90) throw outside("STG", phi, theta);
      return zenithal(2 * R2D * Math.tan(((90 - theta) * D2R) / 2));
    }
    case "CAR":
      return { x: phi, y: theta };
  }
}
