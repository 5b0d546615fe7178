/**
 * The demo archive: three simulated MOUS deliveries (a single pointing with a line, a
 * three-pointing mosaic, an aborted execution with no target) made by CASA's simulator
 * (casa-scripts/demo_archive.py), then packed as the request handler serves them.
 *
 * Layout of DIR:
 *   mirror/<project>/science_goal.../group.../member.../   the delivery trees
 *   request-handler/<project>_<mous>_001_of_001.tar        the same, as archive downloads
 *   truth/<mous>.json                                      what was simulated (for tests)
 *   archive.json                                           this manifest, written last
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ErrorCode, ReimageError, parseUid, type MousFileId } from "../domain/index.js";
import { casaEnvironment, envPython } from "../casa/modular-env.js";
import { runQuiet } from "../casa/quiet-process.js";
import { casaScriptsDir } from "../paths.js";
import { packDelivery } from "./tar.js";

export const DEMO_GENERATOR = join(casaScriptsDir, "demo_archive.py");
/** Tar members get this time so that two builds of the same archive are byte-identical. */
const PACK_MTIME = new Date("2024-03-16T00:00:00Z");

export interface DemoMous {
  readonly name: string;
  readonly mousUid: string;
  readonly mous: MousFileId;
  readonly projectCode: string;
  readonly source: string;
  readonly observed: boolean;
  readonly memberDir: string;
  readonly tars: readonly string[];
  readonly truthFile: string;
}

export interface DemoArchive {
  readonly dir: string;
  readonly generatorSha256: string;
  readonly casaVersion: string;
  readonly mouses: readonly DemoMous[];
  readonly sizeBytes: number;
  readonly buildSeconds: number;
  /** The archive's holdings as its ObsCore service would list them (CSV). */
  readonly holdings: string;
}

interface Truth {
  name: string;
  mous: string;
  mous_uid: string;
  project: string;
  source: string;
  observed: boolean;
  casa_version: string;
  member_dir: string;
}

async function sha256File(path: string): Promise<string> {
  return createHash("sha256").update(await readFile(path)).digest("hex");
}

async function treeSize(path: string): Promise<number> {
  const s = await stat(path);
  if (!s.isDirectory()) return s.size;
  let total = 0;
  for (const entry of await readdir(path)) total += await treeSize(join(path, entry));
  return total;
}

export async function readDemoArchive(dir: string): Promise<DemoArchive | undefined> {
  const manifest = join(dir, "archive.json");
  if (!existsSync(manifest)) return undefined;
  try {
    return JSON.parse(await readFile(manifest, "utf8")) as DemoArchive;
  } catch (caught) {
    throw new ReimageError(ErrorCode.BadInput, `${manifest}: not a readable demo archive manifest`, { cause: caught });
  }
}

/**
 * Builds the demo archive in `dir` with the modular CASA in `envDir`, unless an archive made
 * by the same generator is already there. The manifest is written last: a build that was
 * interrupted is started again from scratch.
 */
export async function ensureDemoArchive(
  dir: string,
  envDir: string,
  onProgress: (line: string) => void = () => {},
): Promise<DemoArchive> {
  const generatorSha256 = await sha256File(DEMO_GENERATOR);
  const existing = await readDemoArchive(dir);
  if (existing && existing.generatorSha256 === generatorSha256) return existing;

  const started = Date.now();
  await mkdir(dir, { recursive: true });
  for (const part of ["mirror", "request-handler", "truth", "build", "obscore.csv", "archive.json"]) {
    await rm(join(dir, part), { recursive: true, force: true });
  }
  onProgress(`demo archive: simulating three MOUSs with CASA into ${dir}`);
  await runQuiet(envPython(envDir), [DEMO_GENERATOR, dir], {
    env: casaEnvironment(envDir),
    logFile: join(dir, "build.log"),
    what: "demo archive generator",
  });

  const mouses: DemoMous[] = [];
  for (const file of (await readdir(join(dir, "truth"))).sort()) {
    const truth = JSON.parse(await readFile(join(dir, "truth", file), "utf8")) as Truth;
    const ids = parseUid(truth.mous);
    if (!ids) throw new ReimageError(ErrorCode.BadInput, `${file}: the generator wrote an invalid MOUS id ${truth.mous}`);
    onProgress(`demo archive: packing ${truth.name} (${truth.mous}) as request-handler tars`);
    const parts = await packDelivery(join(dir, "mirror", truth.project), ids.fileId, join(dir, "request-handler"), {
      mtime: PACK_MTIME,
    });
    mouses.push({
      name: truth.name,
      mousUid: ids.uid,
      mous: ids.fileId,
      projectCode: truth.project,
      source: truth.source,
      observed: truth.observed,
      memberDir: truth.member_dir,
      tars: parts.map((p) => p.path),
      truthFile: join("truth", file),
    });
  }
  const casaVersion = mouses.length > 0 ? (JSON.parse(await readFile(join(dir, "truth", `${mouses[0]!.mous}.json`), "utf8")) as Truth).casa_version : "";
  const archive: DemoArchive = {
    dir,
    generatorSha256,
    casaVersion,
    mouses,
    sizeBytes: await treeSize(join(dir, "request-handler")),
    holdings: join(dir, "obscore.csv"),
    buildSeconds: Math.round((Date.now() - started) / 100) / 10,
  };
  await writeFile(join(dir, "archive.json"), JSON.stringify(archive, null, 2) + "\n");
  onProgress(`demo archive: ${mouses.length} MOUSs, ${(archive.sizeBytes / 1e6).toFixed(1)} MB of tars, built in ${archive.buildSeconds} s`);
  return archive;
}
