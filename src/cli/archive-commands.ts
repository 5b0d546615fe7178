import { resolve } from "node:path";
import type { Command } from "commander";
import type { Config } from "../config.js";
import { ensureModularCasa } from "../casa/modular-env.js";
import { ensureDemoArchive } from "../archive/demo-archive.js";

export function registerArchiveCommands(program: Command, config: () => Config): void {
  program
    .command("demo-archive")
    .argument("<dir>", "folder to build the archive in")
    .description("simulate the demo ALMA archive with CASA: delivery trees and request-handler tars")
    .option("--json", "print the archive manifest as JSON")
    .action(async (dir: string, opts: { json?: boolean }) => {
      const c = config();
      const log = (line: string) => process.stderr.write(line + "\n");
      await ensureModularCasa({ python: c.casa.python, envDir: c.casa.modularEnvDir, onProgress: log });
      const archive = await ensureDemoArchive(resolve(dir), c.casa.modularEnvDir, log);
      if (opts.json) {
        process.stdout.write(JSON.stringify(archive, null, 2) + "\n");
        return;
      }
      for (const m of archive.mouses) {
        process.stdout.write(`${m.mousUid}  ${m.name.padEnd(8)} ${m.source.padEnd(11)} ${m.tars.map((t) => t.split("/").at(-1)).join(", ")}\n`);
      }
      process.stdout.write(`${(archive.sizeBytes / 1e6).toFixed(1)} MB in ${archive.dir}\n`);
    });
}
