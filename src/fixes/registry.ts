/**
 * Known fixes: named repairs to a delivery or its data, each applied only where its
 * condition holds and recorded on the step that applied it, so a product can always be
 * traced to the repairs made before it. This module is the registry and the pure tests of
 * the conditions that can be read from a delivery's files; the repairs themselves run in
 * the restore and fix steps (and in CASA, for data fixes).
 */
import type { CasaRuntime } from "../domain/runtime.js";

export const FixStage = {
  /** Changes how scriptForPI runs: helpers its scripts need, supplied before it starts. */
  BeforeRestore: "before-restore",
  /** Repairs the restored Measurement Sets before imaging. */
  AfterRestore: "after-restore",
} as const;
export type FixStage = (typeof FixStage)[keyof typeof FixStage];

export interface KnownFix {
  readonly id: string;
  readonly stage: FixStage;
  /** What goes wrong without it, in the words of the ticket or report that named it. */
  readonly repairs: string;
  /** When it applies. */
  readonly when: string;
  /** What it does. */
  readonly action: string;
  /** The ticket, script or document it comes from. */
  readonly reference: string;
}

export const KNOWN_FIXES: readonly KnownFix[] = [
  {
    id: "modular-casalith",
    stage: FixStage.BeforeRestore,
    repairs: "CASA 6 calibration scripts assert the version with casalith.version(), a module only monolithic CASA has: ModuleNotFoundError in modular CASA",
    when: "the restoring runtime is modular CASA and a calibration script uses casalith",
    action: "a casalith module answering with the running CASA's own version is put on PYTHONPATH (after version discovery chose that runtime)",
    reference: "casa-scripts/shims/casalith.py",
  },
  {
    id: "supply-almahelpers",
    stage: FixStage.BeforeRestore,
    repairs: "Cycle 1-5 calibration scripts import fixsyscaltimes and tsysspwmap from recipes.almahelpers, which modular CASA does not ship",
    when: "the restoring runtime is modular CASA and a calibration script imports recipes.almahelpers",
    action: "reimage's implementations of fixsyscaltimes and tsysspwmap (from their documented behaviour) are put on PYTHONPATH as recipes.almahelpers",
    reference: "casa-scripts/shims/recipes/almahelpers.py",
  },
  {
    id: "supply-es-helpers",
    stage: FixStage.BeforeRestore,
    repairs: "calibration scripts call es.fixForCSV2555() from analysisUtils, which CASA does not ship: NameError on es",
    when: "a calibration script calls es.<helper>( without defining es",
    action: "es is defined in scriptForPI's globals; es.fixForCSV2555 runs the csv2555-source-names repair, any other helper stops with a message naming it",
    reference: "casa-scripts/shims/reimage_es.py",
  },
  {
    id: "csv2555-source-names",
    stage: FixStage.AfterRestore,
    repairs: "CSV-2555: SOURCE table names disagree with the FIELD names of the same source id, so selections by source and by field disagree",
    when: "some SOURCE row's NAME differs from the one name of the FIELD rows with its SOURCE_ID (the condition ALMA's ASDM checker tests)",
    action: "the SOURCE row takes the field's name; rows whose fields disagree among themselves are reported and left alone",
    reference: "casa-scripts/fixes/csv2555.py; ALMA ticket CSV-2555",
  },
];

export function knownFix(id: string): KnownFix {
  const fix = KNOWN_FIXES.find((f) => f.id === id);
  if (!fix) throw new Error(`no known fix "${id}"`);
  return fix;
}

export interface ScriptText {
  readonly file: string;
  readonly text: string;
}

/** A fix that applies, with the line that says so. */
export interface FixMatch {
  readonly id: string;
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  readonly text: string;
}

function firstMatch(scripts: readonly ScriptText[], pattern: RegExp, id: string, unless?: RegExp): FixMatch | undefined {
  for (const s of scripts) {
    if (unless?.test(s.text)) continue;
    const lines = s.text.split(/\r?\n/);
    const i = lines.findIndex((l) => pattern.test(l) && !/^\s*#/.test(l));
    if (i >= 0) return { id, file: s.file, line: i + 1, text: (lines[i] ?? "").trim() };
  }
  return undefined;
}

/**
 * The before-restore fixes a delivery's calibration scripts need in a runtime. Lines that
 * are commented out do not count: a script that no longer calls a helper needs no helper.
 */
export function beforeRestoreFixes(scripts: readonly ScriptText[], runtime: Pick<CasaRuntime, "kind">): FixMatch[] {
  const found: (FixMatch | undefined)[] = [];
  if (runtime.kind === "modular") {
    found.push(firstMatch(scripts, /\bcasalith\b/, "modular-casalith"));
    found.push(firstMatch(scripts, /\brecipes\.almahelpers\b/, "supply-almahelpers"));
  }
  found.push(firstMatch(scripts, /(^|[^\w.])es\.\w+\s*\(/, "supply-es-helpers", /^\s*es\s*=/m));
  return found.filter((m): m is FixMatch => m !== undefined);
}
