import { resolve } from "node:path";
import type { Command } from "commander";
import type { Config } from "../config.js";
import { startArchiveServer } from "../archive/http-server.js";
import { ErrorCode, ReimageError } from "../domain/index.js";

export function registerServeArchiveCommand(program: Command, _config: () => Config): void {
  program
    .command("serve-archive")
    .argument("<dir>", "a demo archive folder (holding request-handler/*.tar) or a folder of archive tars")
    .description("serve archive tars on 127.0.0.1 as the ALMA request handler does: MOUS index, DataLink answers, ranged downloads")
    .option("--port <n>", "port to listen on (0: any free port)", "0")
    .option("--quiet", "do not print a line per request")
    .action(async (dir: string, opts: { port: string; quiet?: boolean }) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        throw new ReimageError(ErrorCode.BadInput, `--port ${opts.port} is not a port number`);
      }
      const server = await startArchiveServer({
        dir: resolve(dir),
        port,
        ...(opts.quiet === true
          ? {}
          : {
              onRequest: (r) =>
                process.stderr.write(`${r.method} ${r.url}${r.range === undefined ? "" : ` (${r.range})`} ${r.status} ${r.bytesSent} bytes\n`),
            }),
      });
      process.stdout.write(`serving ${resolve(dir)} at ${server.url}\nMOUS index: ${server.indexUrl}\n`);
      await new Promise<void>((stop) => {
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
      await server.close();
    });
}
