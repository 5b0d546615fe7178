/**
 * Which CASA restores a delivery, read from everything the delivery says. Pure: the caller
 * reads the files and passes their text.
 *
 * Real packages state versions in many inconsistent ways, so every statement found is kept
 * as evidence and the answer comes from the most trusted kind that says anything:
 *
 * 1. live version asserts of the calibration scripts (and of the flux-calibration script,
 *    which scriptForPI runs in the same CASA): they are what stops a restore in the wrong
 *    CASA, so they are the requirement (high);
 * 2. the pipeline manifest's `<casaversion>` and `<pipeline_version>` (high);
 * 3. calibration asserts commented out or turned into warnings: the version string still
 *    says which CASA wrote the script, but nothing enforces it (medium);
 * 4. README and QA2 report text (medium);
 * 5. the project code's cycle: only what that cycle's packages were usually processed
 *    with, since data were often reprocessed with a later CASA and early data used the
 *    previous release (low). It decides only when nothing else names a version, and
 *    otherwise adds a note when the answer falls outside it.
 *
 * Imaging-script asserts are recorded but never decide: imaging is not part of the restore.
 */
import { cycleOfProject, normaliseCasaVersion, type CalibrationKind } from "../domain/index.js";
import { BUILD_NUMBERS, CYCLE_VERSIONS, satisfiesPrefix } from "./version-table.js";

// Re-exported: the restore step imports it from here.
export { satisfiesPrefix };

export interface SourceText {
  readonly file: string;
  readonly text: string;
  /** What the file is; from its path (`roleOfFile`) when absent. */
  readonly role?: FileRole;
}

/** Where a statement about versions was found; the order of the object is the order of trust. */
export const EvidenceSource = {
  CalibrationAssert: "calibration-assert",
  PipelineManifest: "pipeline-manifest",
  DisabledAssert: "calibration-assert-disabled",
  Readme: "readme",
  QaReport: "qa-report",
  Cycle: "cycle",
  /** Names no version; says the restore needs the pipeline. */
  RestoreScript: "restore-script",
  /** Never decides the restore. */
  ImagingAssert: "imaging-assert",
} as const;
export type EvidenceSource = (typeof EvidenceSource)[keyof typeof EvidenceSource];

export type Confidence = "high" | "medium" | "low";

export interface VersionEvidence {
  readonly file: string;
  /** 1-based; 0 for facts that are not a line of a file (the cycle). */
  readonly line: number;
  readonly text: string;
  readonly source: EvidenceSource;
  /** The CASA version (or prefix) this line states, normalised with dots. */
  readonly casaVersion?: string;
  /** Several versions or-ed together: any of them is allowed. */
  readonly anyOf?: readonly string[];
  /** A bound rather than a version: `casadef.casa_version < '4.4.0'` means at least 4.4.0. */
  readonly bound?: "at-least" | "below";
  readonly pipelineVersion?: string;
  /** The execution block whose calibration script this is. */
  readonly execBlock?: string;
}

export interface ExecBlockRequirement {
  readonly execBlock: string;
  readonly casaVersion: string;
  readonly confidence: Confidence;
  readonly evidence: readonly VersionEvidence[];
}

export interface VersionRequirement {
  /** The version prefix the delivery asks for, normalised with dots: "4.2.2", "6.7", "5.4.0.70". */
  readonly casaVersion: string;
  /** The evidence that decided, most trusted first. */
  readonly evidence: readonly VersionEvidence[];
  readonly confidence: Confidence;
  readonly pipelineVersion?: string;
  readonly needsPipeline?: boolean;
  /** The kind of evidence that decided. */
  readonly decidedBy?: EvidenceSource;
  /** When execution blocks ask for different versions: restore each with its own. */
  readonly perExecBlock?: readonly ExecBlockRequirement[];
}

/** What one delivery says about the CASA that restores it. */
export interface VersionDiscovery {
  readonly calibrationKind: CalibrationKind;
  /** Undefined when there is nothing to restore, or nothing names a version. */
  readonly requirement?: VersionRequirement;
  /** Every statement found, most trusted first, including those that did not decide. */
  readonly evidence: readonly VersionEvidence[];
  /** Disagreements and assumptions, for the record. */
  readonly notes: readonly string[];
}

