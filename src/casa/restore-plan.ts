/**
 * Which runtime restores which execution blocks of a MOUS: the decision between version
 * discovery (what the delivery asks for) and the runtimes installed. Pure: it takes the
 * discovery and the runtimes and returns the plan, with a reason an operator can read.
 *
 * Execution blocks of one MOUS can assert different CASA versions (observed months apart,
 * calibrated by different people). When no single runtime satisfies them all, each group
 * of blocks is restored in its own runtime.
 */
import { newestFirst, type CasaRuntime } from "../domain/runtime.js";
import type { VersionDiscovery, VersionEvidence } from "./version-discovery.js";
import { chooseRuntimeFor, type RuntimeChoice } from "./version-table.js";

type Chosen = Extract<RuntimeChoice, { runtime: CasaRuntime }>;

export interface RestoreGroup {
  readonly runtime: CasaRuntime;
  /** Why this runtime. */
  readonly reason: string;
  readonly choice: "exact" | "compatible" | "newest-installed";
  /** The execution blocks this runtime restores; `undefined` means all of them. */
  readonly execBlocks?: readonly string[];
}

export type RestorePlan =
  | { readonly kind: "nothing-to-restore"; readonly reason: string }
  | { readonly kind: "restore"; readonly groups: readonly RestoreGroup[]; readonly casaVersion: string | null; readonly notes: readonly string[] }
  | {
      readonly kind: "casa-version-unavailable";
      readonly reason: string;
      /** The CASA to install. */
      readonly install: string;
      readonly withPipeline: boolean;
      readonly evidence?: VersionEvidence;
    };

function group(choice: Chosen, execBlocks?: readonly string[]): RestoreGroup {
  return { runtime: choice.runtime, reason: choice.reason, choice: choice.kind, ...(execBlocks === undefined ? {} : { execBlocks }) };
}

export function planRestore(discovery: VersionDiscovery, runtimes: readonly CasaRuntime[]): RestorePlan {
  if (discovery.calibrationKind === "none") {
    return { kind: "nothing-to-restore", reason: "the delivery holds no calibration to restore (no calibration script, restore script, manifest or PPR)" };
  }
  const req = discovery.requirement;
  const usable = newestFirst(runtimes.filter((r) => r.canRunCasashell));
  const notes = [...discovery.notes];

  if (req === undefined) {
    const newest = usable[0];
    if (!newest) return { kind: "casa-version-unavailable", reason: "no CASA runtime that can run casashell is installed", install: "any", withPipeline: false };
    return {
      kind: "restore",
      casaVersion: null,
      notes,
      groups: [{ runtime: newest, choice: "newest-installed", reason: `no file names a CASA version; trying the newest installed, ${newest.id}` }],
    };
  }

  const needsPipeline = req.needsPipeline ?? false;
  const perEb = req.perExecBlock ?? [];
  if (new Set(perEb.map((p) => p.casaVersion)).size > 1) {
    const choices = perEb.map((p) => ({ eb: p, choice: chooseRuntimeFor({ casaVersion: p.casaVersion, needsPipeline }, runtimes) }));
    const missing = choices.find((c) => c.choice.kind === "casa-version-unavailable");
    if (missing && missing.choice.kind === "casa-version-unavailable") {
      return {
        kind: "casa-version-unavailable",
        reason: `execution block ${missing.eb.execBlock}: ${missing.choice.reason}`,
        install: missing.choice.install,
        withPipeline: missing.choice.withPipeline,
        ...(missing.eb.evidence[0] === undefined ? {} : { evidence: missing.eb.evidence[0] }),
      };
    }
    const byRuntime = new Map<string, { choice: Chosen; ebs: string[] }>();
    for (const { eb, choice } of choices) {
      if (choice.kind === "casa-version-unavailable") continue;
      const entry = byRuntime.get(choice.runtime.id) ?? { choice, ebs: [] };
      entry.ebs.push(eb.execBlock);
      byRuntime.set(choice.runtime.id, entry);
    }
    if (byRuntime.size > 1) {
      return { kind: "restore", casaVersion: req.casaVersion, notes, groups: [...byRuntime.values()].map((e) => group(e.choice, e.ebs)) };
    }
    notes.push("execution blocks assert different versions, but one installed runtime satisfies them all");
    const only = [...byRuntime.values()][0];
    if (only) return { kind: "restore", casaVersion: req.casaVersion, notes, groups: [group(only.choice)] };
  }

  const choice = chooseRuntimeFor({ casaVersion: req.casaVersion, needsPipeline }, runtimes);
  if (choice.kind !== "casa-version-unavailable") return { kind: "restore", casaVersion: req.casaVersion, notes, groups: [group(choice)] };

  // Only the proposal cycle named a version: it is a guess about what the observatory used,
  // not a statement of the delivery, so an installed CASA is worth a try (a wrong one fails
  // with the CASA-version class and the retry policy says so).
  const newest = usable.find((r) => !needsPipeline || r.hasPipeline);
  if (req.confidence === "low" && newest) {
    notes.push(`${choice.reason}; only the cycle suggests it, so the newest installed runtime is tried`);
    return {
      kind: "restore",
      casaVersion: req.casaVersion,
      notes,
      groups: [{ runtime: newest, choice: "newest-installed", reason: `only the cycle suggests CASA ${req.casaVersion}; trying ${newest.id}` }],
    };
  }
  return {
    kind: "casa-version-unavailable",
    reason: choice.reason,
    install: choice.install,
    withPipeline: choice.withPipeline,
    ...(req.evidence[0] === undefined ? {} : { evidence: req.evidence[0] }),
  };
}
