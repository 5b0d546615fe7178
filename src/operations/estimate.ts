/**
 * `reimage estimate`: a campaign's cost before it runs, from a holdings list (ObsCore) or
 * from a campaign of the workspace, with the resource model fitted to what the store's
 * finished runs measured. For a campaign that has run, the measured figures beside the
 * predicted ones check the model.
 */
import { readObsCoreFile } from "../archive/obscore.js";
import { categorize, sizeEstimate } from "../campaign/categories.js";
import { estimateCampaign, type CategoryEstimate, type EstimateItem } from "../campaign/estimate.js";
import { deliveryBytesOf } from "../campaign/observations.js";
import { modelFromStore, type FittedModel } from "./fitted-model.js";
import { estimateMous, type MousEstimate, type ResourceModel } from "../campaign/resource-model.js";
import type { Config } from "../config.js";
import { AttemptState, STEP_ORDER } from "../domain/campaign.js";
import { parseUid } from "../domain/glossary.js";
import type { CampaignStore } from "../store/store.js";
import { archiveSource, resolveCampaignId, workspace } from "./workspace.js";

export interface HoldingsEstimate {
  readonly source: string;
  readonly fitted: Omit<FittedModel, "model">;
  readonly model: ResourceModel;
  readonly categories: readonly CategoryEstimate[];
  readonly total: CategoryEstimate;
}

export async function estimateHoldings(path: string, store: CampaignStore | undefined): Promise<HoldingsEstimate> {
  const holdings = await readObsCoreFile(path);
  const fitted = await modelFromStore(store);
  const items: EstimateItem[] = holdings.map((h) => ({ mous: h.mous, category: categorize(h).category.key, deliveryBytes: sizeEstimate(h).bytes }));
  const { categories, total } = estimateCampaign(fitted.model, items, STEP_ORDER);
  return { source: path, fitted: { observations: fitted.observations, campaigns: fitted.campaigns }, model: fitted.model, categories, total };
}

export interface MousCheck {
  readonly mousUid: string;
  readonly category: string;
  readonly deliveryBytes: number | undefined;
  readonly predicted: MousEstimate | undefined;
  /** What the campaign used, once its steps succeeded. */
  readonly measured: { readonly cpuSeconds: number; readonly peakMemoryBytes: number; readonly diskBytes: number } | undefined;
}

export interface CampaignEstimate {
  readonly campaignId: string;
  readonly fitted: Omit<FittedModel, "model">;
  readonly categories: readonly CategoryEstimate[];
  readonly total: CategoryEstimate;
  readonly mouses: readonly MousCheck[];
}

/**
 * The estimate of a workspace campaign, sizes from its archive (or from its fetch steps
 * when they ran), the model fitted without this campaign's own runs; beside it, what the
 * campaign measured where it finished.
 */
export async function estimateWorkspaceCampaign(config: Config, store: CampaignStore, campaignId?: string): Promise<CampaignEstimate> {
  const id = await resolveCampaignId(store, workspace(config), campaignId);
  const campaign = (await store.getCampaign(id))!;
  const report = await store.report(id);
  const source = archiveSource(campaign.archive);
  const fitted = await modelFromStore(store, id);
  const items: EstimateItem[] = [];
  const mouses: MousCheck[] = [];
  for (const m of report.mouses) {
    const fileId = parseUid(m.mousUid)?.fileId;
    const bytes = deliveryBytesOf(m) ?? (fileId === undefined ? undefined : await source.deliveryBytes({ projectCode: m.projectCode, mous: fileId }));
    const category = m.category ?? "?";
    items.push({ mous: m.mousUid, category, deliveryBytes: bytes });
    const done = m.steps.every((s) => s.state === "succeeded" || s.state === "skipped");
    const succeeded = m.steps.flatMap((s) => s.attempts.filter((a) => a.state === AttemptState.Succeeded).slice(-1).map((a) => ({ s, a })));
    const disks = m.steps.map((s) => s.outputs?.mousDiskBytes).filter((d): d is number => typeof d === "number");
    mouses.push({
      mousUid: m.mousUid,
      category,
      deliveryBytes: bytes,
      predicted: bytes === undefined ? undefined : estimateMous(fitted.model, { deliveryBytes: bytes }, STEP_ORDER),
      measured: done
        ? {
            cpuSeconds: succeeded.reduce((sum, { a }) => sum + (a.wallSeconds ?? 0), 0),
            peakMemoryBytes: Math.max(0, ...succeeded.map(({ a }) => a.peakRssBytes ?? 0)),
            diskBytes: Math.max(0, ...disks),
          }
        : undefined,
    });
  }
  const { categories, total } = estimateCampaign(fitted.model, items, STEP_ORDER);
  return { campaignId: id, fitted: { observations: fitted.observations, campaigns: fitted.campaigns }, categories, total, mouses };
}