/** What a file is to version discovery, from its path. */
export const FileRole = {
  CalibrationScript: "calibration-script",
  FluxCalibrationScript: "flux-calibration-script",
  ImagingScript: "imaging-script",
  RestoreScript: "restore-script",
  PipelineManifest: "pipeline-manifest",
  Ppr: "ppr",
  ScriptForPI: "script-for-pi",
  Readme: "readme",
  QaReport: "qa-report",
  Other: "other",
} as const;
export type FileRole = (typeof FileRole)[keyof typeof FileRole];

const CALIBRATION_SCRIPT = /(uid___A002_X[0-9a-fA-F]+_X[0-9a-fA-F]+)(?:\.ms)?\.scriptForCalibration\.py$/;

/** Classifies a delivery file by its path (name, and a `qa/` folder). */
export function roleOfFile(path: string): FileRole {
  const name = path.split(/[\\/]/).pop() ?? path;
  if (CALIBRATION_SCRIPT.test(name)) return FileRole.CalibrationScript;
  if (/scriptForFluxCalibration\.py$/.test(name)) return FileRole.FluxCalibrationScript;
  if (/scriptForImaging\w*\.py$/.test(name)) return FileRole.ImagingScript;
  if (/casa_piperestorescript\.py$/.test(name)) return FileRole.RestoreScript;
  if (/pipeline_manifest.*\.xml$/.test(name)) return FileRole.PipelineManifest;
  if (/PPR.*\.xml$/.test(name)) return FileRole.Ppr;
  if (/scriptForPI\.py$/.test(name)) return FileRole.ScriptForPI;
  if (/readme/i.test(name)) return FileRole.Readme;
  if (/(^|[\\/])qa[\\/]/i.test(path) || /qa2?[_.-]?report/i.test(name)) return FileRole.QaReport;
  return FileRole.Other;
}

export interface DiscoveryInput {
  /** The folder name above `science_goal.*`, taken as the project code. */
  readonly projectCode: string;
  /** Text files of the delivery (scripts, manifests, READMEs, QA reports), roles from their paths. */
  readonly files: readonly SourceText[];
}

// ---------------------------------------------------------------------------------------
// Asserts in scripts

