/**
 * Step 2: restore the calibrated Measurement Sets by running the delivered scriptForPI.py
 * in the CASA the delivery asks for. Which CASA is decided from every version statement
 * of the delivery (`discoverCasaVersion`) and the runtimes installed (`planRestore`); when
 * its execution blocks need different CASAs, each group of blocks is restored on its own,
 * in a tree that holds only its raw data. Helpers the scripts need and the runtime lacks
 * are supplied by known fixes, each recorded.
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { readDelivery } from "../../archive/delivery.js";
import { planRestore, type RestoreGroup } from "../../casa/restore-plan.js";
import { discoverCasaVersion } from "../../casa/version-discovery.js";
import { readVersionSources } from "../../casa/version-sources.js";
import { ErrorClass, type ProcessRecord } from "../../domain/campaign.js";
import type { Delivery } from "../../domain/delivery.js";
import type { CasaRuntime } from "../../domain/runtime.js";
import { type Executor, type JobOutcome } from "../../executors/executor.js";
import { beforeRestoreFixes, type FixMatch } from "../../fixes/registry.js";
import { casaScriptsDir } from "../../paths.js";
import type { StepContext, StepOutcome, StepRunner } from "../engine.js";
import { classifyJob, failure, input, mousFileId, runStepJob } from "./common.js";

export interface RestoreOptions {
  readonly runtimes: readonly CasaRuntime[];
  readonly executor: Executor;
  /** scriptForPI's own switches, set as globals before it runs. */
  readonly scriptOptions?: { readonly DOSPLIT?: boolean; readonly SPACESAVING?: number };
  readonly timeLimitSeconds?: number;
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

/**
 * A delivery tree for some execution blocks only: the member's folders linked, and a raw/
 * holding just those blocks' ASDMs, so that an unmodified scriptForPI restores only them.
 */
async function stageGroupTree(delivery: Delivery, execBlocks: readonly string[], root: string): Promise<string> {
  await rm(root, { recursive: true, force: true });
  await mkdir(join(root, "raw"), { recursive: true });
  for (const name of await readdir(delivery.memberDir)) {
    if (name === "raw" || name === "calibrated") continue;
    if (name === "script") {
      await mkdir(join(root, "script"));
      for (const file of await readdir(join(delivery.memberDir, "script"))) {
        await symlink(join(delivery.memberDir, "script", file), join(root, "script", file));
      }
      continue;
    }
    await symlink(join(delivery.memberDir, name), join(root, name));
  }
  for (const eb of delivery.executionBlocks) {
    if (!execBlocks.includes(eb.id) || eb.asdmPath === undefined) continue;
    await symlink(eb.asdmPath, join(root, "raw", basename(eb.asdmPath)));
  }
  return root;
}

interface GroupRun {
  readonly runtime: CasaRuntime;
  readonly reason: string;
  readonly execBlocks: readonly string[] | "all";
  readonly fixes: readonly FixMatch[];
  readonly calibratedDir: string;
  readonly outcome: JobOutcome;
}

/** One process record for the attempt: the groups ran one after the other. */
function combined(runs: readonly GroupRun[]): ProcessRecord {
  const last = runs[runs.length - 1];
  if (!last) throw new Error("no restore group ran");
  const peaks = runs.map((r) => r.outcome.peakRssBytes).filter((p): p is number => p !== null);
  return {
    ...last.outcome,
    wallSeconds: runs.reduce((s, r) => s + r.outcome.wallSeconds, 0),
    peakRssBytes: peaks.length > 0 ? Math.max(...peaks) : null,
    runtimeId: runs.map((r) => r.runtime.id).join("+"),
  };
}

