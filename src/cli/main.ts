#!/usr/bin/env node
/**
 * The `reimage` command. Parsing and printing only: each command calls one function of the
 * layers below and prints what it returns.
 */
import { Command } from "commander";
import { loadConfig } from "../config.js";
import { registerAnalyzeCommand } from "./analyze-command.js";
import { registerArchiveCommands } from "./archive-commands.js";
import { registerCampaignCommands } from "./campaign-commands.js";
import { registerCasaCommands } from "./casa-commands.js";
import { registerCasaVersionCommand } from "./casa-version-command.js";
import { registerCategorizeCommand } from "./categorize-command.js";
import { registerClassifyCommand } from "./classify-command.js";
import { registerEstimateCommand } from "./estimate-command.js";
import { registerFixesCommand } from "./fixes-command.js";
import { registerProductsCommand } from "./products-command.js";
import { registerPublishCommands } from "./publish-commands.js";
import { registerServeArchiveCommand } from "./serve-archive-command.js";

const program = new Command()
  .name("reimage")
  .description("Re-image ALMA MOUSs from the archive to homogeneous, recorded products.")
  .option("--work-dir <dir>", "where the campaign keeps archive, database and products")
  .option("--cache-dir <dir>", "where reimage keeps the CASA environment")
  .option("--store <location>", "the campaign store: a SQLite file or a postgres:// URL (default <work-dir>/reimage.sqlite)")
  .option("--executor <kind>", "where CASA jobs run: local (child processes) or slurm (sbatch); default $REIMAGE_EXECUTOR or local");

const config = () => {
  const o = program.opts<{ workDir?: string; cacheDir?: string; store?: string; executor?: string }>();
  return loadConfig({ workDir: o.workDir, cacheDir: o.cacheDir, store: o.store, executor: o.executor });
};

registerCasaCommands(program, config);
registerArchiveCommands(program, config);
registerCampaignCommands(program, config);
registerClassifyCommand(program);
registerCasaVersionCommand(program, config);
registerCategorizeCommand(program);
registerFixesCommand(program);
registerEstimateCommand(program, config);
registerServeArchiveCommand(program, config);
registerPublishCommands(program, config);
registerAnalyzeCommand(program, config);
registerProductsCommand(program);

program.parseAsync(process.argv).catch((caught: unknown) => {
  const err = caught instanceof Error ? caught : new Error(String(caught));
  process.stderr.write(`reimage: ${err.message}\n`);
  let cause = err.cause;
  while (cause instanceof Error) {
    process.stderr.write(`  caused by: ${cause.message}\n`);
    cause = cause.cause;
  }
  process.exitCode = 1;
});
