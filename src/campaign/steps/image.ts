/**
 * Step 4: image the calibrated Measurement Sets with the ALMA pipeline's hifatargets recipe,
 * reproduced with casatasks: metadata of each MS (CASA), the plan (pure heuristics), the
 * plan written as a readable CASA script, the script run (CASA), its manifest read back.
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { ErrorClass, type StepFailure } from "../../domain/campaign.js";
import { parseMsMetadataFile } from "../../domain/ms-metadata.js";
import { newestFirst, type CasaRuntime } from "../../domain/runtime.js";
import { type CasaJob, type Executor, type JobOutcome } from "../../executors/executor.js";
import { writeCasatasksScript } from "../../imaging/casatasks-recipe.js";
import { writePipelineScript } from "../../imaging/pipeline-recipe.js";
import { planImaging } from "../../imaging/plan.js";
import { casaScriptsDir } from "../../paths.js";
import { classifyFailure, toLogLines } from "../classify.js";
import type { StepContext, StepOutcome, StepRunner } from "../engine.js";
import { classifyJob, failure, input, runStepJob } from "./common.js";

/**
 * casatasks: the hifatargets steps reproduced with plain CASA tasks (what runs here).
 * pipeline: the hifatargets recipe for `casa --pipeline` in a monolithic CASA that has the
 * ALMA pipeline (production sites).
 */
export type ImagingRecipe = "casatasks" | "pipeline";

export interface ImageStepOptions {
  readonly recipe?: ImagingRecipe;
  readonly runtimes: readonly CasaRuntime[];
  readonly executor: Executor;
  /** OpenMP threads per CASA job: the cores divided among the jobs running at once. */
  readonly threadsPerJob: number;
  readonly timeLimitSeconds?: number;
}

/** What the recipe's products.json says, as far as this step reads it. */
const ManifestSchema = z.object({
  status: z.string(),
  products: z.array(z.object({ path: z.string() }).passthrough()),
  failures: z.array(z.object({ stage: z.string(), label: z.string().optional(), errorClass: z.string(), message: z.string() }).passthrough()),
  warnings: z.array(z.string()),
});

/** casatasks images with the newest modular CASA; the delivered calibration does not bind imaging. */
function imagingRuntime(runtimes: readonly CasaRuntime[]): CasaRuntime | undefined {
  return newestFirst(runtimes.filter((r) => r.kind === "modular"))[0];
}

export function imageStep(options: ImageStepOptions): StepRunner {
  return async (ctx) => {
    const measurementSets = input(ctx, "fix", "measurementSets") as string[];
    if (options.recipe === "pipeline") return runPipelineRecipe(ctx, options, measurementSets);
    const runtime = imagingRuntime(options.runtimes);
    if (!runtime) {
      return { state: "failed", failure: failure(ErrorClass.CasaVersion, "casa-version-unavailable: imaging needs a modular CASA (casatasks); run `reimage casa setup`") };
    }
    // A fresh folder each attempt: an interrupted run's half-made images must not be taken for products.
    const workDir = join(ctx.mousDir, "imaging");
    await rm(workDir, { recursive: true, force: true });
    await mkdir(workDir, { recursive: true });

    const run = async (name: string, script: string, args: readonly string[] = []): Promise<JobOutcome> => {
      const job: CasaJob = {
        label: `${ctx.step.mousUid} ${name}`,
        ...(ctx.memoryLimitBytes !== null && { memoryLimitBytes: ctx.memoryLimitBytes }),
        attemptId: ctx.step.attemptId,
        runtime,
        script,
        args,
        mode: "python",
        cwd: workDir,
        logDir: ctx.attemptDir,
        name,
        cores: options.threadsPerJob,
        ...(options.timeLimitSeconds !== undefined && { timeLimitSeconds: options.timeLimitSeconds }),
      };
      return runStepJob(ctx, options.executor, job, (line) => {
        if (line.startsWith("reimage-recipe:")) ctx.emit(line.slice("reimage-recipe:".length).trim());
      });
    };

    // The fix step described the MSs after its repairs; an older campaign's did not.
    const described = ctx.step.inputs.fix?.msMetadataFile;
    let metadataFile = typeof described === "string" && existsSync(described) ? described : undefined;
    if (metadataFile === undefined) {
      metadataFile = join(ctx.attemptDir, "ms_metadata.json");
      const meta = await run("ms-metadata", join(casaScriptsDir, "ms_metadata.py"), [metadataFile, ...measurementSets]);
      if (meta.exitCode !== 0 || meta.signal) return { state: "failed", process: meta, failure: await classifyJob(meta) };
    }
    const metadata = parseMsMetadataFile(JSON.parse(await readFile(metadataFile, "utf8")));

    const plan = planImaging(ctx.step.mousUid, metadata.measurementSets, { productsDir: "products" });
    if (plan.kind === "nothing-to-image") return splitTargetsAnyway(ctx, run, measurementSets, plan.reason);

    const scriptPath = join(workDir, "casa_imaging_script.py");
    await writeFile(scriptPath, writeCasatasksScript(plan, { libDir: casaScriptsDir }));
    ctx.emit(`${plan.sources.length} source(s), ${plan.steps.length} CASA calls; script ${scriptPath}`);
    const outcome = await run("imaging", scriptPath);

    const manifestPath = join(workDir, "products.json");
    const manifest = existsSync(manifestPath) ? ManifestSchema.parse(JSON.parse(await readFile(manifestPath, "utf8"))) : undefined;
    for (const w of manifest?.warnings ?? []) ctx.emit(`warning: ${w}`);
    if (outcome.exitCode !== 0 || outcome.signal || manifest?.status !== "complete") {
      return { state: "failed", process: outcome, failure: await imagingFailure(outcome, manifest, manifestPath), outputs: { script: scriptPath } };
    }
    const products = [
      ...manifest.products.map((p) => join(workDir, p.path)),
      ...[plan.contFile, "casa_imaging_script.py", "products.json"].map((f) => join(workDir, f)).filter((p) => existsSync(p)),
    ];
    return {
      state: "succeeded",
      process: outcome,
      outputs: {
        products,
        script: scriptPath,
        manifest: manifestPath,
        measurementSets,
        assumptions: plan.assumptions,
        warnings: manifest.warnings,
        imagingRuntime: runtime.id,
      },
    };
  };
}