async function runGroup(
  ctx: StepContext,
  options: RestoreOptions,
  delivery: Delivery,
  scriptForPI: string,
  group: RestoreGroup,
  index: number,
  groupCount: number,
): Promise<GroupRun> {
  const runtime = group.runtime;
  const memberDir = group.execBlocks === undefined ? delivery.memberDir : await stageGroupTree(delivery, group.execBlocks, join(ctx.attemptDir, `group-${index}`));
  const scriptDir = join(memberDir, basename(dirname(scriptForPI)));
  // scriptForPI refuses to run when calibrated/ exists: it can only be the leftover of an
  // attempt that did not finish (a finished restore is never run again).
  const calibratedDir = join(memberDir, "calibrated");
  await rm(calibratedDir, { recursive: true, force: true });

  const scripts = await Promise.all(
    delivery.executionBlocks
      .filter((eb) => group.execBlocks === undefined || group.execBlocks.includes(eb.id))
      .map((eb) => eb.calibrationScript)
      .filter((p): p is string => p !== undefined)
      .map(async (file) => ({ file, text: await readFile(file, "utf8") })),
  );
  const fixes = beforeRestoreFixes(scripts, runtime);
  for (const f of fixes) ctx.emit(`known fix ${f.id}: ${basename(f.file)}:${f.line} ${f.text}`);

  const name = groupCount === 1 ? "restore" : `restore-${index}`;
  const wrapper = join(ctx.attemptDir, `${name}.py`);
  const so = { DOSPLIT: true, SPACESAVING: 1, ...options.scriptOptions };
  await writeFile(
    wrapper,
    [
      "# Written by reimage: scriptForPI.py with its options set, run from script/ as it requires.",
      `DOSPLIT = ${so.DOSPLIT ? "True" : "False"}`,
      `SPACESAVING = ${so.SPACESAVING}`,
      ...(fixes.some((f) => f.id === "supply-es-helpers") ? ["from reimage_es import es  # known fix supply-es-helpers"] : []),
      `exec(compile(open(${JSON.stringify(basename(scriptForPI))}).read(), ${JSON.stringify(basename(scriptForPI))}, "exec"), globals())`,
      "",
    ].join("\n"),
  );
  const job = {
    label: `${ctx.step.mousUid} restore${groupCount === 1 ? "" : ` ${index + 1}/${groupCount}`}`,
    ...(ctx.memoryLimitBytes !== null && { memoryLimitBytes: ctx.memoryLimitBytes }),
    attemptId: ctx.step.attemptId,
    runtime,
    script: wrapper,
    mode: "casashell" as const,
    cwd: scriptDir,
    logDir: ctx.attemptDir,
    name,
    env: {
      ...(fixes.length > 0 && { PYTHONPATH: join(casaScriptsDir, "shims") }),
      REIMAGE_FIX_RECORD: join(ctx.attemptDir, "fixes.jsonl"),
    },
    ...(options.timeLimitSeconds !== undefined && { timeLimitSeconds: options.timeLimitSeconds }),
  };
  // scriptForPI announces its stages on lines starting with '#'; CASA's chatter stays in the logs.
  const outcome = await runStepJob(ctx, options.executor, job, (line) => {
    if (/^#|^ERROR|^reimage /.test(line)) ctx.emit(line);
  });
  return { runtime, reason: group.reason, execBlocks: group.execBlocks ?? "all", fixes, calibratedDir, outcome };
}

async function fixRecords(attemptDir: string): Promise<unknown[]> {
  const file = join(attemptDir, "fixes.jsonl");
  if (!existsSync(file)) return [];
  const text = await readFile(file, "utf8");
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as unknown);
}

export function restoreStep(options: RestoreOptions): StepRunner {
  return async (ctx): Promise<StepOutcome> => {
    const memberDir = input(ctx, "fetch", "memberDir") as string;
    const delivery = await readDelivery(input(ctx, "fetch", "deliveryDir") as string, mousFileId(ctx));
    for (const note of delivery.assumptions) ctx.emit(`assumed: ${note}`);
    const { files, skipped } = await readVersionSources(delivery);
    const discovery = discoverCasaVersion({ projectCode: delivery.projectCode, files });
    const plan = planRestore(discovery, options.runtimes);
    const versionRecord = {
      calibrationKind: discovery.calibrationKind,
      requirement: discovery.requirement ?? null,
      notes: discovery.notes,
      skipped,
    };
    if (plan.kind === "nothing-to-restore") {
      return { state: "succeeded", nothingToProcess: true, outputs: { reason: plan.reason, evidence: delivery.calibration.evidence, version: versionRecord } };
    }
    if (plan.kind === "casa-version-unavailable") {
      return {
        state: "failed",
        failure: failure(ErrorClass.CasaVersion, plan.reason, plan.evidence && { line: plan.evidence.text, file: plan.evidence.file }),
        outputs: { install: plan.install, withPipeline: plan.withPipeline, version: versionRecord },
      };
    }
    if (!delivery.scriptForPI) {
      return { state: "failed", failure: failure(ErrorClass.MissingData, `${memberDir}: no scriptForPI.py in the delivery`) };
    }
    for (const note of plan.notes) ctx.emit(`version: ${note}`);

    const runs: GroupRun[] = [];
    for (const [i, group] of plan.groups.entries()) {
      ctx.emit(`CASA ${group.runtime.casaVersion} (${group.runtime.kind})${group.execBlocks ? ` for ${group.execBlocks.join(", ")}` : ""}: ${group.reason}`);
      const run = await runGroup(ctx, options, delivery, delivery.scriptForPI, group, i, plan.groups.length);
      runs.push(run);
      if (run.outcome.exitCode !== 0 || run.outcome.signal) {
        return {
          state: "failed",
          process: combined(runs),
          failure: await classifyJob(run.outcome),
          outputs: { runtimeId: run.runtime.id, version: versionRecord },
        };
      }
    }
    const measurementSets = (await Promise.all(runs.map((r) => findMeasurementSets(r.calibratedDir)))).flat();
    if (measurementSets.length === 0) {
      return {
        state: "failed",
        process: combined(runs),
        failure: failure(ErrorClass.MissingData, `scriptForPI.py finished but ${runs.map((r) => r.calibratedDir).join(", ")} holds no Measurement Set`),
      };
    }
    const first = runs[0];
    return {
      state: "succeeded",
      process: combined(runs),
      outputs: {
        runtimeId: first?.runtime.id ?? null,
        casaVersion: first?.runtime.casaVersion ?? null,
        runtimeReason: first?.reason ?? null,
        groups: runs.map((r) => ({ runtimeId: r.runtime.id, casaVersion: r.runtime.casaVersion, reason: r.reason, execBlocks: r.execBlocks, calibratedDir: r.calibratedDir })),
        version: versionRecord,
        fixesApplied: runs.flatMap((r) => r.fixes.map((f) => ({ ...f, runtimeId: r.runtime.id }))),
        fixRecords: await fixRecords(ctx.attemptDir),
        calibratedDir: first?.calibratedDir ?? null,
        measurementSets,
        // What the delivery reader had to assume (prefixed scriptForPI, missing folders...).
        deliveryAssumptions: delivery.assumptions,
      },
    };
  };
}
