/**
 * How a Slurm job's end reads in reimage's words: the exit code or signal a step checks,
 * whether the time limit or a cancellation ended it, and a line of evidence for the error
 * classifier when Slurm knows something the job's own logs cannot say (its memory cgroup's
 * OOM kill, a node failure). Pure.
 */
import { signalName, type JobRecord } from "./slurm-text.js";

export interface JobEnd {
  /** Null when a signal (or Slurm itself) ended the job. */
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly timedOut: boolean;
  /** Ended because reimage asked (scancel on abort). */
  readonly cancelled: boolean;
  /** For the classifier; matched by its rules (OUT_OF_MEMORY for memory, NODE_FAIL for a crash). */
  readonly evidence: string | undefined;
}

const MiB = 2 ** 20;

export function jobEnd(record: JobRecord, cancelledByUs: boolean): JobEnd {
  const signal = signalName(record.exitSignal) ?? null;
  const status = `ExitCode=${record.exitCode}:${record.exitSignal}`;
  const where = record.nodes ? ` on ${record.nodes}` : "";
  const said = `Slurm job ${record.jobId}${where} ended in state ${record.state}`;
  const base = { timedOut: false, cancelled: false, evidence: undefined };
  switch (record.state) {
    case "COMPLETED":
      return { ...base, exitCode: record.exitCode, signal: null };
    case "FAILED":
      // A script killed by a signal reads 0:11; one that exited reads 3:0.
      return signal ? { ...base, exitCode: null, signal } : { ...base, exitCode: record.exitCode, signal: null };
    case "OUT_OF_MEMORY": {
      const limit = record.memoryBytes !== undefined ? ` at its memory limit of ${(record.memoryBytes / MiB).toFixed(0)} MiB` : "";
      // The cgroup's OOM killer sends SIGKILL; Slurm reports 0:125 whatever the script did after.
      return {
        ...base,
        exitCode: null,
        signal: "SIGKILL",
        evidence: `${said} (reason ${record.reason}, ${status}): killed by the out-of-memory handler of its cgroup${limit}`,
      };
    }
    case "TIMEOUT":
    case "DEADLINE":
      return { ...base, exitCode: null, signal: signal ?? "SIGTERM", timedOut: true, evidence: `${said} (reason ${record.reason}, ${status})` };
    case "CANCELLED":
    case "PREEMPTED":
    case "REVOKED":
      return {
        ...base,
        exitCode: null,
        signal: signal ?? "SIGTERM",
        cancelled: cancelledByUs,
        evidence: cancelledByUs ? undefined : `${said} (${status}): stopped by Slurm or an operator, not by reimage`,
      };
    case "NODE_FAIL":
    case "BOOT_FAIL":
      // No exit status exists: the node went away under the job.
      return { ...base, exitCode: null, signal: null, evidence: `${said} (reason ${record.reason}): the node failed under the job` };
    default:
      // SPECIAL_EXIT and states newer Slurm may add: a failure, with Slurm's word for it.
      return {
        ...base,
        // Never 0: a step reads exit code 0 and no signal as success.
        exitCode: signal || record.exitCode === 0 ? null : record.exitCode,
        signal,
        evidence: `${said} (reason ${record.reason}, ${status})`,
      };
  }
}
