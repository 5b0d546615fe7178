/**
 * CASA versions as data: which installed runtime may stand in for a version a delivery
 * asks for, the build numbers CASA 4 and 5 print instead of a patch level, and the
 * versions each proposal cycle was processed with. Every entry carries its reason, so a
 * choice made from it can be recorded and judged later.
 *
 * Sources: the substitution table and build numbers of a public re-imaging effort on
 * CADC's CANFAR platform, and a public review of Cycle 4 to 11 packages (both summarised in
 * /work/shared/domain/ALMA-CASA-NOTES.md).
 */
import type { CasaRuntime } from "../domain/runtime.js";
import { newestFirst } from "../domain/runtime.js";

/** True when `version` (e.g. "6.7.0.31") satisfies the asserted prefix (e.g. "6.7"). */
export function satisfiesPrefix(version: string, prefix: string): boolean {
  const v = version.replace(/-/g, ".").split(".");
  const p = prefix.replace(/-/g, ".").split(".");
  return p.every((part, i) => v[i] === part);
}

/** A version a delivery may ask for that is run with another one. */
export interface Substitution {
  /**
   * Which requirements it applies to: `prefix` matches a required version that starts with
   * it part by part ("4.2" matches "4.2", "4.2.1"); `newerThan` matches any release whose
   * major.minor is later than it.
   */
  readonly appliesTo: { readonly prefix: string } | { readonly newerThan: string };
  /** The version to run instead, normalised (`5.4.0.70`). */
  readonly use: string;
  /** The substitute must be a pipeline build. */
  readonly withPipeline: boolean;
  readonly reason: string;
}

export const SUBSTITUTIONS: readonly Substitution[] = [
  {
    appliesTo: { prefix: "4.2" },
    use: "4.2.2",
    withPipeline: true,
    reason: "4.2.2 is the last 4.2 release and the one shipped with the Cycle 2 pipeline; CANFAR runs every 4.2 requirement with it",
  },
  {
    appliesTo: { prefix: "4.6.0" },
    use: "4.7.0",
    withPipeline: false,
    reason: "4.6.0 is not distributed for current platforms; CANFAR runs it with 4.7.0, the next release",
  },
  {
    appliesTo: { prefix: "4.7.0" },
    use: "4.7.2",
    withPipeline: false,
    reason: "4.7.2 is the bug-fix release of the 4.7 series that Cycle 4 used; CANFAR runs 4.7.0 with it",
  },
  {
    appliesTo: { prefix: "4.7.1" },
    use: "4.7.2",
    withPipeline: false,
    reason: "4.7.2 is the bug-fix release of the 4.7 series that Cycle 4 used; CANFAR runs 4.7.1 with it",
  },
  {
    appliesTo: { prefix: "5.4.0.68" },
    use: "5.4.0.70",
    withPipeline: false,
    reason: "5.4.0-68 (Cycle 5) and 5.4.0-70 (Cycle 6) are builds of the same 5.4.0 release; CANFAR runs -68 with -70",
  },
  {
    appliesTo: { newerThan: "6.1" },
    use: "6.5.4.9",
    withPipeline: true,
    reason: "CASA 6 after 6.1 keeps its calibration formats; CANFAR restores every such delivery with 6.5.4-9 with pipeline",
  },
];

/**
 * Build numbers as CASA 4 and 5 logs print them (`CASA Version 4.7.39732`), keyed
 * `major.minor.build`, to the release they belong to.
 */
export const BUILD_NUMBERS: Readonly<Record<string, string>> = {
  "4.2.30986": "4.2.2",
  "4.3.32491": "4.3.1",
  "4.7.39732": "4.7.2",
  "5.4.42866": "5.4.0",
  "5.6.42831": "5.6.1",
};

/** The CASA (and pipeline) a proposal cycle's packages were processed with, as seen in real packages. */
export interface CycleVersions {
  readonly casaVersion: string;
  readonly pipelineVersion?: string;
  /** Whether that cycle's standard calibration was manual or by the pipeline. */
  readonly calibration: "manual" | "pipeline";
}

