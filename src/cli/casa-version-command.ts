/**
 * `reimage casa-version DIR [--json]`: which CASA restores the MOUS delivered under DIR,
 * with every statement the delivery makes about versions, and which installed runtime
 * would run it. Reads the files here; deciding is `discoverCasaVersion`'s, choosing is
 * `chooseRuntimeFor`'s.
 */
import type { Command } from "commander";
import { readFile, readdir, stat } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { readDelivery } from "../archive/delivery.js";
import { scanRuntimes } from "../casa/runtimes.js";
import { discoverCasaVersion, type SourceText, type VersionDiscovery } from "../casa/version-discovery.js";
import { chooseRuntimeFor, type RuntimeChoice } from "../casa/version-table.js";
import type { Config } from "../config.js";
import { ErrorCode, ReimageError, coerceError, cycleOfProject, type CasaRuntime, type Delivery } from "../domain/index.js";

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

interface Report {
  readonly mous: string;
  readonly projectCode: string;
  readonly cycle: number | null;
  readonly discovery: VersionDiscovery;
  /** Undefined when there is nothing to restore or no version is known. */
  readonly runtime?: RuntimeChoice;
  readonly perExecBlockRuntime?: readonly { readonly execBlock: string; readonly choice: RuntimeChoice }[];
  readonly skipped: readonly string[];
}

function buildReport(delivery: Delivery, discovery: VersionDiscovery, runtimes: readonly CasaRuntime[], skipped: readonly string[]): Report {
  const req = discovery.requirement;
  const needsPipeline = req?.needsPipeline ?? false;
  const perEb = req?.perExecBlock;
  const differ = perEb !== undefined && new Set(perEb.map((p) => p.casaVersion)).size > 1;
  return {
    mous: delivery.mous.fileId,
    projectCode: delivery.projectCode,
    cycle: cycleOfProject(delivery.projectCode) ?? null,
    discovery,
    ...(req === undefined ? {} : { runtime: chooseRuntimeFor({ casaVersion: req.casaVersion, needsPipeline }, runtimes) }),
    ...(differ
      ? {
          perExecBlockRuntime: perEb.map((p) => ({
            execBlock: p.execBlock,
            choice: chooseRuntimeFor({ casaVersion: p.casaVersion, needsPipeline }, runtimes),
          })),
        }
      : {}),
    skipped,
  };
}

function describeChoice(choice: RuntimeChoice): string {
  switch (choice.kind) {
    case "exact":
      return `exact: ${choice.runtime.id} (${choice.runtime.casaVersion})`;
    case "compatible":
      return `compatible: ${choice.runtime.id} (${choice.runtime.casaVersion}); ${choice.substitution.reason}`;
    case "casa-version-unavailable":
      return choice.reason;
  }
}

function formatReport(r: Report): string {
  const d = r.discovery;
  const req = d.requirement;
  const out: string[] = [];
  out.push(`MOUS ${r.mous} (${r.projectCode}${r.cycle === null ? "" : `, Cycle ${r.cycle}`})`);
  out.push(`calibration: ${d.calibrationKind}`);
  if (req === undefined) {
    out.push(d.calibrationKind === "none" ? "CASA: nothing to restore" : "CASA: unknown (no source names a version)");
  } else {
    out.push(`CASA: ${req.casaVersion} (${req.confidence} confidence, from ${req.decidedBy ?? "?"})${req.needsPipeline ? " with pipeline" : ""}`);
    out.push(`pipeline: ${req.pipelineVersion ?? "-"}`);
  }
  if (req?.perExecBlock !== undefined) {
    out.push("per execution block:");
    for (const p of req.perExecBlock) out.push(`  ${p.execBlock}  ${p.casaVersion}  (${p.confidence})`);
  }
  out.push("evidence (most trusted first):");
  for (const e of d.evidence) {
    const what = e.anyOf ? `any of ${e.anyOf.join(", ")}` : e.bound ? `${e.bound} ${e.casaVersion ?? ""}` : (e.casaVersion ?? "");
    const pipe = e.pipelineVersion ? ` pipeline ${e.pipelineVersion}` : "";
    out.push(`  ${e.source.padEnd(27)} ${e.file}${e.line > 0 ? `:${e.line}` : ""}  ${what}${pipe}  | ${e.text}`);
  }
  if (d.notes.length > 0) {
    out.push("notes:");
    for (const n of d.notes) out.push(`  - ${n}`);
  }
  if (r.runtime !== undefined) out.push(`runtime: ${describeChoice(r.runtime)}`);
  for (const p of r.perExecBlockRuntime ?? []) out.push(`  ${p.execBlock}: ${describeChoice(p.choice)}`);
  for (const s of r.skipped) out.push(`skipped ${s}`);
  return out.join("\n") + "\n";
}

export function registerCasaVersionCommand(program: Command, config: () => Config): void {
  program
    .command("casa-version")
    .description("which CASA restores the MOUS delivered under DIR: every version statement, the decision, and the runtime to use")
    .argument("<dir>", "a delivery: the folder holding <project>/science_goal.*/group.*/member.*, or a member folder")
    .option("--json", "print the result as JSON")
    .action(async (dir: string, opts: { json?: boolean }) => {
      const { delivery, discovery, skipped } = await discoverDeliveryVersion(dir);
      const scan = await scanRuntimes(config().casa);
      const report = buildReport(delivery, discovery, scan.runtimes, skipped);
      process.stdout.write(opts.json ? JSON.stringify(report, null, 2) + "\n" : formatReport(report));
    });
}
