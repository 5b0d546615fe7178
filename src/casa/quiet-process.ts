/**
 * Short helper processes of the set-up (venv, pip, version checks): no CASA log, output
 * captured, failure turned into a typed error that quotes the end of stderr.
 */
import { spawn } from "node:child_process";
import { appendFile } from "node:fs/promises";
import { ErrorCode, ReimageError } from "../domain/errors.js";

export interface QuietOptions {
  readonly env?: Record<string, string>;
  readonly logFile?: string;
  readonly what: string;
}

export function runQuiet(command: string, args: readonly string[], options: QuietOptions): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, {
      shell: false,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...options.env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    child.on("error", (err) =>
      reject(new ReimageError(ErrorCode.CasaSetupFailed, `${options.what}: could not start ${command}`, { cause: err })),
    );
    child.on("close", (code, signal) => {
      const finish = () => {
        if (code === 0) return resolvePromise(stdout);
        const tail = (stderr || stdout).trim().split("\n").slice(-5).join("\n");
        reject(
          new ReimageError(
            ErrorCode.CasaSetupFailed,
            `${options.what}: ${command} ${signal ? `killed by ${signal}` : `exited with ${code}`}\n${tail}`,
          ),
        );
      };
      if (!options.logFile) return finish();
      appendFile(options.logFile, `$ ${command} ${args.join(" ")}\n${stdout}${stderr}\n`).then(finish, (err: unknown) =>
        reject(new ReimageError(ErrorCode.CasaSetupFailed, `${options.what}: cannot write ${options.logFile}`, { cause: err })),
      );
    });
  });
}
