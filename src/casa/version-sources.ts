/**
 * The text files of a delivery that can state a CASA version (scripts, manifests, READMEs,
 * QA reports), read for `discoverCasaVersion`. Reading is here; deciding is pure.
 */
import { readFile, readdir, stat } from "node:fs/promises";
import { relative, join, resolve } from "node:path";
import { readDelivery } from "../archive/delivery.js";
import { ErrorCode, ReimageError, coerceError, type Delivery } from "../domain/index.js";
import { discoverCasaVersion, type SourceText, type VersionDiscovery } from "./version-discovery.js";

// Only text files say anything about versions; caltable tarballs and weblogs are large
// binaries. README files often have no extension at all.
const TEXT_FILE = /\.(py|xml|txt|md|html?|log)$/i;
const NO_EXTENSION = /^[^.]+$/;
// Pipeline CASA logs in qa/ or log/ can be hundreds of MB; version statements are in headers.
const MAX_BYTES = 4 * 1024 * 1024;

export interface VersionSources {
  readonly files: SourceText[];
  /** Files passed over, and why. */
  readonly skipped: string[];
}

/**
 * Reads the text files of a delivery that can state a CASA version: script/, calibration/,
 * qa/ and the READMEs. File names in the result are relative to the member folder, so
 * that roles read from them (`qa/...`) and evidence stay short.
 */
export async function readVersionSources(delivery: Delivery): Promise<VersionSources> {
  const files: SourceText[] = [];
  const skipped: string[] = [];
  const paths: string[] = [...delivery.readmes];
  for (const dir of [delivery.folders.script, delivery.folders.calibration, delivery.folders.qa]) {
    if (dir === undefined) continue;
    const entries = await readdir(dir, { withFileTypes: true }).catch((caught: unknown) => {
      throw new ReimageError(ErrorCode.BadInput, `cannot list ${dir}`, { cause: coerceError(caught) });
    });
    for (const e of entries) {
      if (e.isFile() && (TEXT_FILE.test(e.name) || NO_EXTENSION.test(e.name))) paths.push(join(dir, e.name));
    }
  }
  for (const path of [...new Set(paths)].sort()) {
    try {
      const size = (await stat(path)).size;
      if (size > MAX_BYTES) {
        skipped.push(`${relative(delivery.memberDir, path)}: ${size} bytes, more than ${MAX_BYTES}`);
        continue;
      }
      files.push({ file: relative(delivery.memberDir, path), text: await readFile(path, "utf8") });
    } catch (caught) {
      throw new ReimageError(ErrorCode.BadInput, `cannot read ${path}`, { cause: coerceError(caught) });
    }
  }
  return { files, skipped };
}

/** Reads the delivery under `dir` and discovers its CASA version. */
export async function discoverDeliveryVersion(dir: string): Promise<{ delivery: Delivery; discovery: VersionDiscovery; skipped: string[] }> {
  const delivery = await readDelivery(resolve(dir));
  const { files, skipped } = await readVersionSources(delivery);
  return { delivery, discovery: discoverCasaVersion({ projectCode: delivery.projectCode, files }), skipped };
}

