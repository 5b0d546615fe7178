import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { Command } from "commander";
import { classifyFailure, toLogLines } from "../campaign/classify.js";
import { ErrorCode, ReimageError } from "../domain/errors.js";

export function registerClassifyCommand(program: Command): void {
  program
    .command("classify-log")
    .argument("<files...>", "CASA logs, stdout or stderr of one failed step")
    .description("the error class of a failed CASA step, with the line that shows it")
    .option("--exit-code <n>", "the step's exit code, if known", (v) => Number(v))
    .option("--signal <name>", "the signal that ended it, if any (SIGKILL, SIGSEGV, ...)")
    .option("--json", "as JSON")
    .action(async (files: string[], opts: { exitCode?: number; signal?: string; json?: boolean }) => {
      const lines = [];
      for (const file of files) {
        const path = resolve(file);
        let text: string;
        try {
          text = await readFile(path, "utf8");
        } catch (caught) {
          throw new ReimageError(ErrorCode.BadInput, `${path}: cannot read the log`, { cause: caught });
        }
        lines.push(...toLogLines(path, text));
      }
      const failure = classifyFailure({ exitCode: opts.exitCode ?? null, signal: opts.signal ?? null, lines });
      if (opts.json) process.stdout.write(JSON.stringify(failure, null, 2) + "\n");
      else process.stdout.write(`${failure.errorClass}: ${failure.message}\n${failure.evidenceLine ? `  ${failure.evidenceFile}: ${failure.evidenceLine}\n` : ""}`);
    });
}
