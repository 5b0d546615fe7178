/**
 * Publishing a workspace's campaign: the dashboard server, and the ObsCore table written to
 * a file for a TAP service to ingest.
 */
import { createWriteStream } from "node:fs";
import { once } from "node:events";
import type { Config } from "../config.js";
import { ErrorCode, ReimageError } from "../domain/errors.js";
import { ObsCoreCatalogue, type CatalogueProblem } from "../publish/catalogue.js";
import { obscoreCsvChunks, obscoreVotableChunks } from "../publish/obscore.js";
import type { CampaignStore } from "../store/store.js";
import { startDashboard, type Dashboard } from "../web/server.js";
import { resolveCampaignId, workspace } from "./workspace.js";

export async function serveDashboard(
  config: Config,
  store: CampaignStore,
  options: { readonly port: number; readonly host?: string; readonly campaignId?: string | undefined; readonly onRequest?: (line: string) => void },
): Promise<Dashboard> {
  return startDashboard({
    store,
    port: options.port,
    ...(options.host !== undefined && { host: options.host }),
    ...(options.campaignId !== undefined && { campaignId: await resolveCampaignId(store, workspace(config), options.campaignId) }),
    ...(options.onRequest && { onRequest: (r) => options.onRequest?.(`${r.method} ${r.url} ${r.status} ${r.ms} ms`) }),
  });
}

export type ObsCoreFileFormat = "votable" | "csv";

export async function exportObsCore(
  config: Config,
  store: CampaignStore,
  options: { readonly out: string; readonly format: ObsCoreFileFormat; readonly baseUrl: string; readonly campaignId?: string | undefined; readonly authority?: string },
): Promise<{ campaignId: string; records: number; problems: readonly CatalogueProblem[] }> {
  const campaignId = await resolveCampaignId(store, workspace(config), options.campaignId);
  const catalogue = new ObsCoreCatalogue(store, { campaignId, baseUrl: options.baseUrl, authority: options.authority ?? "reimage.local" });
  const { records, problems } = await catalogue.answer();
  const chunks = options.format === "csv" ? obscoreCsvChunks(records) : obscoreVotableChunks(records, campaignId);
  const file = createWriteStream(options.out);
  try {
    for (const chunk of chunks) if (!file.write(chunk)) await once(file, "drain");
    file.end();
    await once(file, "finish");
  } catch (caught) {
    file.destroy();
    throw new ReimageError(ErrorCode.BadInput, `${options.out}: cannot write the ObsCore table`, { cause: caught });
  }
  return { campaignId, records: records.length, problems };
}
