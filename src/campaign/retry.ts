/**
 * Retry policies: what to do with a failed attempt, decided from its error class (never
 * from message text). Pure: the engine asks, the store records the decision on the attempt.
 *
 * - memory: run again with twice the memory, up to the ceiling; at the ceiling, give up.
 * - crash: CASA crashes are sometimes transient (a race, a node's bad moment): once more.
 * - time limit: once more with twice the time, up to the ceiling.
 * - everything else (version, empty selection, missing data, ...): retrying the same thing
 *   gives the same answer; give up, with the reason.
 */
import { ErrorClass, type StepFailure } from "../domain/campaign.js";

export interface RetryInput {
  readonly failure: StepFailure;
  /** 1 for the first attempt. */
  readonly attempt: number;
  readonly memoryLimitBytes: number | null;
}

export interface RetryLimits {
  readonly memoryCeilingBytes: number;
  /** Attempts of one step, retries included. */
  readonly maxAttempts: number;
}

export type RetryDecision =
  | { readonly retry: true; readonly memoryLimitBytes: number | null; readonly reason: string }
  | { readonly retry: false; readonly reason: string };

const MiB = 2 ** 20;

export function decideRetry(input: RetryInput, limits: RetryLimits): RetryDecision {
  if (input.attempt >= limits.maxAttempts) return { retry: false, reason: `${input.attempt} attempts made, the most allowed` };
  switch (input.failure.errorClass) {
    case ErrorClass.Memory: {
      if (input.memoryLimitBytes === null) {
        return { retry: false, reason: "ran out of the machine's memory with no limit of its own: more memory cannot be given" };
      }
      if (input.memoryLimitBytes >= limits.memoryCeilingBytes) {
        return { retry: false, reason: `already at the memory ceiling (${(limits.memoryCeilingBytes / MiB).toFixed(0)} MiB)` };
      }
      const next = Math.min(input.memoryLimitBytes * 2, limits.memoryCeilingBytes);
      return { retry: true, memoryLimitBytes: next, reason: `memory: ${(input.memoryLimitBytes / MiB).toFixed(0)} MiB -> ${(next / MiB).toFixed(0)} MiB` };
    }
    case ErrorClass.Crash:
      return input.attempt === 1
        ? { retry: true, memoryLimitBytes: input.memoryLimitBytes, reason: "CASA crashed: once more" }
        : { retry: false, reason: "CASA crashed again" };
    case ErrorClass.TimeLimit:
      return input.attempt === 1
        ? { retry: true, memoryLimitBytes: input.memoryLimitBytes, reason: "time limit: once more" }
        : { retry: false, reason: "time limit reached again" };
    case ErrorClass.CasaVersion:
    case ErrorClass.EmptySelection:
    case ErrorClass.DiskFull:
    case ErrorClass.MissingData:
    case ErrorClass.PipelineUnavailable:
    case ErrorClass.MeasuresData:
    case ErrorClass.Unknown:
      return { retry: false, reason: `${input.failure.errorClass}: the same attempt would fail the same way` };
  }
}
