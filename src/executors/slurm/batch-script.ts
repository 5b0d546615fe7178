/**
 * The batch script reimage submits for one CASA job: Slurm's options as `#SBATCH` lines,
 * the job's environment, and the exact CASA command line. Written beside the attempt's logs,
 * so that `sbatch <file>` runs the same job again by hand. Pure.
 */
import { ErrorCode, ReimageError } from "../../domain/errors.js";

export interface BatchJob {
  /** Slurm's job name: `reimage.<attempt>.<job>`, how orphans are found again. */
  readonly jobName: string;
  readonly command: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  readonly stdoutFile: string;
  readonly stderrFile: string;
  readonly memoryBytes?: number | undefined;
  readonly cores?: number | undefined;
  readonly timeLimitSeconds?: number | undefined;
  readonly partition?: string | undefined;
  /** A line at the top saying what the job is, for whoever opens the file. */
  readonly comment?: string | undefined;
  /** More `#SBATCH` options from the site's configuration (account, QOS, constraints), as given. */
  readonly extraOptions?: readonly string[] | undefined;
}

const MiB = 2 ** 20;

/** Job names carry only what squeue prints back unchanged. */
function nameSafe(text: string): string {
  return text.replace(/[^A-Za-z0-9_.:-]/g, "_");
}

/** Every job of one attempt has a name that starts with this. */
export function attemptJobPrefix(attemptId: string): string {
  return `reimage.${nameSafe(attemptId)}.`;
}

export function slurmJobName(attemptId: string | undefined, jobName: string): string {
  return `${attemptJobPrefix(attemptId ?? "none")}${nameSafe(jobName)}`;
}

/** `--mem` in whole MiB, rounded up: Slurm's smallest unit, never below the limit asked for. */
export function memoryOption(bytes: number): string {
  return `${Math.max(1, Math.ceil(bytes / MiB))}M`;
}

/** `--time` as `[D-]HH:MM:SS`, rounded up to the second. */
export function timeOption(seconds: number): string {
  const total = Math.max(1, Math.ceil(seconds));
  const days = Math.floor(total / 86400);
  const hms = [Math.floor((total % 86400) / 3600), Math.floor((total % 3600) / 60), total % 60].map((n) => String(n).padStart(2, "0")).join(":");
  return days > 0 ? `${days}-${hms}` : hms;
}

/** A word for bash: single-quoted, with embedded quotes closed and escaped. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** `#SBATCH` values cannot be quoted reliably: a path with a line break or a quote is refused, not mangled. */
function sbatchValue(option: string, value: string): string {
  if (/[\n\r"]/.test(value)) {
    throw new ReimageError(ErrorCode.BadInput, `cannot write ${option}=${JSON.stringify(value)} into a batch script: it holds a line break or a double quote`);
  }
  return /\s/.test(value) ? `"${value}"` : value;
}

export function sbatchOptions(job: BatchJob): string[] {
  const options = [
    `--job-name=${sbatchValue("--job-name", job.jobName)}`,
    `--chdir=${sbatchValue("--chdir", job.cwd)}`,
    `--output=${sbatchValue("--output", job.stdoutFile)}`,
    `--error=${sbatchValue("--error", job.stderrFile)}`,
    // Earlier runs' lines in the same files stay, as with local runs.
    "--open-mode=append",
    "--nodes=1",
    "--ntasks=1",
    `--cpus-per-task=${Math.max(1, Math.floor(job.cores ?? 1))}`,
    // reimage's retry policy decides what runs again, each attempt in its own folder.
    "--no-requeue",
  ];
  if (job.memoryBytes !== undefined) options.push(`--mem=${memoryOption(job.memoryBytes)}`);
  if (job.timeLimitSeconds !== undefined) options.push(`--time=${timeOption(job.timeLimitSeconds)}`);
  if (job.partition !== undefined) options.push(`--partition=${sbatchValue("--partition", job.partition)}`);
  for (const extra of job.extraOptions ?? []) options.push(sbatchValue("option", extra));
  return options;
}

export function batchScript(job: BatchJob): string {
  if (job.command.length === 0) throw new ReimageError(ErrorCode.BadInput, `batch job ${job.jobName} has no command`);
  const lines = ["#!/bin/bash", ...sbatchOptions(job).map((o) => `#SBATCH ${o}`)];
  if (job.comment) lines.push(`# ${job.comment.replace(/\s+/g, " ")}`);
  lines.push("# Written by reimage; `sbatch` this file to run the same job again.");
  for (const [key, value] of Object.entries(job.env)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new ReimageError(ErrorCode.BadInput, `batch job ${job.jobName}: ${JSON.stringify(key)} is not an environment variable name`);
    lines.push(`export ${key}=${shellQuote(value)}`);
  }
  // exec: CASA becomes the job's process, so Slurm's signals and exit code are CASA's own.
  lines.push(`exec ${job.command.map(shellQuote).join(" ")}`, "");
  return lines.join("\n");
}
