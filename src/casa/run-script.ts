/**
 * Running one CASA script: the command line (pure, `casaCommandLine`) and its execution
 * (`runCasaScript`).
 *
 * A CASA script that fails is an expected outcome and comes back as a value with its exit
 * code or signal; only a process that cannot be started at all throws. The error
 * classifier reads the result and the three files it names, never this module's messages.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, open, readdir, readFile, stat, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { ErrorCode, ReimageError } from "../domain/errors.js";
import type { CasaRuntime } from "../domain/runtime.js";
import { casaScriptsDir } from "../paths.js";
import { casaEnvironment, envPython, SITE_CONFIG_FILE } from "./modular-env.js";

/**
 * - `casashell`: the script sees the CASA shell's globals (`execfile`, `casalog`, every task
 *   name), as scriptForPI needs. Monolithic runs always use it.
 * - `python`: plain Python with `import casatasks` left to the script; starts faster and has
 *   no shell to hide a traceback. Modular only.
 */
export type CasaScriptMode = "casashell" | "python";

export type RuntimeForRun = Pick<CasaRuntime, "id" | "kind" | "path" | "python" | "hasPipeline" | "canRunCasashell">;

export interface CasaScriptCall {
  readonly runtime: RuntimeForRun;
  readonly script: string;
  readonly args?: readonly string[];
  /** The CASA log file (not stdout). */
  readonly logFile: string;
  /** Default `casashell`. */
  readonly mode?: CasaScriptMode;
  /** `casa --pipeline`: loads the ALMA pipeline's tasks (monolithic installs that have it). */
  readonly pipeline?: boolean;
}

/** Ships with the package: sets the CASA log, then runs the script as `__main__`. */
export const RUN_WITH_CASALOG = join(casaScriptsDir, "run_with_casalog.py");

// --nogui and --agg: no display on compute nodes; --nologger: no logger window, the log
// goes to --logfile only.
const SHELL_FLAGS = ["--nogui", "--nologger", "--agg"] as const;

/**
 * The exact command line, program first. Throws `CasaMissing` when the runtime cannot do
 * what the call asks (a pipeline on modular CASA, casashell where it is not installed).
 */
export function casaCommandLine(call: CasaScriptCall, bootstrap: string = RUN_WITH_CASALOG): string[] {
  const { runtime, script, logFile } = call;
  const args = call.args ?? [];
  const mode = call.mode ?? "casashell";
  if (call.pipeline && !runtime.hasPipeline) {
    throw new ReimageError(ErrorCode.CasaMissing, `CASA runtime ${runtime.id} has no ALMA pipeline`);
  }
  if (runtime.kind === "monolithic") {
    if (mode === "python") {
      throw new ReimageError(ErrorCode.BadInput, `CASA runtime ${runtime.id} is monolithic: scripts run in its CASA shell, not in plain Python`);
    }
    return [
      join(runtime.path, "bin", "casa"),
      ...SHELL_FLAGS,
      "--logfile",
      logFile,
      ...(call.pipeline ? ["--pipeline"] : []),
      "-c",
      script,
      ...args,
    ];
  }
  const python = runtime.python ?? envPython(runtime.path);
  if (mode === "python") return [python, bootstrap, logFile, script, ...args];
  if (!runtime.canRunCasashell) {
    throw new ReimageError(ErrorCode.CasaMissing, `CASA runtime ${runtime.id} has no casashell: run the script in python mode or choose another runtime`);
  }
  return [python, "-m", "casashell", ...SHELL_FLAGS, "--logfile", logFile, "-c", script, ...args];
}

/**
 * What a CASA run needs in its environment over the inherited one, wherever it runs (here,
 * or in a cluster's batch script).
 */
export function casaRunEnvironment(runtime: RuntimeForRun): Record<string, string> {
  const siteConfig = join(runtime.path, SITE_CONFIG_FILE);
  return {
    // Python buffers stdout into a file; a killed run would lose its last lines.
    PYTHONUNBUFFERED: "1",
    ...(runtime.kind === "modular" && existsSync(siteConfig) ? casaEnvironment(runtime.path) : {}),
  };
}

export interface RunCasaOptions extends Omit<CasaScriptCall, "logFile"> {
  /** The script's working folder. */
  readonly workDir: string;
  /** Where `<name>.casa.log`, `<name>.stdout.log` and `<name>.stderr.log` go (appended). */
  readonly logDir: string;
  /** Default `casa`. */
  readonly name?: string;
  /** Added last, over the inherited environment and the runtime's own. */
  readonly env?: Readonly<Record<string, string>>;
  readonly timeLimitSeconds?: number;
  readonly signal?: AbortSignal;
  /** Between SIGTERM and SIGKILL; default 10 s, enough for CASA to close its tables. */
  readonly graceSeconds?: number;
  /**
   * Each complete line of output, for progress and heartbeats. Fed from the files, not
   * from pipes; must not throw (an exception is dropped, so a printing bug cannot lose a
   * CASA run).
   */
  readonly onOutputLine?: (line: string, stream: "stdout" | "stderr") => void;
  /**
   * Words put before CASA's own command line: a wrapper that places the process in a
   * resource-limited group before it execs CASA. Part of the recorded command.
   */
  readonly commandPrefix?: readonly string[];
  /**
   * Called once the process exists, with its process group: the campaign records it, so
   * that a run resuming after this one was killed can stop what it left running.
   */
  readonly onStarted?: (processGroup: number) => void;
  /** Default 200 ms: how often memory is sampled and output is read back. */
  readonly pollMs?: number;
  /**
   * The environment the child inherits; default this process's. Passed through untouched,
   * not read for configuration.
   */
  readonly baseEnv?: Readonly<Record<string, string | undefined>>;
}

