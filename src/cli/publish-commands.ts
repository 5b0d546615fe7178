import type { Command } from "commander";
import type { Config } from "../config.js";
import { ErrorCode, ReimageError } from "../domain/errors.js";
import { exportObsCore, serveDashboard } from "../operations/publish.js";
import { openWorkspaceStore, workspace } from "../operations/workspace.js";

function port(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new ReimageError(ErrorCode.BadInput, `--port ${text} is not a port number`);
  return n;
}

export function registerPublishCommands(program: Command, config: () => Config): void {
  program
    .command("serve")
    .description("a read-only web dashboard of a campaign: overview, MOUS list, MOUS pages, sky view, ObsCore, cut-outs")
    .option("--port <n>", "port to listen on (0: any free port)", "8080")
    .option("--host <address>", "address to listen on", "127.0.0.1")
    .option("--campaign <id>", "the campaign to show (default: the newest in the store)")
    .option("--quiet", "do not print a line per request")
    .action(async (opts: { port: string; host: string; campaign?: string; quiet?: boolean }) => {
      const c = config();
      const store = await openWorkspaceStore(workspace(c));
      const dashboard = await serveDashboard(c, store, {
        port: port(opts.port),
        host: opts.host,
        campaignId: opts.campaign,
        ...(opts.quiet !== true && { onRequest: (line: string) => process.stderr.write(`${line}\n`) }),
      });
      process.stdout.write(`dashboard of ${workspace(c).storeLocation} at ${dashboard.url}\n`);
      await new Promise<void>((stop) => {
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
      await dashboard.close();
      await store.close();
    });

  program
    .command("obscore")
    .description("write every image product of a campaign as ObsCore records (VOTable or CSV), for ingestion by a TAP service")
    .requiredOption("--out <file>", "the file to write")
    .option("--format <format>", "votable or csv", "votable")
    .option("--base-url <url>", "where `reimage serve` is reached, for access_url", "http://127.0.0.1:8080/")
    .option("--campaign <id>", "the campaign (default: the newest in the store)")
    .action(async (opts: { out: string; format: string; baseUrl: string; campaign?: string }) => {
      if (opts.format !== "votable" && opts.format !== "csv") throw new ReimageError(ErrorCode.BadInput, `--format ${opts.format} is not votable or csv`);
      const c = config();
      const store = await openWorkspaceStore(workspace(c));
      try {
        const result = await exportObsCore(c, store, { out: opts.out, format: opts.format, baseUrl: opts.baseUrl, campaignId: opts.campaign });
        process.stdout.write(`${result.records} ObsCore record(s) of campaign "${result.campaignId}" written to ${opts.out}\n`);
        for (const p of result.problems) process.stderr.write(`left out ${p.path}: ${p.message}\n`);
      } finally {
        await store.close();
      }
    });
}