// Only the cycles the review saw: a guess for other cycles would be a made-up fact.
export const CYCLE_VERSIONS: Readonly<Record<number, CycleVersions>> = {
  4: { casaVersion: "4.7.2", calibration: "manual" },
  5: { casaVersion: "5.4.0.68", pipelineVersion: "42030M", calibration: "pipeline" },
  6: { casaVersion: "5.4.0.70", pipelineVersion: "42254M", calibration: "pipeline" },
  7: { casaVersion: "6.1.1.15", pipelineVersion: "2020.1.0.40", calibration: "pipeline" },
  8: { casaVersion: "6.2.1.7", pipelineVersion: "2021.2.0.128", calibration: "pipeline" },
  9: { casaVersion: "6.4.1.12", pipelineVersion: "2022.2.0.64", calibration: "pipeline" },
  10: { casaVersion: "6.5.4.9", pipelineVersion: "2023.1.0.124", calibration: "pipeline" },
  11: { casaVersion: "6.6.1.17", pipelineVersion: "2024.1.0.8", calibration: "pipeline" },
};

function majorMinor(version: string): [number, number] | undefined {
  const m = /^(\d+)\.(\d+)/.exec(version);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** The table's entry for a required version, if any. */
export function substitutionFor(casaVersion: string): Substitution | undefined {
  return SUBSTITUTIONS.find((s) => {
    if ("prefix" in s.appliesTo) return satisfiesPrefix(casaVersion, s.appliesTo.prefix);
    const v = majorMinor(casaVersion);
    const t = majorMinor(s.appliesTo.newerThan);
    return v !== undefined && t !== undefined && (v[0] > t[0] || (v[0] === t[0] && v[1] > t[1]));
  });
}

/** What a restore asks of a runtime. */
export interface RuntimeRequirement {
  /** A version or prefix, normalised with dots: "4.2.2", "6.7", "5.4.0.68". */
  readonly casaVersion: string;
  /** The restore runs pipeline tasks (`hifa_restoredata`). */
  readonly needsPipeline?: boolean;
}

export type RuntimeChoice =
  | { readonly kind: "exact"; readonly runtime: CasaRuntime; readonly reason: string }
  | {
      readonly kind: "compatible";
      readonly runtime: CasaRuntime;
      readonly substitution: Substitution;
      readonly reason: string;
    }
  | {
      readonly kind: "casa-version-unavailable";
      /** The CASA to install, normalised; a pipeline build when `withPipeline`. */
      readonly install: string;
      readonly withPipeline: boolean;
      readonly reason: string;
    };

/**
 * The runtime to restore with: one satisfying the requirement (newest first), else one the
 * substitution table allows, else the CASA to install. Only runtimes that can run the CASA
 * shell count, because scriptForPI needs its globals.
 */
export function chooseRuntimeFor(requirement: RuntimeRequirement, runtimes: readonly CasaRuntime[]): RuntimeChoice {
  const needsPipeline = requirement.needsPipeline ?? false;
  const usable = newestFirst(runtimes.filter((r) => r.canRunCasashell));
  const pipelineOk = (r: CasaRuntime, withPipeline: boolean): boolean => !withPipeline || r.hasPipeline;
  const wanted = `CASA ${requirement.casaVersion}${needsPipeline ? " with pipeline" : ""}`;

  const exact = usable.find((r) => satisfiesPrefix(r.casaVersion, requirement.casaVersion) && pipelineOk(r, needsPipeline));
  if (exact) return { kind: "exact", runtime: exact, reason: `${wanted} asked for; ${exact.id} is ${exact.casaVersion}` };

  const substitution = substitutionFor(requirement.casaVersion);
  const withPipeline = needsPipeline || (substitution?.withPipeline ?? false);
  if (substitution) {
    const compatible = usable.find((r) => satisfiesPrefix(r.casaVersion, substitution.use) && pipelineOk(r, withPipeline));
    if (compatible) {
      return {
        kind: "compatible",
        runtime: compatible,
        substitution,
        reason: `${wanted} asked for; runs with ${compatible.id} (${compatible.casaVersion}) because ${substitution.reason}`,
      };
    }
  }
  const install = substitution?.use ?? requirement.casaVersion;
  const installed = usable.map((r) => `${r.casaVersion}${r.hasPipeline ? "+pipeline" : ""}`).join(", ") || "none";
  return {
    kind: "casa-version-unavailable",
    install,
    withPipeline,
    reason:
      `casa-version-unavailable: ${wanted} asked for; install CASA ${install}${withPipeline ? " with pipeline" : ""}` +
      (substitution ? ` (${substitution.reason})` : "") +
      ` (installed: ${installed})`,
  };
}

