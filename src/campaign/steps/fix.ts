/**
 * Step 3: known fixes to the restored data (see src/fixes/registry.ts). Each after-restore
 * fix is checked on every Measurement Set and applied where its condition holds; the step
 * records which fixes were checked, which applied, to which MS and what they changed, so
 * that a product can always be traced to the repairs made before it. It ends by describing
 * the repaired MSs (ms_metadata.py) for the imaging plan and the resource model.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { ErrorClass } from "../../domain/campaign.js";
import { newestFirst, type CasaRuntime } from "../../domain/runtime.js";
import { type CasaJob, type Executor } from "../../executors/executor.js";
import { FixStage, KNOWN_FIXES, knownFix } from "../../fixes/registry.js";
import { imagingFeatures } from "../../imaging/features.js";
import { planImaging } from "../../imaging/plan.js";
import { parseMsMetadataFile } from "../../domain/ms-metadata.js";
import { casaScriptsDir } from "../../paths.js";
import type { StepContext, StepRunner } from "../engine.js";
import { classifyJob, failure, input, runStepJob } from "./common.js";

export interface FixStepOptions {
  readonly runtimes: readonly CasaRuntime[];
  readonly executor: Executor;
  /** Ids of after-restore fixes to check; default all of the registry's. */
  readonly fixes?: readonly string[];
}

const Csv2555Report = z.object({
  measurementSets: z.array(
    z.object({
      ms: z.string(),
      mismatches: z.array(z.object({ row: z.number(), sourceId: z.number(), sourceName: z.string(), fieldNames: z.array(z.string()) })),
      ambiguous: z.array(z.object({ row: z.number(), sourceId: z.number(), sourceName: z.string(), fieldNames: z.array(z.string()) })),
      repaired: z.number(),
    }),
  ),
});

interface AppliedFix {
  readonly id: string;
  readonly ms: string;
  readonly changed: string;
}

/** A casatools script in the fix step's runtime, its logs in the attempt's folder. */
async function runPython(ctx: StepContext, options: FixStepOptions, runtime: CasaRuntime, name: string, script: string, args: readonly string[]) {
  const job: CasaJob = {
    label: `${ctx.step.mousUid} ${name}`,
    ...(ctx.memoryLimitBytes !== null && { memoryLimitBytes: ctx.memoryLimitBytes }),
    attemptId: ctx.step.attemptId,
    runtime,
    script,
    args,
    mode: "python",
    cwd: ctx.attemptDir,
    logDir: ctx.attemptDir,
    name,
  };
  return runStepJob(ctx, options.executor, job);
}

async function csv2555(ctx: StepContext, options: FixStepOptions, runtime: CasaRuntime, measurementSets: readonly string[]) {
  const out = join(ctx.attemptDir, "csv2555.json");
  const outcome = await runPython(ctx, options, runtime, "fix-csv2555", join(casaScriptsDir, "fixes", "csv2555.py"), ["repair", out, ...measurementSets]);
  if (outcome.exitCode !== 0 || outcome.signal) return { outcome, applied: [], notes: [] };
  const report = Csv2555Report.parse(JSON.parse(await readFile(out, "utf8")));
  const applied: AppliedFix[] = [];
  const notes: string[] = [];
  for (const r of report.measurementSets) {
    if (r.repaired > 0) {
      applied.push({
        id: "csv2555-source-names",
        ms: r.ms,
        changed: r.mismatches.map((m) => `SOURCE row ${m.row} (id ${m.sourceId}) "${m.sourceName}" -> "${m.fieldNames[0] ?? ""}"`).join("; "),
      });
    }
    for (const a of r.ambiguous) notes.push(`${r.ms}: source id ${a.sourceId} "${a.sourceName}" has fields named ${a.fieldNames.join(", ")}: left alone`);
  }
  return { outcome, applied, notes };
}

export function fixStep(options: FixStepOptions): StepRunner {
  return async (ctx) => {
    const measurementSets = input(ctx, "restore", "measurementSets") as string[];
    const wanted = (options.fixes ?? KNOWN_FIXES.filter((f) => f.stage === FixStage.AfterRestore).map((f) => f.id)).map(knownFix);
    const checked = wanted.map((f) => f.id);
    const runtime = newestFirst(options.runtimes.filter((r) => r.kind === "modular"))[0];
    if (!runtime) return { state: "failed", failure: failure(ErrorClass.CasaVersion, "casa-version-unavailable: known fixes need a modular CASA (casatools); run `reimage casa setup`") };

    const applied: AppliedFix[] = [];
    const notes: string[] = [];
    if (checked.includes("csv2555-source-names")) {
      const result = await csv2555(ctx, options, runtime, measurementSets);
      if (result.outcome.exitCode !== 0 || result.outcome.signal) {
        return { state: "failed", process: { ...result.outcome, runtimeId: runtime.id }, failure: await classifyJob(result.outcome) };
      }
      applied.push(...result.applied);
      notes.push(...result.notes);
    }
    for (const a of applied) ctx.emit(`applied fix ${a.id} to ${a.ms}: ${a.changed}`);
    for (const n of notes) ctx.emit(n);
    if (applied.length === 0) ctx.emit(`no fix needed (checked ${checked.join(", ")})`);

    // The MSs as imaging will see them, described once: the image step plans from this
    // file, and the resource model predicts the imaging from the plan's size.
    const metadataFile = join(ctx.attemptDir, "ms_metadata.json");
    const meta = await runPython(ctx, options, runtime, "ms-metadata", join(casaScriptsDir, "ms_metadata.py"), [metadataFile, ...measurementSets]);
    if (meta.exitCode !== 0 || meta.signal) return { state: "failed", process: { ...meta, runtimeId: runtime.id }, failure: await classifyJob(meta) };
    const metadata = parseMsMetadataFile(JSON.parse(await readFile(metadataFile, "utf8")));
    const features = imagingFeatures(metadata.measurementSets, planImaging(ctx.step.mousUid, metadata.measurementSets));
    return { state: "succeeded", outputs: { measurementSets, checked, applied, notes, msMetadataFile: metadataFile, imagingFeatures: features } };
  };
}
