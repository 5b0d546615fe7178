/**
 * The runtime registry: which CASA installations this machine can run.
 *
 * Two halves: pure parsing of what install folders and package metadata say
 * (`parseMonolithicFolderName`, `parseDistInfoVersion`), and `scanRuntimes`, which reads
 * the folders the configuration names. Scanning never starts Python or CASA: listing
 * runtimes must stay instant even with a dozen installs, and a broken install must still
 * show up so that someone can see why it is not chosen.
 */
import type { Dirent } from "node:fs";
import { readdir, readFile, realpath, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import type { Config } from "../config.js";
import { ErrorCode, ReimageError } from "../domain/errors.js";
import { newestFirst, normaliseCasaVersion, type CasaRuntime } from "../domain/runtime.js";
import { envPython, readManifest } from "./modular-env.js";

/** What the name of a monolithic install folder says. */
export interface MonolithicFolderName {
  /** Normalised (`6.5.4.9`). */
  readonly casaVersion: string;
  readonly pipelineVersion?: string;
  /** The name says it is a pipeline release (`-pipeline-`, `pipeline-release`, `-pipe`). */
  readonly pipeline: boolean;
  /** `el7`, `el8`, ... when named. */
  readonly platform?: string;
  /** The bundled Python, `3.8`, when named (`-py3.8`). */
  readonly python?: string;
}

// casa-[pipeline-release-|release-|prerelease-]X.Y.Z[-B|.B]<rest>; the rest holds the
// pipeline release, `pipe[-N]`, `pyX.Y` and the platform in whatever order the era used.
const FOLDER = /^casa-(pipeline-release-|release-|prerelease-)?(\d+\.\d+\.\d+(?:[-.]\d+)?)(?=$|[-.][a-z])(.*)$/;

/**
 * Reads the version and flavour from an install folder's name, as NRAO and ALMA ship
 * them: `casa-6.5.4-9-pipeline-2023.1.0.124`, `casa-release-5.4.0-70.el7`,
 * `casa-pipeline-release-5.6.1-8.el7`, `casa-release-4.3.1-pipe-1-el6`,
 * `casa-6.5.4-9-py3.8.el7`. Undefined for a name that carries no version.
 */
export function parseMonolithicFolderName(name: string): MonolithicFolderName | undefined {
  const m = FOLDER.exec(name);
  if (!m) return undefined;
  const [, prefix, versionText, rest] = m as unknown as [string, string | undefined, string, string];
  const casaVersion = normaliseCasaVersion(versionText);
  if (casaVersion === undefined) return undefined;
  const pipelineVersion = /(?:^|[-.])pipeline-(\d{4}\.\d+\.\d+\.\d+)/.exec(rest)?.[1];
  const platform = /(?:^|[-.])(el\d+)(?=$|[-.])/.exec(rest)?.[1];
  const python = /(?:^|[-.])py(\d+\.\d+)(?=$|[-.])/.exec(rest)?.[1];
  const pipeline =
    prefix === "pipeline-release-" || pipelineVersion !== undefined || /(?:^|-)pipe(?=$|-)/.test(rest);
  return {
    casaVersion,
    pipeline,
    ...(pipelineVersion !== undefined && { pipelineVersion }),
    ...(platform !== undefined && { platform }),
    ...(python !== undefined && { python }),
  };
}

/** The `Version:` header of a Python package's `METADATA`, normalised; undefined if absent. */
export function parseDistInfoVersion(metadata: string): string | undefined {
  const line = /^Version:\s*(\S+)\s*$/m.exec(metadata)?.[1];
  return line === undefined ? undefined : normaliseCasaVersion(line);
}

/** A folder that looked like a runtime but is not usable, and why. */
export interface SkippedRuntime {
  readonly path: string;
  readonly reason: string;
}

export interface RuntimeScan {
  /** The managed environment first, then newest versions first. */
  readonly runtimes: readonly CasaRuntime[];
  readonly skipped: readonly SkippedRuntime[];
}

export type RuntimeScanConfig = Pick<Config["casa"], "modularEnvDir" | "extraModularEnvs" | "monolithicDirs">;

/** Lists every runtime the configuration points at. Missing folders list nothing. */
export async function scanRuntimes(casa: RuntimeScanConfig): Promise<RuntimeScan> {
  const runtimes: CasaRuntime[] = [];
  const skipped: SkippedRuntime[] = [];
  const seen = new Set<string>();
  const add = async (runtime: CasaRuntime): Promise<void> => {
    const real = await realpath(runtime.path);
    if (seen.has(real)) return;
    seen.add(real);
    runtimes.push(runtime);
  };

  const managed = await managedRuntime(casa.modularEnvDir);
  if (managed) await add(managed);
  for (const envDir of casa.extraModularEnvs) {
    const found = await modularRuntime(envDir);
    if (found === undefined) continue;
    if ("reason" in found) skipped.push(found);
    else await add(found);
  }
  for (const dir of casa.monolithicDirs) {
    for (const found of await monolithicRuntimes(dir)) {
      if ("reason" in found) skipped.push(found);
      else await add(found);
    }
  }

  // Sorted by id first: the sort by version is stable, so equal versions stay in id order.
  const others = newestFirst((managed ? runtimes.slice(1) : runtimes).sort((a, b) => a.id.localeCompare(b.id)));
  return { runtimes: uniqueIds(managed ? [managed, ...others] : others), skipped };
}

/** The same folder name can sit in two search folders; ids must still tell them apart. */
function uniqueIds(runtimes: readonly CasaRuntime[]): CasaRuntime[] {
  const used = new Map<string, number>();
  return runtimes.map((r) => {
    const n = (used.get(r.id) ?? 0) + 1;
    used.set(r.id, n);
    return n === 1 ? r : { ...r, id: `${r.id}#${n}` };
  });
}

async function managedRuntime(envDir: string): Promise<CasaRuntime | undefined> {
  const manifest = await readManifest(envDir);
  if (!manifest) return undefined;
  const casaVersion = normaliseCasaVersion(manifest.casaVersion);
  if (casaVersion === undefined) {
    throw new ReimageError(
      ErrorCode.CasaRuntimeUnreadable,
      `${envDir}: the CASA environment manifest names version "${manifest.casaVersion}", which is not a CASA version`,
    );
  }
  return {
    id: `modular-${casaVersion}`,
    kind: "modular",
    casaVersion,
    path: envDir,
    hasPipeline: false,
    canRunCasashell: manifest.casashell,
    python: envPython(envDir),
  };
}

/** Reads a virtual environment's package metadata; Python is never started. */
async function modularRuntime(envDir: string): Promise<CasaRuntime | SkippedRuntime | undefined> {
  const libDir = join(envDir, "lib");
  const pythonDirs = (await listFolder(libDir)).filter((e) => /^python\d/.test(e.name));
  if (pythonDirs.length === 0) {
    return (await exists(envDir)) ? { path: envDir, reason: "not a Python virtual environment (no lib/python*)" } : undefined;
  }
  for (const pyDir of pythonDirs) {
    const sitePackages = join(libDir, pyDir.name, "site-packages");
    const entries = await listFolder(sitePackages);
    const distInfo = (pkg: string) => entries.find((e) => e.name.startsWith(`${pkg}-`) && e.name.endsWith(".dist-info"));
    const casatasks = distInfo("casatasks");
    if (!casatasks) continue;
    const metadataPath = join(sitePackages, casatasks.name, "METADATA");
    const casaVersion = parseDistInfoVersion(await readText(metadataPath));
    if (casaVersion === undefined) return { path: envDir, reason: `${metadataPath} names no CASA version` };
    return {
      id: `modular-${casaVersion}-${basename(envDir)}`,
      kind: "modular",
      casaVersion,
      path: envDir,
      hasPipeline: false,
      canRunCasashell: distInfo("casashell") !== undefined,
      python: envPython(envDir),
    };
  }
  return { path: envDir, reason: "no casatasks installed in this environment" };
}

async function monolithicRuntimes(dir: string): Promise<(CasaRuntime | SkippedRuntime)[]> {
  const found: (CasaRuntime | SkippedRuntime)[] = [];
  const entries = (await listFolder(dir)).sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    if (!entry.name.startsWith("casa-")) continue;
    const path = join(dir, entry.name);
    if (!(await isFile(join(path, "bin", "casa")))) continue;
    // A link such as casa-latest -> casa-6.5.4-9-... is named by its target.
    const name = parseMonolithicFolderName(entry.name) ?? parseMonolithicFolderName(basename(await realpath(path)));
    if (!name) {
      found.push({ path, reason: "holds bin/casa but its name carries no CASA version" });
      continue;
    }
    found.push({
      id: entry.name,
      kind: "monolithic",
      casaVersion: name.casaVersion,
      ...(name.pipelineVersion !== undefined && { pipelineVersion: name.pipelineVersion }),
      path,
      hasPipeline: name.pipeline || (await hasPipelinePackage(path)),
      canRunCasashell: true,
    });
  }
  return found;
}

