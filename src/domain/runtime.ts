/**
 * CASA runtimes and CASA versions: the words the registry, version discovery and the
 * restore share.
 *
 * - **Modular** runtime: a Python virtual environment holding casatools and casatasks from
 *   PyPI (maybe casashell). It has no ALMA pipeline: the pipeline ships only inside
 *   monolithic tarballs.
 * - **Monolithic** runtime: an unpacked NRAO/ALMA tarball, `<folder>/bin/casa`, maybe with
 *   the pipeline (`casa --pipeline`).
 * - **CASA version**: `major.minor.patch` plus a build number. Folder names, logs and
 *   manifests write it `6.2.1-7` as often as `6.2.1.7`; both are the same version, and the
 *   normalised form is the dotted one.
 */

export type RuntimeKind = "modular" | "monolithic";

export interface CasaRuntime {
  /** Unique on this machine; the monolithic folder name, or `modular-<version>[-<folder>]`. */
  readonly id: string;
  readonly kind: RuntimeKind;
  /** Normalised: `6.5.4.9`, or `4.7.2` when the install names no build. */
  readonly casaVersion: string;
  /** The ALMA pipeline release, `2023.1.0.124`, when the install names one. */
  readonly pipelineVersion?: string;
  /** The install folder (monolithic) or the virtual environment (modular). */
  readonly path: string;
  /** Whether `casa --pipeline` can load the ALMA pipeline. */
  readonly hasPipeline: boolean;
  /** Whether scripts can run with the CASA shell's globals, as scriptForPI needs. */
  readonly canRunCasashell: boolean;
  /** The environment's Python (modular only). */
  readonly python?: string;
}

export interface CasaVersion {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  /** Absent when the text named none (`4.7.2`, `casa-release-4.7.2-el7`). */
  readonly build?: number;
}

const VERSION = /^(\d+)\.(\d+)\.(\d+)(?:[.-](\d+))?$/;

/**
 * Parses `6.5.4.9`, `6.5.4-9`, `6.5.4`. Undefined for anything else: two-part prefixes
 * such as `4.2` are a question of matching, not a version, and build-number forms such as
 * `4.7.39732` from CASA 4 logs need the translation table of version discovery.
 */
export function parseCasaVersion(text: string): CasaVersion | undefined {
  const m = VERSION.exec(text.trim());
  if (!m) return undefined;
  const [, major, minor, patch, build] = m as unknown as [string, string, string, string, string | undefined];
  const base = { major: Number(major), minor: Number(minor), patch: Number(patch) };
  return build === undefined ? base : { ...base, build: Number(build) };
}

export function formatCasaVersion(v: CasaVersion): string {
  const base = `${v.major}.${v.minor}.${v.patch}`;
  return v.build === undefined ? base : `${base}.${v.build}`;
}

/** `6.2.1-7` becomes `6.2.1.7`; undefined when the text is not a version. */
export function normaliseCasaVersion(text: string): string | undefined {
  const v = parseCasaVersion(text);
  return v && formatCasaVersion(v);
}

/**
 * Orders versions; negative when `a` is older. A version without a build sorts before the
 * same release with any build, so that sorting puts the vague one first and never calls
 * two different texts equal.
 */
export function compareCasaVersions(a: CasaVersion, b: CasaVersion): number {
  return (
    a.major - b.major ||
    a.minor - b.minor ||
    a.patch - b.patch ||
    (a.build ?? -1) - (b.build ?? -1)
  );
}

/** Same `major.minor.patch`, whatever the builds: what CASA's own version asserts compare. */
export function sameCasaRelease(a: CasaVersion, b: CasaVersion): boolean {
  return a.major === b.major && a.minor === b.minor && a.patch === b.patch;
}

/** Runtimes ordered newest CASA first; those whose version does not parse keep their order, last. */
export function newestFirst<T extends Pick<CasaRuntime, "casaVersion">>(runtimes: readonly T[]): T[] {
  return [...runtimes].sort((a, b) => {
    const va = parseCasaVersion(a.casaVersion);
    const vb = parseCasaVersion(b.casaVersion);
    if (va && vb) return compareCasaVersions(vb, va);
    return va ? -1 : vb ? 1 : 0;
  });
}