/**
 * The recipe's own record of failed stages carries CASA's exception text; CASA's log
 * carries the SEVERE line. Both are evidence; the classifier picks the most telling.
 */
async function imagingFailure(
  outcome: JobOutcome,
  manifest: z.infer<typeof ManifestSchema> | undefined,
  manifestPath: string,
): Promise<StepFailure> {
  const fromLogs = await classifyJob(outcome);
  if (fromLogs.errorClass !== ErrorClass.Unknown || !manifest) return fromLogs;
  const lines = manifest.failures.map((f) => ({ file: manifestPath, text: `${f.stage} ${f.label ?? ""}: ${f.errorClass}: ${f.message}` }));
  const fromManifest = classifyFailure({ exitCode: outcome.exitCode, signal: outcome.signal, timedOut: outcome.timedOut, lines });
  return fromManifest.errorClass !== ErrorClass.Unknown || lines.length > 0 ? fromManifest : fromLogs;
}

/**
 * No MS has target data (an execution aborted before the target). The pipeline's
 * hif_mstransform would try the target split and fail; doing the same lets CASA state the
 * reason in its own log line, which is the evidence operators know.
 */
async function splitTargetsAnyway(
  ctx: StepContext,
  run: (name: string, script: string, args?: readonly string[]) => Promise<JobOutcome>,
  measurementSets: readonly string[],
  reason: string,
): Promise<StepOutcome> {
  const script = join(ctx.attemptDir, "target_split.py");
  await writeFile(
    script,
    [
      "# Written by reimage: the science-target split of hif_mstransform, for a MOUS whose plan found no target.",
      "import casatasks",
      ...measurementSets.map(
        (ms, i) =>
          `casatasks.mstransform(vis=${JSON.stringify(ms)}, outputvis=${JSON.stringify(`target_check_${i}.ms`)}, intent="OBSERVE_TARGET#ON_SOURCE", datacolumn="data", reindex=False)`,
      ),
      "",
    ].join("\n"),
  );
  const outcome = await run("target-split", script);
  if (outcome.exitCode !== 0 || outcome.signal) {
    const classified = await classifyJob(outcome);
    return { state: "failed", process: outcome, failure: { ...classified, message: `${reason}: ${classified.message}` } };
  }
  const lines = toLogLines("plan", reason);
  return { state: "failed", process: outcome, failure: failure(ErrorClass.EmptySelection, reason, { line: lines[0]?.text, file: "imaging plan" }) };
}

/** The newest monolithic CASA that has the ALMA pipeline. */
function pipelineRuntime(runtimes: readonly CasaRuntime[]): CasaRuntime | undefined {
  return newestFirst(runtimes.filter((r) => r.kind === "monolithic" && r.hasPipeline))[0];
}

/**
 * hifatargets with the pipeline itself: the pipescript, run by `casa --pipeline` from the
 * MOUS's imaging folder; hifa_exportdata puts the FITS products in `products/`.
 */
async function runPipelineRecipe(ctx: StepContext, options: ImageStepOptions, measurementSets: readonly string[]): Promise<StepOutcome> {
  const runtime = pipelineRuntime(options.runtimes);
  if (!runtime) {
    return {
      state: "failed",
      failure: failure(ErrorClass.PipelineUnavailable, "the pipeline recipe needs a monolithic CASA with the ALMA pipeline; none is installed (reimage casa list)"),
    };
  }
  const workDir = join(ctx.mousDir, "imaging-pipeline");
  await rm(workDir, { recursive: true, force: true });
  await mkdir(workDir, { recursive: true });
  const script = join(workDir, "casa_pipescript.py");
  await writeFile(script, writePipelineScript({ vis: measurementSets, proposalCode: ctx.step.projectCode }));
  const job: CasaJob = {
    label: `${ctx.step.mousUid} pipeline`,
    attemptId: ctx.step.attemptId,
    runtime,
    script,
    mode: "casashell",
    pipeline: true,
    cwd: workDir,
    logDir: ctx.attemptDir,
    name: "pipeline",
    cores: options.threadsPerJob,
    ...(options.timeLimitSeconds !== undefined && { timeLimitSeconds: options.timeLimitSeconds }),
  };
  const outcome = await runStepJob(ctx, options.executor, job);
  if (outcome.exitCode !== 0 || outcome.signal) return { state: "failed", process: outcome, failure: await classifyJob(outcome) };
  const productsDir = join(workDir, "products");
  const products = existsSync(productsDir)
    ? (await readdir(productsDir)).filter((n) => /\.fits(\.gz)?$|cont\.dat$/.test(n)).map((n) => join(productsDir, n))
    : [];
  if (products.length === 0) {
    return { state: "failed", process: outcome, failure: failure(ErrorClass.MissingData, `casa --pipeline finished but ${productsDir} holds no FITS product`) };
  }
  return { state: "succeeded", process: outcome, outputs: { products, script, measurementSets, imagingRuntime: runtime.id } };
}
