/**
 * Executors run CASA jobs for the campaign's steps: locally as child processes, or on a
 * cluster through Slurm. A step describes the job as a value; the executor decides where
 * it runs, and reports what happened as a value (a failing CASA is an outcome, not an
 * exception).
 */
import { join } from "node:path";
import type { ProcessRecord } from "../domain/campaign.js";
import type { CasaRuntime } from "../domain/runtime.js";

export interface CasaJob {
  /** Shown in progress lines and logs: "<mous> <step>". */
  readonly label: string;
  readonly runtime: CasaRuntime;
  readonly script: string;
  readonly args?: readonly string[];
  /** casashell gives the CASA shell's globals (execfile, task names) that scriptForPI needs. */
  readonly mode: "casashell" | "python";
  /** `casa --pipeline`: a monolithic CASA that loads the ALMA pipeline's tasks. */
  readonly pipeline?: boolean;
  readonly cwd: string;
  /** The attempt's own folder for `<name>.casa.log`, `.stdout.log`, `.stderr.log`; never shared by two attempts. */
  readonly logDir: string;
  readonly name: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly cores?: number;
  readonly memoryLimitBytes?: number;
  readonly timeLimitSeconds?: number;
  /** The store's attempt id, put in the job's environment so that its processes can be recognised later. */
  readonly attemptId?: string;
}

export interface JobOutcome extends ProcessRecord {
  readonly timedOut: boolean;
  readonly cancelled: boolean;
  /**
   * What the executor itself saw that the job's logs cannot say: the kernel's OOM killer
   * acting on the job's memory cgroup, a cluster's job state. Read by the classifier.
   */
  readonly executorEvidence?: readonly { readonly file: string; readonly text: string }[];
}

export interface JobHooks {
  readonly onLine?: (line: string) => void;
  /** Called once the job's processes exist, with their process group (local) or job id. */
  readonly onStarted?: (processGroup: number) => void;
}

export interface Executor {
  readonly name: string;
  run(job: CasaJob, signal: AbortSignal, hooks?: JobHooks): Promise<JobOutcome>;
  /** Stops the processes an attempt of a dead run left behind, if they are still there. */
  reap(processGroup: number, attemptId: string): Promise<void>;
}

/** Where a job's logs go: known before it starts, so the store can point at them at once. */
export function jobLogPaths(job: Pick<CasaJob, "logDir" | "name">): { log: string; stdout: string; stderr: string } {
  return {
    log: join(job.logDir, `${job.name}.casa.log`),
    stdout: join(job.logDir, `${job.name}.stdout.log`),
    stderr: join(job.logDir, `${job.name}.stderr.log`),
  };
}
