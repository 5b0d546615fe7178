import type { Command } from "commander";
import type { Config } from "../config.js";
import { ensureModularCasa } from "../casa/modular-env.js";
import { scanRuntimes } from "../casa/runtimes.js";
import type { CasaRuntime } from "../domain/runtime.js";

export function registerCasaCommands(program: Command, config: () => Config): void {
  const casa = program.command("casa").description("CASA runtimes on this machine");
  casa
    .command("setup")
    .description("install modular CASA from PyPI into the cache folder (skipped when present), and check it")
    .action(async () => {
      const c = config();
      const manifest = await ensureModularCasa({
        python: c.casa.python,
        envDir: c.casa.modularEnvDir,
        onProgress: (line) => process.stderr.write(line + "\n"),
      });
      process.stdout.write(`CASA ${manifest.casaVersion} (modular) in ${c.casa.modularEnvDir}\n`);
    });
  casa
    .command("list")
    .description("list the CASA runtimes reimage can run: the managed modular env, extra envs, monolithic installs")
    .option("--json", "print the runtimes as a JSON array")
    .action(async (opts: { json?: boolean }) => {
      const { runtimes, skipped } = await scanRuntimes(config().casa);
      for (const s of skipped) process.stderr.write(`skipped ${s.path}: ${s.reason}\n`);
      if (opts.json) {
        process.stdout.write(JSON.stringify(runtimes, null, 2) + "\n");
        return;
      }
      process.stdout.write(runtimeTable(runtimes));
    });
}

function runtimeTable(runtimes: readonly CasaRuntime[]): string {
  if (runtimes.length === 0) return "no CASA runtime found (run `reimage casa setup`, or set REIMAGE_CASA_DIRS)\n";
  const header = ["ID", "KIND", "CASA", "PIPELINE", "CASASHELL", "PATH"];
  const rows = [
    header,
    ...runtimes.map((r) => [
      r.id,
      r.kind,
      r.casaVersion,
      r.hasPipeline ? (r.pipelineVersion ?? "yes") : "-",
      r.canRunCasashell ? "yes" : "no",
      r.path,
    ]),
  ];
  const widths = header.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? "").length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join("  ")).join("\n") + "\n";
}
