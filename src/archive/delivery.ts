/**
 * Reading a delivery on disk into `Delivery` values: where the MOUS trees are, which
 * execution blocks they hold, and how their calibration is restored.
 */
import { readFile, readdir, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import {
  CalibrationKind,
  ErrorCode,
  ExecBlockSource,
  ReimageError,
  coerceError,
  cycleOfProject,
  parseExecBlockId,
  parseUid,
  type DeliveredExecBlock,
  type Delivery,
  type DeliveryFolders,
  type ExecBlockId,
  type MousFileId,
} from "../domain/index.js";

/** Where one MOUS tree sits, before its contents are read. */
export interface MemberTree {
  readonly projectCode: string;
  readonly scienceGoal: string;
  readonly group: string;
  readonly mous: MousFileId;
  readonly memberDir: string;
}

const MEMBER = /^member\.(uid___A001_X[0-9a-fA-F]+_X[0-9a-fA-F]+)$/;
const GROUP = /^group\.(uid___\w+)$/;
const SCIENCE_GOAL = /^science_goal\.(uid___\w+)$/;
// Folders that hold data, never a delivery: no reason to walk their (large) contents.
const NOT_A_DELIVERY = /\.(asdm\.sdm|ms|cal|tbl|image|pb|psf|residual|model|mask|flagversions)$/;
const MAX_DEPTH = 6;

function memberTreeAt(dir: string): MemberTree | undefined {
  const m = MEMBER.exec(basename(dir));
  const g = GROUP.exec(basename(dirname(dir)));
  const sg = SCIENCE_GOAL.exec(basename(dirname(dirname(dir))));
  const mous = m?.[1] === undefined ? undefined : parseUid(m[1]);
  if (mous === undefined || g?.[1] === undefined || sg?.[1] === undefined) return undefined;
  return {
    projectCode: basename(dirname(dirname(dirname(dir)))),
    scienceGoal: sg[1],
    group: g[1],
    mous: mous.fileId,
    memberDir: dir,
  };
}

async function subdirs(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries.filter((e) => e.isDirectory()).map((e) => e.name).sort(byCodeUnit);
}

async function files(dir: string | undefined): Promise<string[]> {
  if (dir === undefined) return [];
  const entries = await readdir(dir, { withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => e.name).sort(byCodeUnit);
}

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** True when a file lies anywhere below `dir`; stops at the first one. */
async function holdsAFile(dir: string): Promise<boolean> {
  const entries = await readdir(dir, { withFileTypes: true });
  if (entries.some((e) => !e.isDirectory())) return true;
  for (const e of entries) {
    if (await holdsAFile(join(dir, e.name))) return true;
  }
  return false;
}

/**
 * The MOUS trees (`<project>/science_goal.X/group.X/member.X`) under `root`, which may be
 * the folder tars were unpacked into, a mirror of many projects, or a member folder itself.
 * Member folders with no file in them are prefix folders left by other tars, not MOUSs.
 */
export async function findMemberTrees(root: string): Promise<MemberTree[]> {
  const start = resolve(root);
  const found: MemberTree[] = [];
  const visit = async (dir: string, depth: number): Promise<void> => {
    const tree = memberTreeAt(dir);
    if (tree !== undefined) {
      if (await holdsAFile(dir)) found.push(tree);
      return;
    }
    if (depth >= MAX_DEPTH || NOT_A_DELIVERY.test(dir)) return;
    for (const name of await subdirs(dir)) await visit(join(dir, name), depth + 1);
  };
  try {
    await visit(start, 0);
  } catch (caught) {
    throw new ReimageError(ErrorCode.BadInput, `cannot search ${start} for MOUS trees`, { cause: coerceError(caught) });
  }
  return found;
}

/** Every MOUS delivered under `root`; an error naming `root` when there is none. */
export async function readDeliveries(root: string): Promise<Delivery[]> {
  const trees = await findMemberTrees(root);
  if (trees.length === 0) {
    throw new ReimageError(
      ErrorCode.BadInput,
      `no MOUS tree (<project>/science_goal.*/group.*/member.uid___A001_* holding files) under ${resolve(root)}`,
    );
  }
  const seen = new Map<string, string>();
  for (const t of trees) {
    const earlier = seen.get(t.mous);
    if (earlier !== undefined) {
      throw new ReimageError(
        ErrorCode.BadInput,
        `${t.mous} is delivered twice under ${resolve(root)}: ${earlier} and ${t.memberDir}`,
      );
    }
    seen.set(t.mous, t.memberDir);
  }
  const out: Delivery[] = [];
  for (const t of trees) out.push(await readMemberTree(t));
  return out;
}

/**
 * The one MOUS delivered under `root`. With `expected`, that MOUS (others beside it are
 * allowed); without, exactly one must be there.
 */
export async function readDelivery(root: string, expected?: MousFileId): Promise<Delivery> {
  const all = await readDeliveries(root);
  const names = all.map((d) => d.mous.fileId).join(", ");
  if (expected !== undefined) {
    const match = all.find((d) => d.mous.fileId === expected);
    if (match === undefined) {
      throw new ReimageError(ErrorCode.BadInput, `${expected} is not delivered under ${resolve(root)} (found ${names})`);
    }
    return match;
  }
  const [only, ...more] = all;
  if (only === undefined || more.length > 0) {
    throw new ReimageError(ErrorCode.BadInput, `one MOUS expected under ${resolve(root)}, found ${all.length}: ${names}`);
  }
  return only;
}

const ROLE_FOLDERS = ["script", "calibration", "raw", "product", "qa", "log"] as const;
const ASDM = /^(uid___A002_X[0-9a-fA-F]+_X[0-9a-fA-F]+)\.asdm\.sdm$/;
const CALIBRATION_SCRIPT = /(uid___A002_X[0-9a-fA-F]+_X[0-9a-fA-F]+)(?:\.ms)?\.scriptForCalibration\.py$/;
const RESTORE_SCRIPT = /casa_piperestorescript\.py$/;
const MANIFEST = /pipeline_manifest.*\.xml$/;
const PPR = /PPR.*\.xml$/;
const README = /readme/i;
const ANY_EB = /uid(?:___|:\/\/)A002[_/]X[0-9a-fA-F]+[_/]X[0-9a-fA-F]+/g;

function ebsIn(text: string): ExecBlockId[] {
  const ids = [...text.matchAll(ANY_EB)].map((m) => parseExecBlockId(m[0]));
  return [...new Set(ids.filter((id): id is ExecBlockId => id !== undefined))];
}

// The manifest's <asdm name=...> and the PPR's <ExecBlockId> name the processed EBs; the
// rest of both schemas drifts by era, so fall back to every EB uid in the text.
function manifestEbs(xml: string): ExecBlockId[] {
  const named = [...xml.matchAll(/<asdm\s[^>]*name="([^"]+)"/g)].map((m) => m[1] ?? "").join(" ");
  return ebsIn(named.length > 0 ? named : xml);
}

function pprEbs(xml: string): ExecBlockId[] {
  const named = [...xml.matchAll(/<ExecBlockId>\s*([^<\s]+)\s*</g)].map((m) => m[1] ?? "").join(" ");
  return ebsIn(named.length > 0 ? named : xml);
}

async function isDir(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}

/** Reads one MOUS tree found by `findMemberTrees`. */
export async function readMemberTree(tree: MemberTree): Promise<Delivery> {
  const { memberDir } = tree;
  const assumptions: string[] = [];
  const folders: Record<string, string> = {};
  for (const name of ROLE_FOLDERS) {
    const path = join(memberDir, name);
    if (await isDir(path)) folders[name] = path;
  }
  const { script, calibration, raw } = folders as DeliveryFolders;
  const scriptFiles = await files(script);
  const calibrationFiles = await files(calibration);
  const inScriptOrCal = (re: RegExp): string[] => [
    ...(script === undefined ? [] : scriptFiles.filter((f) => re.test(f)).map((f) => join(script, f))),
    ...(calibration === undefined ? [] : calibrationFiles.filter((f) => re.test(f)).map((f) => join(calibration, f))),
  ];

  // scriptForPI: plain, or prefixed with the member name in later packages.
  let scriptForPI: string | undefined;
  if (script !== undefined) {
    const plain = scriptFiles.find((f) => f === "scriptForPI.py");
    const prefixed = scriptFiles.filter((f) => f !== "scriptForPI.py" && f.endsWith("scriptForPI.py"));
    if (plain !== undefined) {
      scriptForPI = join(script, plain);
      if (prefixed.length > 0) assumptions.push(`scriptForPI.py chosen over ${prefixed.join(", ")}`);
    } else if (prefixed[0] !== undefined) {
      scriptForPI = join(script, prefixed[0]);
      assumptions.push(`scriptForPI found under a prefixed name: ${prefixed[0]}`);
      if (prefixed.length > 1) assumptions.push(`several scriptForPI files; took the first by name of ${prefixed.join(", ")}`);
    }
  }

  // Execution blocks, each with every place that names it.
  const ebs = new Map<ExecBlockId, { sources: Set<string>; asdmPath?: string; calibrationScript?: string }>();
  const note = (id: ExecBlockId, source: string): { sources: Set<string>; asdmPath?: string; calibrationScript?: string } => {
    const entry = ebs.get(id) ?? { sources: new Set<string>() };
    entry.sources.add(source);
    ebs.set(id, entry);
    return entry;
  };
  if (raw !== undefined) {
    for (const name of await subdirs(raw)) {
      const m = ASDM.exec(name);
      const id = m?.[1] === undefined ? undefined : parseExecBlockId(m[1]);
      if (id !== undefined) note(id, ExecBlockSource.Raw).asdmPath = join(raw, name);
    }
  }
  const calibrationScripts = script === undefined ? [] : scriptFiles.filter((f) => CALIBRATION_SCRIPT.test(f));
  for (const f of calibrationScripts) {
    const id = parseExecBlockId(CALIBRATION_SCRIPT.exec(f)?.[1] ?? "");
    if (id !== undefined && script !== undefined) note(id, ExecBlockSource.CalibrationScript).calibrationScript = join(script, f);
  }
  const restoreScripts = inScriptOrCal(RESTORE_SCRIPT);
  const manifests = inScriptOrCal(MANIFEST);
  const pprs = inScriptOrCal(PPR);
  for (const path of manifests) for (const id of manifestEbs(await readFile(path, "utf8"))) note(id, ExecBlockSource.PipelineManifest);
  for (const path of pprs) for (const id of pprEbs(await readFile(path, "utf8"))) note(id, ExecBlockSource.Ppr);
  for (const path of restoreScripts) for (const id of ebsIn(await readFile(path, "utf8"))) note(id, ExecBlockSource.RestoreScript);

  const sourceOrder: readonly string[] = Object.values(ExecBlockSource);
  const executionBlocks: DeliveredExecBlock[] = [...ebs.entries()]
    .sort(([a], [b]) => byCodeUnit(a, b))
    .map(([id, e]) => ({
      id,
      sources: [...e.sources].sort((a, b) => sourceOrder.indexOf(a) - sourceOrder.indexOf(b)) as ExecBlockSource[],
      ...(e.asdmPath === undefined ? {} : { asdmPath: e.asdmPath }),
      ...(e.calibrationScript === undefined ? {} : { calibrationScript: e.calibrationScript }),
    }));
  const rawIds = executionBlocks.filter((e) => e.asdmPath !== undefined).map((e) => e.id);
  if (raw === undefined || rawIds.length === 0) {
    if (executionBlocks.length > 0) {
      assumptions.push(`no ASDM in raw/: execution blocks taken from the names in scripts, manifest or PPR`);
    }
  } else {
    const missing = executionBlocks.filter((e) => e.asdmPath === undefined).map((e) => e.id);
    if (missing.length > 0) assumptions.push(`named by the calibration but not in raw/: ${missing.join(", ")}`);
  }

  // How the calibration is restored.
  let kind: CalibrationKind;
  const evidence: string[] = [];
  const pipelineFiles = [...restoreScripts, ...manifests, ...pprs];
  const manualFiles = calibrationScripts.map((f) => join(script ?? "", f));
  if (cycleOfProject(tree.projectCode) === 0) {
    kind = CalibrationKind.Cycle0;
    evidence.push(`project ${tree.projectCode} is Cycle 0`);
    assumptions.push("Cycle 0 package: raw and processed data in one tar, layout of its own");
  } else if (pipelineFiles.length > 0 && (manualFiles.length === 0 || restoreScripts.length > 0)) {
    kind = CalibrationKind.Pipeline;
    evidence.push(...pipelineFiles);
    if (manualFiles.length > 0) {
      assumptions.push(`both pipeline and per-EB calibration scripts; took pipeline because of ${restoreScripts.join(", ")}`);
    }
  } else if (manualFiles.length > 0) {
    kind = CalibrationKind.Manual;
    evidence.push(...manualFiles);
    if (pipelineFiles.length > 0) {
      assumptions.push(`per-EB calibration scripts beside ${pipelineFiles.join(", ")} without a restore script; took manual`);
    }
  } else {
    kind = CalibrationKind.None;
    evidence.push("no scriptForCalibration, casa_piperestorescript, pipeline manifest or PPR in script/ or calibration/");
    if (scriptForPI !== undefined) assumptions.push("scriptForPI present with nothing for it to restore: a QA-only shell");
  }

  // READMEs sit beside the member folder's contents, or higher up in some eras.
  const readmes: string[] = [];
  for (const dir of [dirname(dirname(dirname(memberDir))), dirname(dirname(memberDir)), dirname(memberDir), memberDir]) {
    for (const f of await files(dir)) if (README.test(f)) readmes.push(join(dir, f));
  }

  const mous = parseUid(tree.mous);
  if (mous === undefined) throw new ReimageError(ErrorCode.BadInput, `${memberDir} is not named after a MOUS uid`);
  if (cycleOfProject(tree.projectCode) === undefined) {
    assumptions.push(`the folder above science_goal, "${tree.projectCode}", is taken as the project code`);
  }
  return {
    projectCode: tree.projectCode,
    scienceGoal: tree.scienceGoal,
    group: tree.group,
    mous,
    memberDir,
    folders,
    executionBlocks,
    ...(scriptForPI === undefined ? {} : { scriptForPI }),
    calibration: { kind, evidence },
    readmes,
    assumptions,
  };
}
