/** The resource model fitted to what the store's campaigns measured. */
import { observationsFromReport } from "../campaign/observations.js";
import { fitResourceModel, type ResourceModel } from "../campaign/resource-model.js";
import type { CampaignStore } from "../store/store.js";

export interface FittedModel {
  readonly model: ResourceModel;
  readonly observations: number;
  readonly campaigns: readonly string[];
}

/** The model fitted to every campaign in the store but `exclude` (a prediction must not see its own answer). */
export async function modelFromStore(store: CampaignStore | undefined, exclude?: string): Promise<FittedModel> {
  if (!store) return { model: fitResourceModel([]), observations: 0, campaigns: [] };
  const campaigns = (await store.listCampaigns()).filter((c) => c.id !== exclude);
  const observations = (await Promise.all(campaigns.map(async (c) => observationsFromReport(await store.report(c.id))))).flat();
  return { model: fitResourceModel(observations), observations: observations.length, campaigns: campaigns.map((c) => c.id) };
}

