/**
 * The Slurm executor: each CASA job is a batch job. It is submitted with `sbatch` (a
 * generated script beside the attempt's logs, asking for the job's memory, cores and time),
 * followed with `squeue` while it is queued or running (`sstat` for its memory), and read
 * with `scontrol show job` once it ended (`sacct` when the controller has forgotten it and
 * the cluster keeps accounting). An abort cancels it with `scancel`. Slurm's end states are
 * turned into reimage's outcome in job-end.ts; the parsing is in slurm-text.ts.
 *
 * The cluster's nodes must see the attempt folders and the CASA runtime at the same paths
 * (a shared file system), as archive sites' clusters do.
 */
import { mkdir, open, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { casaCommandLine, casaRunEnvironment, OutputTail } from "../../casa/run-script.js";
import { ErrorCode, ReimageError } from "../../domain/errors.js";
import { jobLogPaths, type CasaJob, type Executor, type JobHooks, type JobOutcome } from "../executor.js";
import { ATTEMPT_ENV } from "../local.js";
import { attemptJobPrefix, batchScript, slurmJobName } from "./batch-script.js";
import { jobEnd } from "./job-end.js";
import { slurmCommandRunner, type SlurmCommandRunner } from "./slurm-commands.js";
import {
  accountingDisabled,
  isEndedState,
  parseSacct,
  parseSbatchJobId,
  parseScontrolJob,
  parseSqueue,
  parseSstatMaxRss,
  SACCT_FIELDS,
  SQUEUE_FORMAT,
  unknownJob,
  type JobRecord,
} from "./slurm-text.js";

/** How long squeue may fail to answer before the job is given up as lost. */
const SILENCE_LIMIT_MS = 10 * 60_000;

export interface SlurmExecutorOptions {
  readonly partition?: string | undefined;
  /** More `#SBATCH` options for this site (`--account=...`, `--qos=...`). */
  readonly extraOptions?: readonly string[] | undefined;
  /** How often squeue is asked about a running job; default 2 s. */
  readonly pollSeconds?: number | undefined;
  readonly commands?: SlurmCommandRunner | undefined;
}

export class SlurmExecutor implements Executor {
  readonly name = "slurm";
  private readonly commands: SlurmCommandRunner;
  private readonly pollMs: number;

  constructor(private readonly options: SlurmExecutorOptions = {}) {
    this.commands = options.commands ?? slurmCommandRunner();
    this.pollMs = (options.pollSeconds ?? 2) * 1000;
  }

  async run(job: CasaJob, signal: AbortSignal, hooks: JobHooks = {}): Promise<JobOutcome> {
    const files = jobLogPaths(job);
    const scriptFile = join(job.logDir, `${job.name}.sbatch`);
    const command = ["sbatch", "--parsable", scriptFile];
    const jobName = slurmJobName(job.attemptId, job.name);
    const casaCommand = casaCommandLine({
      runtime: job.runtime,
      script: job.script,
      logFile: files.log,
      mode: job.mode,
      ...(job.args && { args: job.args }),
      ...(job.pipeline && { pipeline: true }),
    });
    const script = batchScript({
      jobName,
      command: casaCommand,
      env: {
        ...casaRunEnvironment(job.runtime),
        ...(job.cores !== undefined && { OMP_NUM_THREADS: String(job.cores) }),
        ...(job.attemptId !== undefined && { [ATTEMPT_ENV]: job.attemptId }),
        ...job.env,
      },
      cwd: job.cwd,
      stdoutFile: files.stdout,
      stderrFile: files.stderr,
      memoryBytes: job.memoryLimitBytes,
      cores: job.cores,
      timeLimitSeconds: job.timeLimitSeconds,
      partition: this.options.partition,
      extraOptions: this.options.extraOptions,
      comment: `${job.label} (attempt ${job.attemptId ?? "none"})`,
    });
    const record = {
      command,
      logFile: files.log,
      stdoutFile: files.stdout,
      stderrFile: files.stderr,
      runtimeId: job.runtime.id,
      memoryLimitBytes: job.memoryLimitBytes ?? null,
    };
    if (signal.aborted) return { ...record, exitCode: null, signal: null, timedOut: false, cancelled: true, wallSeconds: 0, peakRssBytes: null };

    const tails: OutputTail[] = [];
    try {
      await mkdir(job.logDir, { recursive: true });
      await writeFile(scriptFile, script, { mode: 0o755 });
      // The files exist before the job starts, so the store's links to them never dangle and tails can follow them.
      for (const file of [files.stdout, files.stderr]) await (await open(file, "a")).close();
      if (hooks.onLine) {
        const onLine = hooks.onLine;
        tails.push(await OutputTail.open(files.stdout, "stdout", (line) => onLine(line)));
        tails.push(await OutputTail.open(files.stderr, "stderr", (line) => onLine(line)));
      }
    } catch (caught) {
      await Promise.allSettled(tails.map((t) => t.close()));
      throw new ReimageError(ErrorCode.ProcessStartFailed, `cannot write the batch script ${scriptFile} or open the job's output files`, { cause: caught });
    }

    const started = performance.now();
    try {
      const submitted = await this.commands("sbatch", ["--parsable", scriptFile]);
      const jobId = parseSbatchJobId(submitted.stdout);
      if (submitted.exitCode !== 0 || jobId === undefined) {
        throw new ReimageError(ErrorCode.ProcessStartFailed, `sbatch refused ${scriptFile} (exit ${String(submitted.exitCode)}): ${(submitted.stderr || submitted.stdout).trim()}`);
      }
      hooks.onStarted?.(jobId);
      const followed = await this.follow(jobId, signal, tails);
      const end = jobEnd(followed.record, followed.cancelRequested);
      return {
        ...record,
        exitCode: end.exitCode,
        signal: end.signal,
        timedOut: end.timedOut,
        cancelled: end.cancelled,
        wallSeconds: followed.record.runSeconds ?? (performance.now() - started) / 1000,
        peakRssBytes: followed.peakRssBytes ?? null,
        ...(end.evidence && { executorEvidence: [{ file: scriptFile, text: end.evidence }] }),
      };
    } finally {
      for (const tail of tails) {
        await tail.read();
        tail.flush();
      }
      await Promise.allSettled(tails.map((t) => t.close()));
    }
  }

  /** Until the job has ended: its final record, the largest memory sstat saw, whether we cancelled it. */
  private async follow(
    jobId: number,
    signal: AbortSignal,
    tails: readonly OutputTail[],
  ): Promise<{ record: JobRecord; peakRssBytes: number | undefined; cancelRequested: boolean }> {
    let peakRssBytes: number | undefined;
    let cancelRequested = false;
    let silent = 0;
    const id = String(jobId);
    for (;;) {
      if (signal.aborted && !cancelRequested) {
        cancelRequested = true;
        const cancelled = await this.commands("scancel", [id]);
        if (cancelled.exitCode !== 0 && !unknownJob(cancelled.stderr)) {
          throw new ReimageError(ErrorCode.ProcessFailed, `scancel ${id} failed: ${cancelled.stderr.trim()}`);
        }
      }
      const queue = await this.commands("squeue", ["-h", "-t", "all", "-j", id, "-o", SQUEUE_FORMAT]);
      const state = parseSqueue(queue.stdout).find((j) => j.jobId === jobId)?.state;
      const forgotten = queue.exitCode === 0 ? state === undefined : unknownJob(queue.stderr);
      // A controller that does not answer for a moment (restart, overload) is asked again; for long, it is an error.
      silent = queue.exitCode === 0 || forgotten ? 0 : silent + 1;
      if (silent * this.pollMs > SILENCE_LIMIT_MS) {
        throw new ReimageError(ErrorCode.ProcessFailed, `squeue has not answered about Slurm job ${id} for ${SILENCE_LIMIT_MS / 1000} s: ${queue.stderr.trim()}`);
      }
      if (state === "RUNNING") {
        const stat = await this.commands("sstat", ["-n", "-P", "-a", "-j", id, "-o", "JobID,MaxRSS"]);
        const rss = stat.exitCode === 0 ? parseSstatMaxRss(stat.stdout) : undefined;
        if (rss !== undefined) peakRssBytes = Math.max(peakRssBytes ?? 0, rss);
      }
      for (const tail of tails) await tail.read();
      if (forgotten || (state !== undefined && isEndedState(state))) {
        const record = await this.endRecord(jobId);
        if (record) return { record, peakRssBytes, cancelRequested };
      }
      await sleep(this.pollMs);
    }
  }

  /** The ended job's record; undefined while Slurm is still finishing it (COMPLETING). */
  private async endRecord(jobId: number): Promise<JobRecord | undefined> {
    const id = String(jobId);
    const shown = await this.commands("scontrol", ["show", "job", id]);
    if (shown.exitCode === 0) {
      const record = parseScontrolJob(shown.stdout);
      if (record && isEndedState(record.state)) return record;
      if (record) return undefined;
    }
    if (shown.exitCode !== 0 && !unknownJob(shown.stderr)) return undefined;
    // Past MinJobAge the controller forgets the job; only accounting remembers it.
    const acct = await this.commands("sacct", ["-n", "-P", "-X", "-j", id, "-o", SACCT_FIELDS]);
    const fromAccounting = parseSacct(acct.stdout).find((r) => r.jobId === jobId);
    if (fromAccounting && isEndedState(fromAccounting.state)) return fromAccounting;
    if (fromAccounting) return undefined;
    const why = accountingDisabled(acct.stderr + acct.stdout)
      ? "the cluster keeps no accounting (sacct: accounting storage is disabled)"
      : `sacct: ${(acct.stderr || acct.stdout).trim() || "no record"}`;
    throw new ReimageError(ErrorCode.ProcessFailed, `Slurm job ${id} has ended, but scontrol no longer knows it and ${why}: its outcome is lost`);
  }

  /**
   * Cancels the jobs an attempt of a dead run left queued or running, found by name (job
   * ids are reused after a controller's state is reset; names carry the attempt).
   */
  async reap(_jobId: number, attemptId: string): Promise<void> {
    const queue = await this.commands("squeue", ["-h", "-o", SQUEUE_FORMAT]);
    if (queue.exitCode !== 0) throw new ReimageError(ErrorCode.ProcessFailed, `squeue failed while looking for attempt ${attemptId}'s jobs: ${queue.stderr.trim()}`);
    const prefix = attemptJobPrefix(attemptId);
    const ours = parseSqueue(queue.stdout).filter((j) => j.name.startsWith(prefix) && !isEndedState(j.state));
    if (ours.length === 0) return;
    const cancelled = await this.commands("scancel", ours.map((j) => String(j.jobId)));
    if (cancelled.exitCode !== 0 && !unknownJob(cancelled.stderr)) {
      throw new ReimageError(ErrorCode.ProcessFailed, `scancel of attempt ${attemptId}'s jobs failed: ${cancelled.stderr.trim()}`);
    }
  }
}
