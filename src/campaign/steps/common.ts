import { createHash } from "node:crypto";
import { createReadStream, existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { ErrorClass, type StepFailure } from "../../domain/campaign.js";
import { parseUid, type MousFileId } from "../../domain/glossary.js";
import { classifyFailure, toLogLines, type LogLine } from "../classify.js";
import { coerceError } from "../../domain/errors.js";
import { jobLogPaths, type CasaJob, type Executor, type JobOutcome } from "../../executors/executor.js";
import type { StepContext } from "../engine.js";

export function mousFileId(ctx: StepContext): MousFileId {
  const ids = parseUid(ctx.step.mousUid);
  if (!ids) throw new Error(`${ctx.step.mousUid} is not an ALMA MOUS uid`);
  return ids.fileId;
}

/** An earlier step's output value, checked: a missing one means the store is inconsistent. */
export function input(ctx: StepContext, step: string, key: string): unknown {
  const value = ctx.step.inputs[step]?.[key];
  if (value === undefined) throw new Error(`step ${ctx.step.name} of ${ctx.step.mousUid}: no "${key}" from step ${step}`);
  return value;
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

async function linesOf(file: string | undefined): Promise<LogLine[]> {
  if (!file || !existsSync(file)) return [];
  return toLogLines(file, await readFile(file, "utf8"));
}

/** Classifies a failed CASA job from everything it wrote: CASA log, stdout, stderr. */
export async function classifyJob(outcome: JobOutcome): Promise<StepFailure> {
  const lines = [
    ...(outcome.executorEvidence ?? []),
    ...(await linesOf(outcome.logFile)),
    ...(await linesOf(outcome.stdoutFile)),
    ...(await linesOf(outcome.stderrFile)),
  ];
  return classifyFailure({ exitCode: outcome.exitCode, signal: outcome.signal, timedOut: outcome.timedOut, lines });
}

export function failure(errorClass: ErrorClass, message: string, evidence?: { line?: string | undefined; file?: string | undefined }): StepFailure {
  return { errorClass, message, evidenceLine: evidence?.line, evidenceFile: evidence?.file };
}

/**
 * Runs a step's CASA job: its log paths and then its process group go to the store as soon
 * as they are known, so that a run killed mid-job still points at its logs and processes.
 */
export async function runStepJob(ctx: StepContext, executor: Executor, job: CasaJob, onLine?: (line: string) => void): Promise<JobOutcome> {
  await ctx.noteLogs(jobLogPaths(job));
  return executor.run(job, ctx.signal, {
    ...(onLine !== undefined && { onLine }),
    onStarted: (processGroup) => {
      ctx.noteLogs({ processGroup }).catch((caught: unknown) => ctx.emit(`could not record the process group: ${coerceError(caught).message}`));
    },
  });
}