/**
 * CASA 4 and 5 keep the pipeline in `<install>/pipeline`, CASA 6 in its bundled Python's
 * site-packages; some releases ship it without saying so in the folder name.
 */
async function hasPipelinePackage(install: string): Promise<boolean> {
  if (await isDirectory(join(install, "pipeline"))) return true;
  const pyLib = join(install, "lib", "py", "lib");
  for (const entry of await listFolder(pyLib)) {
    if (/^python\d/.test(entry.name) && (await isDirectory(join(pyLib, entry.name, "site-packages", "pipeline")))) return true;
  }
  return false;
}

function errnoOf(caught: unknown): string | undefined {
  return caught instanceof Error && "code" in caught && typeof caught.code === "string" ? caught.code : undefined;
}

function unreadable(path: string, caught: unknown): ReimageError {
  return new ReimageError(ErrorCode.CasaRuntimeUnreadable, `cannot read ${path} while listing CASA runtimes (${errnoOf(caught) ?? "error"})`, {
    cause: caught,
  });
}

/** A missing folder lists nothing; one that exists and cannot be read is an error. */
async function listFolder(dir: string): Promise<Dirent[]> {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (caught) {
    if (errnoOf(caught) === "ENOENT") return [];
    throw unreadable(dir, caught);
  }
}

async function statOrUndefined(path: string): Promise<Awaited<ReturnType<typeof stat>> | undefined> {
  try {
    return await stat(path);
  } catch (caught) {
    const code = errnoOf(caught);
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw unreadable(path, caught);
  }
}

async function exists(path: string): Promise<boolean> {
  return (await statOrUndefined(path)) !== undefined;
}

async function isFile(path: string): Promise<boolean> {
  return (await statOrUndefined(path))?.isFile() ?? false;
}

async function isDirectory(path: string): Promise<boolean> {
  return (await statOrUndefined(path))?.isDirectory() ?? false;
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (caught) {
    throw unreadable(path, caught);
  }
}
