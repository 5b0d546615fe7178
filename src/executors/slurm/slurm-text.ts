/**
 * What Slurm's commands print, read into values: `sbatch --parsable`, `squeue -o`,
 * `scontrol show job`, `sacct -P`, `sstat -P`, and the units they write memory, times and
 * exit codes in. Pure: the executor runs the commands and hands their output here.
 */
import { constants } from "node:os";

/**
 * A job's state as Slurm names it (squeue's %T, scontrol's JobState, sacct's State).
 * The ended ones are the states a job never leaves by itself.
 */
export const ENDED_STATES = [
  "COMPLETED",
  "FAILED",
  "CANCELLED",
  "TIMEOUT",
  "OUT_OF_MEMORY",
  "NODE_FAIL",
  "BOOT_FAIL",
  "DEADLINE",
  "PREEMPTED",
  "SPECIAL_EXIT",
  "REVOKED",
] as const;
export type EndedState = (typeof ENDED_STATES)[number];

export function isEndedState(state: string): state is EndedState {
  return (ENDED_STATES as readonly string[]).includes(state);
}

/** `sbatch --parsable` prints `<jobid>` or `<jobid>;<cluster>`. */
export function parseSbatchJobId(stdout: string): number | undefined {
  const m = /^\s*(\d+)(?:;\S+)?\s*$/.exec(stdout);
  return m ? Number(m[1]) : undefined;
}

/** A row of `squeue -h -o '%i|%j|%T|%r'`. */
export interface QueuedJob {
  readonly jobId: number;
  readonly name: string;
  readonly state: string;
  readonly reason: string;
}

export const SQUEUE_FORMAT = "%i|%j|%T|%r";

export function parseSqueue(stdout: string): QueuedJob[] {
  const jobs: QueuedJob[] = [];
  for (const line of stdout.split("\n")) {
    if (line.trim() === "") continue;
    // The name may itself hold '|': id first, state and reason last.
    const fields = line.split("|");
    if (fields.length < 4) continue;
    const reason = fields.pop()!;
    const state = fields.pop()!;
    const [id, ...name] = fields;
    // An array job's tasks print as `12_3`; reimage submits none, and skips what it did not make.
    if (!/^\d+$/.test(id ?? "")) continue;
    jobs.push({ jobId: Number(id), name: name.join("|"), state: state.trim(), reason: reason.trim() });
  }
  return jobs;
}

/**
 * `scontrol show job N` (several lines or `--oneliner`): `Key=Value` words. Values hold
 * no spaces but may hold '=' (`TRES=cpu=1,mem=200M`); keys may hold ':' and '/'
 * (`AllocNode:Sid`, `CPUs/Task`).
 */
export function parseScontrolRecord(stdout: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const word of stdout.split(/\s+/)) {
    const m = /^([A-Za-z][A-Za-z0-9_:/]*)=(.*)$/.exec(word);
    if (m) fields.set(m[1]!, m[2]!);
  }
  return fields;
}

/** What reimage reads of a job's record, from scontrol or sacct. */
export interface JobRecord {
  readonly jobId: number;
  readonly name: string;
  readonly state: string;
  readonly reason: string;
  /** `ExitCode=3:0`: the batch script's exit code and the signal that ended it (0 for none). */
  readonly exitCode: number;
  readonly exitSignal: number;
  /** Elapsed run time; undefined when Slurm did not say. */
  readonly runSeconds: number | undefined;
  /** The memory the job was given (`MinMemoryNode`, or per-CPU times CPUs), in bytes. */
  readonly memoryBytes: number | undefined;
  readonly nodes: string;
}

export function parseScontrolJob(stdout: string): JobRecord | undefined {
  const f = parseScontrolRecord(stdout);
  const id = f.get("JobId");
  const state = f.get("JobState");
  if (id === undefined || state === undefined || !/^\d+$/.test(id)) return undefined;
  const exit = parseExitCode(f.get("ExitCode") ?? "0:0");
  const perNode = f.get("MinMemoryNode");
  const perCpu = f.get("MinMemoryCPU");
  const cpus = Number(f.get("NumCPUs") ?? "1");
  const memoryBytes =
    perNode !== undefined ? parseSlurmMemory(perNode) : perCpu !== undefined ? mul(parseSlurmMemory(perCpu), cpus) : undefined;
  return {
    jobId: Number(id),
    name: f.get("JobName") ?? "",
    state: state.split(/\s/)[0]!,
    reason: f.get("Reason") ?? "None",
    exitCode: exit.code,
    exitSignal: exit.signal,
    runSeconds: parseSlurmDuration(f.get("RunTime") ?? ""),
    memoryBytes,
    nodes: f.get("NodeList") ?? "",
  };
}

