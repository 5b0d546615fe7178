/**
 * Step 2: restore the calibrated Measurement Sets by running the delivered scriptForPI.py
 * in the CASA its calibration scripts ask for.
 */
import { existsSync } from "node:fs";
import { readFile, readdir, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { readDelivery } from "../../archive/delivery.js";
import { discoverFromCalibrationScripts, satisfiesPrefix, type VersionRequirement } from "../../casa/version-discovery.js";
import { ErrorClass } from "../../domain/campaign.js";
import { coerceError } from "../../domain/errors.js";
import { newestFirst, type CasaRuntime } from "../../domain/runtime.js";
import { jobLogPaths, type Executor } from "../../executors/executor.js";
import { casaScriptsDir } from "../../paths.js";
import type { StepRunner } from "../engine.js";
import { classifyJob, failure, input, mousFileId } from "./common.js";

export interface RestoreOptions {
  readonly runtimes: readonly CasaRuntime[];
  readonly executor: Executor;
  /** scriptForPI's own switches, set as globals before it runs. */
  readonly scriptOptions?: { readonly DOSPLIT?: boolean; readonly SPACESAVING?: number };
  readonly timeLimitSeconds?: number;
}

/** The runtime for a requirement: one that satisfies it and can run casashell, newest first. */
export function chooseRuntime(
  requirement: VersionRequirement | undefined,
  runtimes: readonly CasaRuntime[],
): { runtime: CasaRuntime; reason: string } | { runtime: undefined; reason: string } {
  const usable = newestFirst(runtimes.filter((r) => r.canRunCasashell));
  if (!requirement) {
    const newest = usable[0];
    return newest
      ? { runtime: newest, reason: `no version asserted by the delivery; newest runtime ${newest.casaVersion}` }
      : { runtime: undefined, reason: "no CASA runtime that can run casashell is installed" };
  }
  const match = usable.find((r) => satisfiesPrefix(r.casaVersion, requirement.casaVersion));
  if (match) return { runtime: match, reason: `the calibration scripts assert CASA ${requirement.casaVersion}; ${match.id} is ${match.casaVersion}` };
  return {
    runtime: undefined,
    reason:
      `casa-version-unavailable: the calibration scripts assert CASA ${requirement.casaVersion}; ` +
      `install it (installed: ${usable.map((r) => r.casaVersion).join(", ") || "none"})`,
  };
}

async function findMeasurementSets(calibratedDir: string): Promise<string[]> {
  const found: string[] = [];
  for (const dir of [calibratedDir, join(calibratedDir, "working")]) {
    if (!existsSync(dir)) continue;
    for (const name of (await readdir(dir)).sort()) {
      if (/\.ms(\.split\.cal)?$/.test(name) && !/\.ms\.split$/.test(name)) found.push(join(dir, name));
    }
  }
  // A split.cal beside its parent .ms is the one to image; drop the parent.
  return found.filter((ms) => !found.includes(`${ms}.split.cal`));
}

export function restoreStep(options: RestoreOptions): StepRunner {
  return async (ctx) => {
    const memberDir = input(ctx, "fetch", "memberDir") as string;
    const delivery = await readDelivery(input(ctx, "fetch", "deliveryDir") as string, mousFileId(ctx));
    for (const note of delivery.assumptions) ctx.emit(`assumed: ${note}`);
    if (delivery.calibration.kind === "none") {
      return { state: "succeeded", nothingToProcess: true, outputs: { reason: "the delivery holds no calibration to restore", evidence: delivery.calibration.evidence } };
    }
    if (!delivery.scriptForPI) {
      return { state: "failed", failure: failure(ErrorClass.MissingData, `${memberDir}: no scriptForPI.py in the delivery`) };
    }

    const scripts = await Promise.all(
      delivery.executionBlocks
        .map((eb) => eb.calibrationScript)
        .filter((p): p is string => p !== undefined)
        .map(async (file) => ({ file, text: await readFile(file, "utf8") })),
    );
    const requirement = discoverFromCalibrationScripts(scripts);
    const choice = chooseRuntime(requirement, options.runtimes);
    if (!choice.runtime) {
      const evidence = requirement?.evidence[0];
      return {
        state: "failed",
        failure: failure(ErrorClass.CasaVersion, choice.reason, evidence && { line: evidence.text, file: evidence.file }),
        outputs: { requirement },
      };
    }
    const runtime = choice.runtime;
    ctx.emit(`CASA ${runtime.casaVersion} (${runtime.kind}): ${choice.reason}`);

    // scriptForPI refuses to run when calibrated/ exists: it can only be the leftover of an
    // attempt that did not finish (a finished restore is never run again).
    const scriptDir = dirname(delivery.scriptForPI);
    const calibratedDir = join(dirname(scriptDir), "calibrated");
    await rm(calibratedDir, { recursive: true, force: true });

    const wrapper = join(ctx.attemptDir, "restore.py");
    const so = { DOSPLIT: true, SPACESAVING: 1, ...options.scriptOptions };
    await writeFile(
      wrapper,
      [
        "# Written by reimage: scriptForPI.py with its options set, run from script/ as it requires.",
        `DOSPLIT = ${so.DOSPLIT ? "True" : "False"}`,
        `SPACESAVING = ${so.SPACESAVING}`,
        `exec(compile(open(${JSON.stringify(basename(delivery.scriptForPI))}).read(), ${JSON.stringify(basename(delivery.scriptForPI))}, "exec"), globals())`,
        "",
      ].join("\n"),
    );
    const job = {
      label: `${ctx.step.mousUid} restore`,
      ...(ctx.memoryLimitBytes !== null && { memoryLimitBytes: ctx.memoryLimitBytes }),
      attemptId: ctx.step.attemptId,
      runtime,
      script: wrapper,
      mode: "casashell" as const,
      cwd: scriptDir,
      logDir: ctx.attemptDir,
      name: "restore",
      // Modular CASA has no casalith: the shim answers with the running CASA's version.
      env: runtime.kind === "modular" ? { PYTHONPATH: join(casaScriptsDir, "shims") } : {},
      ...(options.timeLimitSeconds !== undefined && { timeLimitSeconds: options.timeLimitSeconds }),
    };
    await ctx.noteLogs(jobLogPaths(job));
    // scriptForPI announces its stages on lines starting with '#'; CASA's chatter stays in the logs.
    const outcome = await options.executor.run(job, ctx.signal, {
      onLine: (line) => {
        if (/^#|^ERROR/.test(line)) ctx.emit(line);
      },
      onStarted: (processGroup) => {
        ctx.noteLogs({ processGroup }).catch((caught: unknown) => ctx.emit(`could not record the process group: ${coerceError(caught).message}`));
      },
    });
    const process = { ...outcome, runtimeId: runtime.id };
    if (outcome.exitCode !== 0 || outcome.signal) {
      return { state: "failed", process, failure: await classifyJob(outcome), outputs: { runtimeId: runtime.id } };
    }
    const measurementSets = await findMeasurementSets(calibratedDir);
    if (measurementSets.length === 0) {
      return {
        state: "failed",
        process,
        failure: failure(ErrorClass.MissingData, `scriptForPI.py finished but ${calibratedDir} holds no Measurement Set`),
      };
    }
    return {
      state: "succeeded",
      process,
      outputs: {
        runtimeId: runtime.id,
        casaVersion: runtime.casaVersion,
        runtimeReason: choice.reason,
        requirement: requirement ?? null,
        calibratedDir,
        measurementSets,
        // What the delivery reader had to assume (prefixed scriptForPI, missing folders...).
        deliveryAssumptions: delivery.assumptions,
      },
    };
  };
}