// What scripts compare versions against, in every era: CASA 4 `casadef.casa_version`, the
// CASA 5 generator's `casaVersion` variable and `cu.version()` join, CASA 6 `casalith`.
const VERSION_SOURCE = /casadef\.casa_version|\bcasaVersion\b|cu\.version\(\)|casalith\.version(?:_string)?\(\)|casashell\.version_string\(\)/;
const SEARCH_LITERAL = /re\.search\(\s*r?['"]\^?([0-9][0-9.\\]*)['"]/g;
// re.search('^%s'%CASAVER, casadef.casa_version), with CASAVER = '4.6.0' earlier in the file.
const SEARCH_VARIABLE = /re\.search\(\s*r?['"]\^?%s['"]\s*%\s*\(?\s*([A-Za-z_]\w*)/;
const COMPARISON = /(?:casadef\.casa_version|\bcasaVersion\b)\s*(<=?|>=?)\s*['"]([0-9][0-9.]*)['"]/g;

/** Turns a regular-expression prefix as scripts write it (`6\.7`) into a version ("6.7"). */
export function normaliseAssertedVersion(pattern: string): string {
  return pattern.replace(/\\/g, "").replace(/\.+$/, "");
}

type AssertBody = "exit" | "warning" | "other";

// What the `if` does when the version does not match: stop (a live assert), or only tell
// (an assert a user turned into a warning). Reads the `if` line and the next non-blank one.
function bodyOf(lines: readonly string[], i: number): AssertBody {
  let next = i + 1;
  while (next < lines.length && (lines[next] ?? "").trim() === "") next++;
  const ifLine = lines[i] ?? "";
  const bodyLine = lines[next] ?? "";
  // A live `if` whose body was commented out stops nothing: as good as a warning.
  if (!/^\s*#/.test(ifLine) && /^\s*#/.test(bodyLine) && !/sys\.exit/.test(ifLine)) return "warning";
  const after = [ifLine, bodyLine].map((l) => l.replace(/^\s*#+/, "")).join("\n");
  if (/sys\.exit|raise\s|\bexit\(/.test(after)) return "exit";
  if (/print|casalog\.post|warn/i.test(after)) return "warning";
  return "other";
}

interface ScriptContext {
  readonly file: string;
  readonly role: FileRole;
  readonly execBlock?: string;
}

function assertsIn(script: SourceText, ctx: ScriptContext): VersionEvidence[] {
  const lines = script.text.split(/\r?\n/);
  const found: VersionEvidence[] = [];
  const variable = (name: string): string | undefined =>
    new RegExp(`^\\s*${name}\\s*=\\s*['"]([0-9][0-9.]*)['"]`, "m").exec(script.text)?.[1];
  lines.forEach((raw, i) => {
    if (!VERSION_SOURCE.test(raw)) return;
    const commented = /^\s*#/.test(raw);
    const text = raw.replace(/^\s*#+\s?/, "");
    const versions = [...text.matchAll(SEARCH_LITERAL)].map((m) => normaliseAssertedVersion(m[1] ?? ""));
    const viaVariable = SEARCH_VARIABLE.exec(text)?.[1];
    if (viaVariable !== undefined) {
      const v = variable(viaVariable);
      if (v !== undefined) versions.push(normaliseAssertedVersion(v));
    }
    const body = bodyOf(lines, i);
    const base = {
      file: ctx.file,
      line: i + 1,
      text: raw.trim(),
      ...(ctx.execBlock === undefined ? {} : { execBlock: ctx.execBlock }),
    };
    const imaging = ctx.role === FileRole.ImagingScript;
    const source = imaging
      ? EvidenceSource.ImagingAssert
      : commented || body !== "exit"
        ? EvidenceSource.DisabledAssert
        : EvidenceSource.CalibrationAssert;
    if (versions.length === 1 && versions[0] !== undefined && versions[0] !== "") {
      found.push({ ...base, source, casaVersion: versions[0] });
      return;
    }
    if (versions.length > 1) {
      found.push({ ...base, source, anyOf: versions, ...(versions[0] === undefined ? {} : { casaVersion: versions[0] }) });
      return;
    }
    // Comparisons: only guards that stop or warn are bounds; the CASA 5 preamble's
    // `if casadef.casa_version >= '5.0.0': import casa` is not one.
    if (body === "other") return;
    for (const m of text.matchAll(COMPARISON)) {
      const [, op, v] = m;
      if (op === undefined || v === undefined) continue;
      // The body runs on failure: `< '4.4.0'` failing means at least 4.4.0 is required.
      const bound = op.startsWith("<") ? "at-least" : "below";
      found.push({ ...base, source, casaVersion: v, bound });
    }
  });
  return found;
}

// ---------------------------------------------------------------------------------------
// Manifests, READMEs, QA reports

function lineOf(text: string, index: number): number {
  let n = 1;
  for (let i = 0; i < index && i < text.length; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

function lineText(text: string, index: number): string {
  const start = text.lastIndexOf("\n", index - 1) + 1;
  const end = text.indexOf("\n", index);
  return text.slice(start, end === -1 ? undefined : end).trim();
}

/** `6.2.1-7` or `6.2.1.7` to `6.2.1.7`; a text that is no full version is kept as written. */
function normaliseLoose(text: string): string {
  return normaliseCasaVersion(text) ?? text.replace(/-/g, ".");
}

function manifestEvidence(file: SourceText): VersionEvidence[] {
  const casa = /<casaversion\s[^>]*name="([^"]+)"/.exec(file.text);
  const pipe = /<pipeline_version\s[^>]*name="([^"]+)"/.exec(file.text);
  if (!casa?.[1]) {
    return pipe?.[1]
      ? [{ file: file.file, line: lineOf(file.text, pipe.index), text: lineText(file.text, pipe.index), source: EvidenceSource.PipelineManifest, pipelineVersion: pipe[1] }]
      : [];
  }
  return [
    {
      file: file.file,
      line: lineOf(file.text, casa.index),
      text: lineText(file.text, casa.index),
      source: EvidenceSource.PipelineManifest,
      casaVersion: normaliseLoose(casa[1].trim()),
      ...(pipe?.[1] ? { pipelineVersion: pipe[1].trim() } : {}),
    },
  ];
}

/**
 * Turns a version as prose writes it into a normalised one: `5.4.0-70` → `5.4.0.70`, and
 * the CASA 4/5 build-number form `4.7.39732` → `4.7.2` through the table. Undefined for a
 * build number the table does not know, rather than a made-up patch level.
 */
export function versionFromText(text: string): string | undefined {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?(?:[.-](\d+))?$/.exec(text);
  if (!m) return undefined;
  const [, major, minor, third, build] = m;
  if (third !== undefined && build === undefined && Number(third) >= 1000) return BUILD_NUMBERS[`${major}.${minor}.${third}`];
  return normaliseLoose(text);
}

// "CASA version 4.2.2", "CASA 5.4.0-70", "CASA Version 4.7.39732", "casa-release-4.7.2",
// "CASA v6.5.4.9"; two-part versions ("CASA 4.2") too, as prefixes.
const PROSE_CASA = /\bCASA(?:[\s_-]*(?:version|release|v(?=\d)))?[\s:=-]*(\d+\.\d+(?:\.\d+)?(?:[.-]\d+)?)/gi;
// "Pipeline version 2021.2.0.128", "pipeline 42030M", "Pipeline-CASA56-P1-B r42866"? only the first two.
const PROSE_PIPELINE = /\bpipeline(?:[\s_-]*(?:version|release))?[\s:=-]*(\d{4}\.\d+\.\d+\.\d+|\d{5}M?)\b/gi;

function proseEvidence(file: SourceText, source: EvidenceSource): VersionEvidence[] {
  const out: VersionEvidence[] = [];
  for (const m of file.text.matchAll(PROSE_CASA)) {
    const written = m[1];
    if (written === undefined) continue;
    const version = versionFromText(written);
    const base = { file: file.file, line: lineOf(file.text, m.index), text: lineText(file.text, m.index), source };
    out.push(version === undefined ? base : { ...base, casaVersion: version });
  }
  for (const m of file.text.matchAll(PROSE_PIPELINE)) {
    if (m[1] === undefined) continue;
    out.push({ file: file.file, line: lineOf(file.text, m.index), text: lineText(file.text, m.index), source, pipelineVersion: m[1] });
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Deciding

const TRUST: readonly EvidenceSource[] = Object.values(EvidenceSource);
const CONFIDENCE: Record<EvidenceSource, Confidence> = {
  "calibration-assert": "high",
  "pipeline-manifest": "high",
  "calibration-assert-disabled": "medium",
  readme: "medium",
  "qa-report": "medium",
  cycle: "low",
  "restore-script": "low",
  "imaging-assert": "low",
};
const LOWER: Record<Confidence, Confidence> = { high: "medium", medium: "low", low: "low" };

/** Two statements agree when one is a prefix of the other ("6.2.1" and "6.2.1.7"). */
function compatible(a: string, b: string): boolean {
  return satisfiesPrefix(a, b) || satisfiesPrefix(b, a);
}

/** The most specific of mutually compatible versions. */
function mostSpecific(versions: readonly string[]): string | undefined {
  return [...versions].sort((a, b) => b.split(".").length - a.split(".").length)[0];
}

/** Groups versions that agree; each group named by its most specific member. */
function agreeingGroups(versions: readonly string[]): string[][] {
  const groups: string[][] = [];
  for (const v of versions) {
    const g = groups.find((group) => group.every((x) => compatible(x, v)));
    if (g) g.push(v);
    else groups.push([v]);
  }
  return groups;
}

function calibrationKindOf(roles: ReadonlyMap<FileRole, readonly SourceText[]>, cycle: number | undefined, restoreByText: boolean): CalibrationKind {
  const has = (r: FileRole): boolean => (roles.get(r)?.length ?? 0) > 0;
  if (cycle === 0) return "cycle0";
  const pipeline = has(FileRole.RestoreScript) || has(FileRole.PipelineManifest) || has(FileRole.Ppr) || restoreByText;
  const manual = has(FileRole.CalibrationScript);
  // As the delivery reader decides: a restore script wins over per-EB scripts beside it.
  if (pipeline && (!manual || has(FileRole.RestoreScript) || restoreByText)) return "pipeline";
  if (manual) return "manual";
  return "none";
}

/** Reads every statement about versions in a delivery's files and decides which CASA restores it. */
export function discoverCasaVersion(input: DiscoveryInput): VersionDiscovery {
  const notes: string[] = [];
  const roles = new Map<FileRole, SourceText[]>();
  for (const f of input.files) {
    const r = f.role ?? roleOfFile(f.file);
    roles.set(r, [...(roles.get(r) ?? []), f]);
  }
  const of = (r: FileRole): readonly SourceText[] => roles.get(r) ?? [];

  const evidence: VersionEvidence[] = [];
  for (const f of of(FileRole.CalibrationScript)) {
    const eb = CALIBRATION_SCRIPT.exec(f.file.split(/[\\/]/).pop() ?? "")?.[1];
    evidence.push(...assertsIn(f, { file: f.file, role: FileRole.CalibrationScript, ...(eb === undefined ? {} : { execBlock: eb }) }));
  }
  for (const f of of(FileRole.FluxCalibrationScript)) evidence.push(...assertsIn(f, { file: f.file, role: FileRole.FluxCalibrationScript }));
  for (const f of of(FileRole.ImagingScript)) evidence.push(...assertsIn(f, { file: f.file, role: FileRole.ImagingScript }));
  for (const f of of(FileRole.PipelineManifest)) evidence.push(...manifestEvidence(f));
  for (const f of of(FileRole.Readme)) evidence.push(...proseEvidence(f, EvidenceSource.Readme));
  for (const f of of(FileRole.QaReport)) evidence.push(...proseEvidence(f, EvidenceSource.QaReport));

  // The pipeline restore task, under its Cycle 2 name too; it names no version.
  let restoreByText = false;
  for (const f of [...of(FileRole.RestoreScript), ...of(FileRole.ScriptForPI), ...of(FileRole.Other)]) {
    const m = /\bhifa?_restoredata\s*\(/.exec(f.text);
    if (!m) continue;
    restoreByText = true;
    evidence.push({ file: f.file, line: lineOf(f.text, m.index), text: lineText(f.text, m.index), source: EvidenceSource.RestoreScript });
  }

  const cycle = cycleOfProject(input.projectCode);
  const cycleVersions = cycle === undefined ? undefined : CYCLE_VERSIONS[cycle];
  if (cycle !== undefined && cycleVersions !== undefined) {
    evidence.push({
      file: input.projectCode,
      line: 0,
      text: `Cycle ${cycle} packages were seen processed with CASA ${cycleVersions.casaVersion}${cycleVersions.pipelineVersion ? ` / pipeline ${cycleVersions.pipelineVersion}` : ""}`,
      source: EvidenceSource.Cycle,
      casaVersion: cycleVersions.casaVersion,
      ...(cycleVersions.pipelineVersion === undefined ? {} : { pipelineVersion: cycleVersions.pipelineVersion }),
    });
  } else if (cycle === undefined) {
    notes.push(`"${input.projectCode}" is not a project code: no cycle to bound the version`);
  }
  evidence.sort((a, b) => TRUST.indexOf(a.source) - TRUST.indexOf(b.source));

  const calibrationKind = calibrationKindOf(roles, cycle, restoreByText);
  if (calibrationKind === "none") {
    notes.push("nothing to restore: no calibration script, restore script, manifest or PPR");
    return { calibrationKind, evidence, notes };
  }
  const needsPipeline = calibrationKind === "pipeline";

  // A version, not a bound and not an imaging assert, can decide.
  const deciding = (e: VersionEvidence): e is VersionEvidence & { casaVersion: string } =>
    e.casaVersion !== undefined && e.bound === undefined && e.source !== EvidenceSource.ImagingAssert && e.source !== EvidenceSource.Cycle;
  const tier = TRUST.find((s) => evidence.some((e) => e.source === s && deciding(e)));
  const pipelineVersion =
    evidence.find((e) => e.source === EvidenceSource.PipelineManifest && e.pipelineVersion !== undefined)?.pipelineVersion ??
    evidence.find((e) => (e.source === EvidenceSource.Readme || e.source === EvidenceSource.QaReport) && e.pipelineVersion !== undefined)?.pipelineVersion;

  let requirement: VersionRequirement | undefined;
  if (tier === undefined) {
    if (cycleVersions === undefined) {
      notes.push("no file names a CASA version and the cycle gives none");
      return { calibrationKind, evidence, notes };
    }
    const cycleEvidence = evidence.filter((e) => e.source === EvidenceSource.Cycle);
    notes.push(`no file names a CASA version; Cycle ${cycle} suggests ${cycleVersions.casaVersion}, though data may have been reprocessed with a later CASA`);
    const pv = pipelineVersion ?? (needsPipeline ? cycleVersions.pipelineVersion : undefined);
    requirement = {
      casaVersion: cycleVersions.casaVersion,
      evidence: cycleEvidence,
      confidence: "low",
      decidedBy: EvidenceSource.Cycle,
      needsPipeline,
      ...(pv === undefined ? {} : { pipelineVersion: pv }),
    };
  } else {
    const decisive = evidence.filter((e): e is VersionEvidence & { casaVersion: string } => e.source === tier && deciding(e));
    const groups = agreeingGroups(decisive.map((e) => e.casaVersion));
    let confidence = CONFIDENCE[tier];
    let casaVersion: string;
    let perExecBlock: ExecBlockRequirement[] | undefined;
    if (groups.length === 1) {
      casaVersion = mostSpecific(groups[0] ?? []) ?? decisive[0]?.casaVersion ?? "";
    } else {
      // Most statements win; ties go to the first by trust and file order.
      const largest = [...groups].sort((a, b) => b.length - a.length)[0] ?? [];
      casaVersion = mostSpecific(largest) ?? "";
      confidence = LOWER[confidence];
      notes.push(`${tier} evidence disagrees: ${groups.map((g) => mostSpecific(g)).join(" vs ")}; took ${casaVersion}`);
    }
    const ebs = [...new Set(decisive.map((e) => e.execBlock).filter((eb): eb is string => eb !== undefined))].sort();
    if (ebs.length > 0) {
      perExecBlock = ebs.map((eb) => {
        const own = decisive.filter((e) => e.execBlock === eb);
        const ownGroups = agreeingGroups(own.map((e) => e.casaVersion));
        return {
          execBlock: eb,
          casaVersion: mostSpecific(ownGroups[0] ?? []) ?? "",
          confidence: ownGroups.length === 1 ? CONFIDENCE[tier] : LOWER[CONFIDENCE[tier]],
          evidence: own,
        };
      });
      if (new Set(perExecBlock.map((p) => p.casaVersion)).size > 1) notes.push("execution blocks need different CASA versions: restore each with its own");
    }
    requirement = {
      casaVersion,
      evidence: decisive,
      confidence,
      decidedBy: tier,
      needsPipeline,
      ...(pipelineVersion === undefined ? {} : { pipelineVersion }),
      ...(perExecBlock === undefined ? {} : { perExecBlock }),
    };
    // Lower tiers do not change the answer, but a disagreement is worth a note.
    for (const e of evidence) {
      if (!deciding(e) || e.source === tier || TRUST.indexOf(e.source) < TRUST.indexOf(tier)) continue;
      if (!compatible(e.casaVersion, casaVersion) && !decisive.some((d) => compatible(d.casaVersion, e.casaVersion))) {
        notes.push(`${e.source} ${e.file}:${e.line} says ${e.casaVersion}, ${tier} says ${casaVersion}`);
      }
    }
    for (const e of evidence) {
      if (e.bound === undefined || e.source === EvidenceSource.ImagingAssert || e.source === EvidenceSource.Cycle) continue;
      if (!respects(casaVersion, e.casaVersion ?? "", e.bound)) notes.push(`${casaVersion} breaks the bound in ${e.file}:${e.line}: ${e.text}`);
    }
  }

  if (cycleVersions !== undefined && requirement.decidedBy !== EvidenceSource.Cycle) {
    const c = compareLoose(requirement.casaVersion, cycleVersions.casaVersion);
    if (c !== undefined && c > 0) {
      notes.push(`Cycle ${cycle} data processed with a later CASA (${requirement.casaVersion}) than the cycle's ${cycleVersions.casaVersion}: reprocessed`);
    } else if (c !== undefined && c < 0) {
      // Early in a cycle the previous CASA was still in use (Cycle 5 began on 5.1.1): a note, not a doubt.
      notes.push(`CASA ${requirement.casaVersion} is older than the ${cycleVersions.casaVersion} Cycle ${cycle} packages were seen with`);
    }
  }
  if (evidence.some((e) => e.source === EvidenceSource.ImagingAssert)) {
    notes.push("imaging-script asserts recorded but not used: imaging is not part of the restore");
  }
  return { calibrationKind, requirement, evidence, notes };
}

/** Compares dotted versions part by part over the shorter one; undefined if either is not numeric. */
function compareLoose(a: string, b: string): number | undefined {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  if (pa.some(Number.isNaN) || pb.some(Number.isNaN)) return undefined;
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function respects(version: string, bound: string, kind: "at-least" | "below"): boolean {
  const c = compareLoose(version, bound);
  if (c === undefined) return true;
  return kind === "at-least" ? c >= 0 : c < 0;
}

/**
 * The version the calibration scripts assert, or undefined if none does. Live asserts
 * decide; an assert commented out or turned into a warning is used only when no live one
 * exists, with medium confidence.
 */
export function discoverFromCalibrationScripts(scripts: readonly SourceText[]): VersionRequirement | undefined {
  const r = discoverCasaVersion({
    projectCode: "",
    // Whatever their names, the caller says these are the calibration scripts.
    files: scripts.map((s) => ({ ...s, role: FileRole.CalibrationScript })),
  });
  const req = r.requirement;
  if (req === undefined || (req.decidedBy !== EvidenceSource.CalibrationAssert && req.decidedBy !== EvidenceSource.DisabledAssert)) return undefined;
  return req;
}