export interface CasaRunResult {
  /** Null when a signal ended the process. */
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly timedOut: boolean;
  readonly cancelled: boolean;
  readonly wallSeconds: number;
  /**
   * The largest summed resident memory of the process group seen while polling, or the
   * largest single process's own high-water mark if that is larger (it catches peaks
   * shorter than the polling interval). 0 where /proc does not exist.
   */
  readonly peakRssBytes: number;
  readonly logFile: string;
  readonly stdoutFile: string;
  readonly stderrFile: string;
  readonly command: readonly string[];
}

export async function runCasaScript(options: RunCasaOptions): Promise<CasaRunResult> {
  const name = options.name ?? "casa";
  const logFile = join(options.logDir, `${name}.casa.log`);
  const stdoutFile = join(options.logDir, `${name}.stdout.log`);
  const stderrFile = join(options.logDir, `${name}.stderr.log`);
  const command = [...(options.commandPrefix ?? []), ...casaCommandLine({ ...options, logFile })];
  const [program, ...args] = command as [string, ...string[]];
  const files = { logFile, stdoutFile, stderrFile, command };

  const workDirOk = await stat(options.workDir).then((s) => s.isDirectory(), () => false);
  if (!workDirOk) throw new ReimageError(ErrorCode.ProcessStartFailed, `cannot start ${program}: working folder ${options.workDir} is not a folder`);
  const opened: FileHandle[] = [];
  const tails: OutputTail[] = [];
  let out: FileHandle;
  let err: FileHandle;
  try {
    await mkdir(options.logDir, { recursive: true });
    out = await open(stdoutFile, "a");
    opened.push(out);
    err = await open(stderrFile, "a");
    opened.push(err);
    if (options.onOutputLine) {
      tails.push(await OutputTail.open(stdoutFile, "stdout", options.onOutputLine));
      tails.push(await OutputTail.open(stderrFile, "stderr", options.onOutputLine));
    }
  } catch (caught) {
    await closeAll(opened, tails);
    throw new ReimageError(ErrorCode.ProcessStartFailed, `cannot start ${program}: cannot open its output files in ${options.logDir}`, { cause: caught });
  }

  if (options.signal?.aborted) {
    await closeAll(opened, tails);
    return { ...files, exitCode: null, signal: null, timedOut: false, cancelled: true, wallSeconds: 0, peakRssBytes: 0 };
  }

  const env = { ...(options.baseEnv ?? process.env), ...casaRunEnvironment(options.runtime), ...options.env };

  const started = performance.now();
  let child: ChildProcess;
  try {
    // The child writes straight into the files: its output survives even if this process
    // dies, and nothing depends on pipes being drained. detached: its own process group,
    // so that cancelling reaches every process CASA starts.
    child = spawn(program, args, { cwd: options.workDir, env, shell: false, detached: true, stdio: ["ignore", out.fd, err.fd] });
  } catch (caught) {
    await closeAll([out, err], tails);
    throw new ReimageError(ErrorCode.ProcessStartFailed, `cannot start ${program}`, { cause: caught });
  }
  // Listening from the start: a script that fails at once can exit before the next await.
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) => {
    child.once("exit", (code, signal) => resolveExit({ code, signal }));
  });
  try {
    await new Promise<void>((resolveSpawn, rejectSpawn) => {
      child.once("spawn", resolveSpawn);
      child.once("error", rejectSpawn);
    });
  } catch (caught) {
    await closeAll([out, err], tails);
    throw new ReimageError(ErrorCode.ProcessStartFailed, `cannot start ${program}`, { cause: caught });
  }
  // The child holds its own copies of the descriptors.
  await Promise.all([out.close(), err.close()]);
  const pgid = child.pid as number;
  options.onStarted?.(pgid);

  let timedOut = false;
  let cancelled = false;
  let killTimer: NodeJS.Timeout | undefined;
  const killGroup = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pgid, sig);
    } catch {
      // ESRCH: the group is already gone, which is what we wanted.
    }
  };
  const terminate = (why: "timeout" | "cancel") => {
    if (timedOut || cancelled) return;
    if (why === "timeout") timedOut = true;
    else cancelled = true;
    killGroup("SIGTERM");
    killTimer = setTimeout(() => killGroup("SIGKILL"), (options.graceSeconds ?? 10) * 1000);
  };
  const limitTimer =
    options.timeLimitSeconds === undefined ? undefined : setTimeout(() => terminate("timeout"), options.timeLimitSeconds * 1000);
  const onAbort = () => terminate("cancel");
  options.signal?.addEventListener("abort", onAbort, { once: true });
  // An abort during the start-up awaits above fired no event this listener could hear.
  if (options.signal?.aborted) onAbort();

  let peakRssBytes = 0;
  // One poll at a time: two concurrent reads of a tail would hand on the same lines twice.
  let inFlight: Promise<void> | undefined;
  const poll = () => {
    inFlight ??= (async () => {
      const memory = await groupMemory(pgid);
      peakRssBytes = Math.max(peakRssBytes, memory.rssBytes, memory.maxHwmBytes);
      for (const tail of tails) await tail.read();
    })().finally(() => (inFlight = undefined));
  };
  const pollTimer = setInterval(poll, options.pollMs ?? 200);
  poll();

  const exit = await exited;
  const wallSeconds = (performance.now() - started) / 1000;
  clearInterval(pollTimer);
  clearTimeout(limitTimer);
  clearTimeout(killTimer);
  options.signal?.removeEventListener("abort", onAbort);
  // Helpers CASA started may outlive it, holding memory and table locks the next step needs.
  killGroup("SIGKILL");
  await inFlight;
  for (const tail of tails) {
    await tail.read();
    tail.flush();
  }
  await closeAll([], tails);
  return { ...files, exitCode: exit.code, signal: exit.signal, timedOut, cancelled, wallSeconds, peakRssBytes };
}

