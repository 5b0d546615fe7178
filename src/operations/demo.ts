/**
 * `reimage demo`: the main job on the embedded defaults. Installs CASA if missing, builds
 * the simulated archive if absent, creates the demo campaign (once) and runs it to the end.
 * Run again, it resumes: finished steps are not redone.
 */
import { join } from "node:path";
import { ensureDemoArchive } from "../archive/demo-archive.js";
import { readObsCoreFile } from "../archive/obscore.js";
import { categorize } from "../campaign/categories.js";
import { ensureModularCasa } from "../casa/modular-env.js";
import type { Config } from "../config.js";
import { STEP_ORDER } from "../domain/campaign.js";
import type { CampaignStore } from "../store/store.js";
import { defaultCampaignOptions, runWorkspaceCampaign, workspace, type RunOptions } from "./workspace.js";

export const DEMO_CAMPAIGN_ID = "demo";

export async function prepareDemoCampaign(config: Config, store: CampaignStore, log: (line: string) => void): Promise<string> {
  const ws = workspace(config);
  await ensureModularCasa({ python: config.casa.python, envDir: config.casa.modularEnvDir, onProgress: log });
  const archive = await ensureDemoArchive(ws.archiveDir, config.casa.modularEnvDir, log);
  // Categories as a campaign over the real archive gets them: from its ObsCore holdings.
  const categories = new Map((await readObsCoreFile(archive.holdings)).map((h) => [h.mous as string, categorize(h).category.key]));
  const { created } = await store.createCampaign(
    {
      id: DEMO_CAMPAIGN_ID,
      name: "Demo: the simulated archive re-imaged with casatasks",
      recipe: "casatasks-hifatargets",
      archive: join(ws.archiveDir, "request-handler"),
      options: { ...defaultCampaignOptions() },
    },
    archive.mouses.map((m) => ({ mousUid: m.mousUid, projectCode: m.projectCode, sourceName: m.source, category: categories.get(m.mousUid) ?? m.name })),
    STEP_ORDER,
  );
  log(created ? `campaign "${DEMO_CAMPAIGN_ID}" created with ${archive.mouses.length} MOUSs` : `campaign "${DEMO_CAMPAIGN_ID}" found: resuming`);
  return DEMO_CAMPAIGN_ID;
}

export async function runDemo(config: Config, store: CampaignStore, log: (line: string) => void, options: Omit<RunOptions, "campaignId">) {
  const campaignId = await prepareDemoCampaign(config, store, log);
  return runWorkspaceCampaign(config, store, { ...options, campaignId });
}
