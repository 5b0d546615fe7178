/**
 * The campaign engine: takes runnable steps from the store, starts as many as the cores and
 * the memory budget allow (one step per MOUS at a time, since a MOUS's steps run in
 * order), and records every attempt. It holds no state of its own between calls: all of it
 * is in the store, so a campaign stopped in any way (Ctrl-C, kill -9, a crash) resumes by
 * calling `runCampaign` again. Finished steps are never run again; a step that was running
 * when its process died is marked interrupted and run again as a new attempt, in a fresh
 * attempt folder, so that no log is overwritten.
 *
 * Several workers (runs), on one machine or many, may share a campaign: the store gives
 * each step to exactly one of them. Each heartbeats; a run whose heartbeat is older than
 * `staleAfterMs` (or, on this machine, whose process is gone) is taken for dead by the
 * others, its steps handed on as new attempts. A run that learns from its heartbeat that
 * it was taken for dead stops its steps and claims nothing more. A worker with nothing to
 * run waits while other runs still hold steps, since those may die or unblock later steps.
 */
import { hostname } from "node:os";
import { lstat, mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";
import { AttemptState, ErrorClass, type StepFailure, type StepName } from "../domain/campaign.js";
import { coerceError, ErrorCode, ReimageError } from "../domain/errors.js";
import { parseUid } from "../domain/glossary.js";
import type { AttemptResult, CampaignRow, CampaignStore, ClaimedStep, RunRow } from "../store/store.js";
import { decideRetry, type RetryLimits } from "./retry.js";

export interface StepContext {
  readonly campaign: CampaignRow;
  readonly step: ClaimedStep;
  /** This MOUS's folder in the campaign: `<campaignDir>/mous/<uid___...>`. */
  readonly mousDir: string;
  /** This attempt's own folder (logs, scripts): `<mousDir>/attempts/<step>.<n>`. */
  readonly attemptDir: string;
  /** The memory its CASA jobs may use (the executor enforces it); null for no limit. */
  readonly memoryLimitBytes: number | null;
  readonly signal: AbortSignal;
  /** A line of progress for the operator (also the heartbeat's evidence of life). */
  readonly emit: (line: string) => void;
  /** Records log paths and the process group in the store as soon as they are known. */
  readonly noteLogs: (logs: {
    log?: string;
    stdout?: string;
    stderr?: string;
    command?: readonly string[];
    processGroup?: number;
  }) => Promise<void>;
}

export type StepOutcome = Omit<AttemptResult, "state"> & { readonly state: "succeeded" | "failed" };
export type StepRunner = (ctx: StepContext) => Promise<StepOutcome>;

export type CampaignEvent =
  | {
      readonly type: "run-started";
      readonly runId: string;
      readonly recoveredSteps: number;
      readonly totalSteps: number;
      readonly doneSteps: number;
    }
  | { readonly type: "step-started"; readonly mousUid: string; readonly step: StepName; readonly attempt: number }
  | { readonly type: "step-output"; readonly mousUid: string; readonly step: StepName; readonly line: string }
  | {
      readonly type: "step-finished";
      readonly mousUid: string;
      readonly step: StepName;
      readonly attempt: number;
      readonly state: AttemptResult["state"];
      readonly seconds: number;
      readonly failure?: StepFailure | undefined;
      readonly outputs?: Readonly<Record<string, unknown>> | undefined;
    }
  | { readonly type: "run-finished"; readonly runId: string; readonly state: "finished" | "interrupted" };

export interface EngineOptions {
  readonly store: CampaignStore;
  readonly campaignId: string;
  readonly campaignDir: string;
  readonly steps: Readonly<Record<StepName, StepRunner>>;
  /** Steps running at once (cores). */
  readonly maxParallel: number;
  /** Memory the steps running at once may use together. */
  readonly memoryBudgetBytes: number;
  /** Predicted peak memory of a step; the scheduler starts a step only if it fits. */
  readonly predictMemoryBytes: (step: ClaimedStep | { name: StepName }) => number;
  readonly signal?: AbortSignal;
  readonly onEvent?: (event: CampaignEvent) => void;
  readonly heartbeatMs?: number;
  /** First memory limits per step; a retry policy raises them attempt by attempt. */
  readonly memoryLimits?: Partial<Record<StepName, number>>;
  /**
   * Steps with no limit of their own are limited to their predicted memory: for executors
   * that must ask for memory up front (a cluster gives a job what it asks for, no more).
   */
  readonly limitToPrediction?: boolean;
  /** Failed attempts are run again when the policy says so (see retry.ts); without it, never. */
  readonly retry?: RetryLimits;
  /** Stops what is left of an attempt whose run died (the executor knows how). */
  readonly reapOrphan?: (processGroup: number, attemptId: string) => Promise<void>;
  /** A run whose heartbeat is older than this is taken for dead, even if its pid exists. */
  readonly staleAfterMs?: number;
  /** The machine this worker records for its run; the machine's hostname unless given. */
  readonly host?: string;
}

export interface RunSummary {
  readonly runId: string;
  readonly state: "finished" | "interrupted";
  readonly attempts: number;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (caught) {
    // EPERM: the process exists but belongs to someone else.
    return (caught as NodeJS.ErrnoException).code === "EPERM";
  }
}

export async function runCampaign(options: EngineOptions): Promise<RunSummary> {
  const { store, campaignId, signal } = options;
  const emit = options.onEvent ?? (() => {});
  const campaign = await store.getCampaign(campaignId);
  if (!campaign) throw new ReimageError("bad-input", `no campaign "${campaignId}" in the store`);
  const host = options.host ?? hostname();
  const staleAfterMs = options.staleAfterMs ?? 5 * 60_000;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  // This run, once started: never taken for dead by itself, whatever its pid says.
  const self: { runId?: string } = {};
  const isAlive = (run: RunRow) =>
    run.id === self.runId ||
    (Date.now() - Date.parse(run.heartbeatAt) < staleAfterMs && (run.host !== host || (pidAlive(run.pid) && run.pid !== process.pid)));
  /** Frees the steps of dead runs; CASA processes they left on this machine are stopped first. */
  const recover = async () => {
    const recovered = await store.recoverInterrupted(campaignId, isAlive);
    for (const orphan of recovered.orphans) {
      if (orphan.host === host) await options.reapOrphan?.(orphan.processGroup, orphan.attemptId);
    }
    return recovered.steps;
  };
  const recoveredSteps = await recover();
  const runId = await store.startRun(campaignId, host, process.pid);
  self.runId = runId;
  const counts = await store.stepCounts(campaignId);
  emit({ type: "run-started", runId, recoveredSteps, totalSteps: counts.total, doneSteps: counts.done });

  // Set when another worker took this run for dead: its steps are no longer ours to finish.
  const lost = new AbortController();
  const stepSignal = signal ? AbortSignal.any([signal, lost.signal]) : lost.signal;
  const note = (line: string) => emit({ type: "step-output", mousUid: "-", step: "fetch", line });
  const heartbeat = setInterval(() => {
    store
      .heartbeatRun(runId)
      .then(async (alive) => {
        if (!alive) {
          note(`run ${runId} was taken for dead by another worker: stopping its steps`);
          lost.abort(new ReimageError(ErrorCode.LeaseLost, `run ${runId} was taken for dead by another worker`));
          return;
        }
        await recover();
      })
      .catch((caught: unknown) => {
        // A missed heartbeat is not fatal to this run; the next one may succeed.
        note(`heartbeat failed: ${coerceError(caught).message}`);
      });
  }, heartbeatMs);
  heartbeat.unref();

  const running = new Map<string, { mousId: string; memory: number; done: Promise<void> }>();
  let attempts = 0;
  try {
    for (;;) {
      if (stepSignal.aborted) break;
      const memoryInUse = [...running.values()].reduce((sum, r) => sum + r.memory, 0);
      const busyMous = new Set([...running.values()].map((r) => r.mousId));
      const candidates =
        running.size < options.maxParallel ? await store.runnableSteps(campaignId, options.maxParallel * 4 + running.size) : [];
      let started = 0;
      let used = memoryInUse;
      for (const candidate of candidates) {
        if (running.size >= options.maxParallel) break;
        if (busyMous.has(candidate.mousId)) continue;
        // A step with a memory limit can use all of it: that is what the scheduler counts.
        const limit = candidate.memoryLimitBytes ?? options.memoryLimits?.[candidate.name] ?? 0;
        const memory = Math.max(options.predictMemoryBytes(candidate), limit);
        // Always let one step run, even one predicted over budget: otherwise it never would.
        if (running.size > 0 && used + memory > options.memoryBudgetBytes) continue;
        let claimed: ClaimedStep | undefined;
        try {
          claimed = await store.claimStep(candidate.id, runId);
        } catch (caught) {
          if (!(caught instanceof ReimageError && caught.code === ErrorCode.LeaseLost)) throw caught;
          lost.abort(caught);
          break;
        }
        if (!claimed) continue;
        attempts += 1;
        started += 1;
        used += memory;
        busyMous.add(claimed.mousId);
        const done = executeStep({ ...options, signal: stepSignal }, campaign, claimed, emit, (err) => lost.abort(err)).finally(() =>
          running.delete(claimed.id),
        );
        running.set(claimed.id, { mousId: claimed.mousId, memory, done });
      }
      if (running.size === 0) {
        if (started > 0) continue;
        // Nothing runnable here: done, unless other runs hold steps. Those may finish and
        // unblock their MOUSs' next steps, or die and leave their steps to us. Claims are
        // counted before runnable steps are looked for: a step freed or unblocked meanwhile
        // (here or by the heartbeat's recovery) is then seen by one or the other.
        await recover();
        const claims = await store.activeClaims(campaignId);
        if ((await store.runnableSteps(campaignId, 1)).length > 0) continue;
        if (claims === 0) break;
        await pause(heartbeatMs, stepSignal);
        continue;
      }
      await Promise.race([...running.values()].map((r) => r.done));
    }
    // Cancelled: the running steps see the abort through their signal and end as interrupted.
    await Promise.all([...running.values()].map((r) => r.done));
  } finally {
    clearInterval(heartbeat);
  }
  const state = stepSignal.aborted ? "interrupted" : "finished";
  await store.finishRun(runId, state);
  emit({ type: "run-finished", runId, state });
  return { runId, state, attempts };
}

async function executeStep(
  options: EngineOptions,
  campaign: CampaignRow,
  step: ClaimedStep,
  emit: (event: CampaignEvent) => void,
  onLeaseLost: (err: ReimageError) => void,
): Promise<void> {
  const started = Date.now();
  const fileId = parseUid(step.mousUid)?.fileId ?? step.mousUid.replace(/[^A-Za-z0-9_.-]/g, "_");
  const mousDir = join(options.campaignDir, "mous", fileId);
  const attemptDir = join(mousDir, "attempts", `${step.name}.${step.attemptNumber}`);
  const controller = new AbortController();
  const onAbort = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener("abort", onAbort, { once: true });
  // The campaign may have been cancelled between the claim and here: no event will come.
  if (options.signal?.aborted) onAbort();
  emit({ type: "step-started", mousUid: step.mousUid, step: step.name, attempt: step.attemptNumber });

  const memoryLimitBytes =
    step.memoryLimitBytes ?? options.memoryLimits?.[step.name] ?? (options.limitToPrediction ? Math.ceil(options.predictMemoryBytes(step)) : null);
  let result: AttemptResult;
  try {
    await mkdir(attemptDir, { recursive: true });
    const outcome = await options.steps[step.name]({
      campaign,
      step,
      mousDir,
      attemptDir,
      memoryLimitBytes,
      signal: controller.signal,
      emit: (line) => emit({ type: "step-output", mousUid: step.mousUid, step: step.name, line }),
      noteLogs: (logs) => options.store.noteAttemptLogs(step.attemptId, logs),
    });
    result =
      controller.signal.aborted && outcome.state === "failed"
        ? { ...outcome, state: AttemptState.Interrupted }
        : withRetryDecision(outcome, step, memoryLimitBytes, options.retry);
    // The resource model learns disk from what the MOUS's folder holds after each step.
    if (result.state === AttemptState.Succeeded) {
      // A measurement, not the step's work: if the folder cannot be walked (a file removed
      // under the walk), the step still succeeded; the model just lacks this disk figure.
      const disk = await folderBytes(mousDir).catch((caught: unknown) => {
        emit({ type: "step-output", mousUid: step.mousUid, step: step.name, line: `could not measure ${mousDir}: ${coerceError(caught).message}` });
        return null;
      });
      result = { ...result, outputs: { ...result.outputs, mousDiskBytes: disk } };
    }
    if (result.decision) emit({ type: "step-output", mousUid: step.mousUid, step: step.name, line: result.decision });
  } catch (caught) {
    const err = coerceError(caught);
    result = controller.signal.aborted
      ? { state: AttemptState.Interrupted }
      : {
          state: AttemptState.Failed,
          failure: { errorClass: ErrorClass.Unknown, message: describe(err) },
        };
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
  }
  try {
    await options.store.finishAttempt(step.attemptId, result);
  } catch (caught) {
    // Another worker took this run for dead and ran the step again: that attempt counts.
    if (!(caught instanceof ReimageError && caught.code === ErrorCode.LeaseLost)) throw caught;
    result = { state: AttemptState.Interrupted };
    onLeaseLost(caught);
  }
  emit({
    type: "step-finished",
    mousUid: step.mousUid,
    step: step.name,
    attempt: step.attemptNumber,
    state: result.state,
    seconds: (Date.now() - started) / 1000,
    failure: result.failure,
    outputs: result.outputs,
  });
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

/** Bytes of the files under `dir`, links not followed (a staged tree of links costs nothing). */
async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) total += await folderBytes(path);
    else if (e.isFile()) total += (await lstat(path)).size;
  }
  return total;
}

/** A failed outcome with the retry policy's decision attached; others unchanged. */
function withRetryDecision(outcome: StepOutcome, step: ClaimedStep, memoryLimitBytes: number | null, limits: RetryLimits | undefined): AttemptResult {
  if (outcome.state !== "failed" || !outcome.failure || !limits) return outcome;
  const decision = decideRetry(
    { failure: outcome.failure, attempt: step.attemptNumber, memoryLimitBytes: outcome.process?.memoryLimitBytes ?? memoryLimitBytes },
    limits,
  );
  return decision.retry
    ? { ...outcome, willRetry: true, nextMemoryLimitBytes: decision.memoryLimitBytes, decision: `retry: ${decision.reason}` }
    : { ...outcome, decision: `no retry: ${decision.reason}` };
}

/** An error's message with its causes, so that the store keeps the whole chain. */
export function describe(err: Error): string {
  const parts = [err.message];
  let cause = err.cause;
  while (cause instanceof Error) {
    parts.push(cause.message);
    cause = cause.cause;
  }
  return parts.join(": caused by: ");
}