async function closeAll(handles: readonly FileHandle[], tails: readonly OutputTail[]): Promise<void> {
  await Promise.allSettled([...handles.map((h) => h.close()), ...tails.map((t) => t.close())]);
}

/** Reads what a process appends to a file and hands it on line by line. */
export class OutputTail {
  private offset: number;
  private partial = "";
  private failed = false;
  private readonly decoder = new TextDecoder();

  private constructor(
    private readonly handle: FileHandle,
    private readonly stream: "stdout" | "stderr",
    private readonly onLine: (line: string, stream: "stdout" | "stderr") => void,
    start: number,
  ) {
    this.offset = start;
  }

  /** Starts at the current end: earlier runs' lines in the same file are not this run's. */
  static async open(path: string, stream: "stdout" | "stderr", onLine: (line: string, stream: "stdout" | "stderr") => void): Promise<OutputTail> {
    const handle = await open(path, "r");
    return new OutputTail(handle, stream, onLine, (await handle.stat()).size);
  }

  /**
   * Never throws: reading back is for progress only, the file itself stays complete, and
   * an error here must not lose the run's result. A tail that fails once stops.
   */
  async read(): Promise<void> {
    if (this.failed) return;
    const buffer = Buffer.alloc(64 * 1024);
    try {
      for (;;) {
        const { bytesRead } = await this.handle.read(buffer, 0, buffer.length, this.offset);
        if (bytesRead === 0) return;
        this.offset += bytesRead;
        const lines = (this.partial + this.decoder.decode(buffer.subarray(0, bytesRead), { stream: true })).split("\n");
        this.partial = lines.pop() ?? "";
        for (const line of lines) this.emit(line);
      }
    } catch {
      this.failed = true;
    }
  }

  /** The last line, when the process ended without a newline. */
  flush(): void {
    const rest = this.partial + this.decoder.decode();
    this.partial = "";
    if (rest.length > 0) this.emit(rest);
  }

  async close(): Promise<void> {
    await this.handle.close();
  }

  private emit(line: string): void {
    try {
      this.onLine(line.endsWith("\r") ? line.slice(0, -1) : line, this.stream);
    } catch {
      // See RunCasaOptions.onOutputLine: the caller's printing must not end the run.
    }
  }
}

/**
 * Resident memory of every process in the group (the set a cancellation kills), from
 * /proc. Processes that vanish between listing and reading are skipped.
 */
async function groupMemory(pgid: number): Promise<{ rssBytes: number; maxHwmBytes: number }> {
  let pids: string[];
  try {
    pids = (await readdir("/proc")).filter((p) => /^\d+$/.test(p));
  } catch {
    return { rssBytes: 0, maxHwmBytes: 0 };
  }
  const members = await Promise.all(
    pids.map(async (pid) => {
      try {
        const statLine = await readFile(`/proc/${pid}/stat`, "utf8");
        // The command name in parentheses may hold spaces: fields count from the last ')'.
        const fields = statLine.slice(statLine.lastIndexOf(")") + 2).split(" ");
        if (Number(fields[2]) !== pgid) return undefined;
        const status = await readFile(`/proc/${pid}/status`, "utf8");
        return { rss: statusKiB(status, "VmRSS") * 1024, hwm: statusKiB(status, "VmHWM") * 1024 };
      } catch {
        return undefined;
      }
    }),
  );
  let rssBytes = 0;
  let maxHwmBytes = 0;
  for (const m of members) {
    if (!m) continue;
    rssBytes += m.rss;
    maxHwmBytes = Math.max(maxHwmBytes, m.hwm);
  }
  return { rssBytes, maxHwmBytes };
}

function statusKiB(status: string, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
  return m ? Number(m[1]) : 0;
}
