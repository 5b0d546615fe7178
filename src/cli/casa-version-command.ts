/**
 * `reimage casa-version DIR [--json]`: which CASA restores the MOUS delivered under DIR,
 * with every statement the delivery makes about versions, and which installed runtime
 * would run it. Reading is `readVersionSources`', deciding `discoverCasaVersion`'s, choosing
 * `chooseRuntimeFor`'s.
 */
import type { Command } from "commander";
import { scanRuntimes } from "../casa/runtimes.js";
import type { VersionDiscovery } from "../casa/version-discovery.js";
import { discoverDeliveryVersion } from "../casa/version-sources.js";
import { chooseRuntimeFor, type RuntimeChoice } from "../casa/version-table.js";
import type { Config } from "../config.js";
import { cycleOfProject, type CasaRuntime, type Delivery } from "../domain/index.js";

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
