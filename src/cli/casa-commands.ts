import type { Command } from "commander";
import type { Config } from "../config.js";
import { ensureModularCasa } from "../casa/modular-env.js";

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
}