export const SACCT_FIELDS = "JobID,JobName,State,ExitCode,Elapsed,ReqMem,NodeList";

/**
 * `sacct -n -P -X -j N -o <SACCT_FIELDS>`: one line per job (-X: allocations, not steps).
 * A cancelled job's State reads `CANCELLED by 0`.
 */
export function parseSacct(stdout: string): JobRecord[] {
  const records: JobRecord[] = [];
  for (const line of stdout.split("\n")) {
    const [id, name, state, exit, elapsed, reqMem, nodes] = line.split("|");
    if (!id || !/^\d+$/.test(id) || state === undefined) continue;
    const code = parseExitCode(exit ?? "0:0");
    records.push({
      jobId: Number(id),
      name: name ?? "",
      state: state.split(" ")[0]!,
      // sacct keeps no reason; the state says it.
      reason: "None",
      exitCode: code.code,
      exitSignal: code.signal,
      runSeconds: parseSlurmDuration(elapsed ?? ""),
      // ReqMem is `300M` (per node) or, in older Slurm, `300Mn` / `300Mc`.
      memoryBytes: reqMem ? parseSlurmMemory(reqMem.replace(/[nc]$/, "")) : undefined,
      nodes: nodes ?? "",
    });
  }
  return records;
}

/** sacct's answer where no accounting storage is configured: a fact about the cluster, not an error of the job. */
export function accountingDisabled(text: string): boolean {
  return /accounting storage is disabled/i.test(text);
}

/** scontrol's and squeue's answer for a job id they no longer (or never) knew. */
export function unknownJob(text: string): boolean {
  return /Invalid job id specified/i.test(text);
}

/** `sstat -n -P -a -j N -o JobID,MaxRSS`: the largest MaxRSS of the job's steps, in bytes. */
export function parseSstatMaxRss(stdout: string): number | undefined {
  let max: number | undefined;
  for (const line of stdout.split("\n")) {
    const [, rss] = line.split("|");
    const bytes = rss ? parseSlurmMemory(rss) : undefined;
    if (bytes !== undefined) max = Math.max(max ?? 0, bytes);
  }
  return max;
}

/** `3:0` (exit code 3), `0:125`, `0:15` (signal 15). */
export function parseExitCode(text: string): { code: number; signal: number } {
  const m = /^(\d+):(\d+)$/.exec(text.trim());
  return m ? { code: Number(m[1]), signal: Number(m[2]) } : { code: 0, signal: 0 };
}

const MEMORY_UNITS: Readonly<Record<string, number>> = { "": 2 ** 20, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 };

/** `58180K`, `200M`, `1G`, `1.50G`; a bare number is MiB, as in `--mem`. Slurm's units are binary. */
export function parseSlurmMemory(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)([KMGT]?)$/i.exec(text.trim());
  if (!m) return undefined;
  return Math.round(Number(m[1]) * MEMORY_UNITS[m[2]!.toUpperCase()]!);
}

/** `00:01:16`, `1-02:03:04`, `05:30` (MM:SS), `UNLIMITED` (undefined). */
export function parseSlurmDuration(text: string): number | undefined {
  const m = /^(?:(\d+)-)?(?:(\d+):)?(\d+):(\d+)$/.exec(text.trim());
  if (!m) return undefined;
  return Number(m[1] ?? 0) * 86400 + Number(m[2] ?? 0) * 3600 + Number(m[3]) * 60 + Number(m[4]);
}

/** A signal number as Node names it (9 -> SIGKILL); undefined for 0 or one this system does not know. */
export function signalName(signal: number): string | undefined {
  if (signal === 0) return undefined;
  return Object.entries(constants.signals).find(([, n]) => n === signal)?.[0];
}

function mul(a: number | undefined, b: number): number | undefined {
  return a === undefined ? undefined : a * b;
}
