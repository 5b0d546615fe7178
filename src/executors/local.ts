/**
 * The local executor: CASA jobs as child processes of this machine, through the CASA
 * runner (own process group, logs to files, peak memory, time limit, cancellation).
 */
import { readdir, readFile } from "node:fs/promises";
import { runCasaScript } from "../casa/run-script.js";
import { createMemoryCgroup, memoryCgroupsAvailable, MEMORY_CGROUP_ROOT, type MemoryCgroup } from "./memory-cgroup.js";
import type { CasaJob, Executor, JobHooks, JobOutcome } from "./executor.js";

/** Marks every process of an attempt, so that a later run can tell them from strangers. */
export const ATTEMPT_ENV = "REIMAGE_ATTEMPT_ID";

export class LocalExecutor implements Executor {
  readonly name = "local";

  constructor(private readonly cgroupRoot: string = MEMORY_CGROUP_ROOT) {}

  async run(job: CasaJob, signal: AbortSignal, hooks: JobHooks = {}): Promise<JobOutcome> {
    const threads = job.cores !== undefined ? { OMP_NUM_THREADS: String(job.cores) } : {};
    const marker = job.attemptId !== undefined ? { [ATTEMPT_ENV]: job.attemptId } : {};
    // A limit is only recorded where the kernel enforces it.
    const cgroup =
      job.memoryLimitBytes !== undefined && memoryCgroupsAvailable(this.cgroupRoot)
        ? await createMemoryCgroup(`${job.attemptId ?? "job"}-${job.name}-${process.pid}`, job.memoryLimitBytes, this.cgroupRoot)
        : undefined;
    try {
      return await this.runIn(job, signal, hooks, { ...threads, ...marker }, cgroup);
    } finally {
      await cgroup?.remove();
    }
  }

  private async runIn(
    job: CasaJob,
    signal: AbortSignal,
    hooks: JobHooks,
    env: Record<string, string>,
    cgroup: MemoryCgroup | undefined,
  ): Promise<JobOutcome> {
    const result = await runCasaScript({
      runtime: job.runtime,
      script: job.script,
      ...(job.args && { args: job.args }),
      mode: job.mode,
      ...(job.pipeline && { pipeline: true }),
      workDir: job.cwd,
      logDir: job.logDir,
      name: job.name,
      env: { ...env, ...job.env },
      ...(cgroup && { commandPrefix: cgroup.commandPrefix }),
      signal,
      ...(job.timeLimitSeconds !== undefined && { timeLimitSeconds: job.timeLimitSeconds }),
      ...(hooks.onLine && { onOutputLine: hooks.onLine }),
      ...(hooks.onStarted && { onStarted: hooks.onStarted }),
    });
    const kernel = await cgroup?.report();
    return {
      ...(kernel?.evidence && { executorEvidence: [{ file: cgroup!.path, text: kernel.evidence }] }),
      exitCode: result.exitCode,
      signal: result.signal,
      timedOut: result.timedOut,
      cancelled: result.cancelled,
      wallSeconds: result.wallSeconds,
      peakRssBytes: result.peakRssBytes,
      memoryLimitBytes: cgroup?.limitBytes ?? null,
      runtimeId: job.runtime.id,
      command: result.command,
      logFile: result.logFile,
      stdoutFile: result.stdoutFile,
      stderrFile: result.stderrFile,
    };
  }

  /**
   * Kills the processes of `processGroup` that carry this attempt's marker. Process ids are
   * reused: a group is only touched when its processes say they belong to the attempt.
   */
  async reap(processGroup: number, attemptId: string): Promise<void> {
    for (const pid of await processesOfGroup(processGroup)) {
      const environ = await readFile(`/proc/${pid}/environ`, "utf8").catch(() => "");
      if (environ.split("\0").includes(`${ATTEMPT_ENV}=${attemptId}`)) {
        try {
          process.kill(-processGroup, "SIGKILL");
        } catch {
          // ESRCH: it ended by itself meanwhile.
        }
        return;
      }
    }
  }
}

async function processesOfGroup(processGroup: number): Promise<number[]> {
  const pids: number[] = [];
  for (const name of await readdir("/proc").catch(() => [] as string[])) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, "utf8").catch(() => "");
    // Field 5 (after the parenthesised command, which may hold spaces) is the group.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(fields[2]) === processGroup) pids.push(Number(name));
  }
  return pids;
}
