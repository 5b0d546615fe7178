/**
 * A campaign over an archive: every MOUS the source holds, or those a holdings list names
 * (categorised, and optionally a stratified sample of each category, as a validation run).
 */
import { readObsCoreFile } from "../archive/obscore.js";
import { categorize, stratifiedSample } from "../campaign/categories.js";
import type { Config } from "../config.js";
import { STEP_ORDER } from "../domain/campaign.js";
import { ErrorCode, ReimageError } from "../domain/errors.js";
import { parseUid } from "../domain/glossary.js";
import type { CampaignStore } from "../store/store.js";
import { archiveSource, defaultCampaignOptions } from "./workspace.js";

export interface CreateCampaignOptions {
  readonly id: string;
  readonly name?: string;
  /** A folder (local mirror) or a request-handler URL. */
  readonly archive: string;
  readonly recipe?: "casatasks-hifatargets" | "pipeline";
  /** An ObsCore holdings list: its MOUSs get categories; those the archive lacks are reported. */
  readonly holdings?: string;
  /** With holdings: this many MOUSs per category (a seeded stratified sample). */
  readonly perCategory?: number;
  readonly seed?: string;
}

export interface CreatedCampaign {
  readonly id: string;
  readonly created: boolean;
  readonly mouses: number;
  readonly categories: number;
  /** MOUSs of the holdings list that the archive does not hold. */
  readonly notInArchive: readonly string[];
}

export async function createCampaign(_config: Config, store: CampaignStore, options: CreateCampaignOptions): Promise<CreatedCampaign> {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(options.id)) {
    throw new ReimageError(ErrorCode.BadInput, `campaign id "${options.id}": use letters, digits, '_', '.' and '-' (64 at most)`);
  }
  const source = archiveSource(options.archive);
  const held = await source.listMous();
  if (held.length === 0) throw new ReimageError(ErrorCode.BadInput, `${source.name} holds no MOUS`);
  const inArchive = new Map(held.map((r) => [parseUid(r.mous)!.uid as string, r]));

  let mouses: { mousUid: string; projectCode: string; category?: string }[];
  const notInArchive: string[] = [];
  if (options.holdings === undefined) {
    mouses = held.map((r) => ({ mousUid: parseUid(r.mous)!.uid, projectCode: r.projectCode }));
  } else {
    const holdings = await readObsCoreFile(options.holdings);
    const sampled = options.perCategory === undefined ? undefined : new Set<string>(stratifiedSample(holdings, options.perCategory, options.seed ?? "reimage").flatMap((s) => s.sample));
    const chosen = sampled === undefined ? holdings : holdings.filter((h) => sampled.has(h.mous));
    mouses = [];
    for (const h of chosen) {
      const ref = inArchive.get(h.mous);
      if (ref === undefined) notInArchive.push(h.mous);
      else mouses.push({ mousUid: h.mous, projectCode: ref.projectCode, category: categorize(h).category.key });
    }
    if (mouses.length === 0) {
      throw new ReimageError(ErrorCode.BadInput, `none of the ${chosen.length} MOUSs of ${options.holdings} is in ${source.name}`);
    }
  }
  const { created } = await store.createCampaign(
    {
      id: options.id,
      name: options.name ?? options.id,
      recipe: options.recipe ?? "casatasks-hifatargets",
      archive: options.archive,
      options: { ...defaultCampaignOptions() },
    },
    mouses,
    STEP_ORDER,
  );
  return { id: options.id, created, mouses: mouses.length, categories: new Set(mouses.map((m) => m.category ?? "?")).size, notInArchive };
}
