/**
 * Slurm's client commands as reimage calls them: a program, its arguments, what it printed
 * and how it exited. The one place the Slurm executor starts processes; everything it reads
 * from them is parsed in slurm-text.ts.
 */
import { execFile } from "node:child_process";
import { ErrorCode, ReimageError } from "../../domain/errors.js";

export interface CommandResult {
  readonly stdout: string;
  readonly stderr: string;
  /** Null when the command was killed (its own time limit). */
  readonly exitCode: number | null;
}

/** Runs one client command; throws only when it cannot be started at all. */
export type SlurmCommandRunner = (program: string, args: readonly string[]) => Promise<CommandResult>;

/**
 * @param env the commands' environment (SLURM_CONF chooses the cluster); default this
 *   process's, passed through untouched.
 * @param timeoutSeconds a controller that does not answer must not hang a campaign.
 */
export function slurmCommandRunner(env?: Readonly<Record<string, string | undefined>>, timeoutSeconds = 60): SlurmCommandRunner {
  return (program, args) =>
    new Promise((resolve, reject) => {
      execFile(
        program,
        [...args],
        { encoding: "utf8", shell: false, timeout: timeoutSeconds * 1000, maxBuffer: 16 * 2 ** 20, ...(env && { env }) },
        (error, stdout, stderr) => {
          if (error && typeof error.code === "string") {
            const hint = error.code === "ENOENT" ? ": is Slurm's client (slurm-client) installed and on the PATH?" : "";
            reject(new ReimageError(ErrorCode.ProcessStartFailed, `cannot run ${program}${hint}`, { cause: error }));
            return;
          }
          const exitCode = error ? (typeof error.code === "number" ? error.code : null) : 0;
          resolve({ stdout, stderr, exitCode });
        },
      );
    });
}
