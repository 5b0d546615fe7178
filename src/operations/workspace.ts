/**
 * The composition root: where a campaign's parts (store, archive source, CASA runtimes,
 * executor, steps) are put together for the CLI and the dashboard. Everything below takes
 * these parts as arguments; only this folder chooses the real ones.
 *
 * A workspace is a folder (by default `./reimage-work`):
 *   reimage.sqlite          the store
 *   archive/                the demo archive, when `reimage demo` built it
 *   campaigns/<id>/mous/<uid___...>/   deliveries, restores, images and attempt logs
 */
import { availableParallelism, totalmem } from "node:os";
import { join } from "node:path";
import { HttpArchiveSource } from "../archive/http-source.js";
import { LocalMirrorSource, type ArchiveSource } from "../archive/sources.js";
import { runCampaign, type CampaignEvent, type RunSummary } from "../campaign/engine.js";
import { cubeVoxelsOf, deliveryBytesOf } from "../campaign/observations.js";
import { schedulingMemory, type MousSize } from "../campaign/resource-model.js";
import { analyseStep } from "../campaign/steps/analyse.js";
import { fetchStep } from "../campaign/steps/fetch.js";
import { fixStep } from "../campaign/steps/fix.js";
import { imageStep } from "../campaign/steps/image.js";
import { productsStep } from "../campaign/steps/products.js";
import { restoreStep } from "../campaign/steps/restore.js";
import { scanRuntimes } from "../casa/runtimes.js";
import type { Config } from "../config.js";
import { STEP_ORDER, StepName } from "../domain/campaign.js";
import { ErrorCode, ReimageError } from "../domain/errors.js";
import { parseUid } from "../domain/glossary.js";
import type { Executor } from "../executors/executor.js";
import { LocalExecutor } from "../executors/local.js";
import { SlurmExecutor } from "../executors/slurm/slurm-executor.js";
import { openStore } from "../store/open.js";
import { openSplatalogue } from "../store/splatalogue.js";
import { catalogueFile } from "./analyse.js";
import type { CampaignReport, CampaignStore } from "../store/store.js";
import { modelFromStore } from "./fitted-model.js";

export interface Workspace {
  readonly dir: string;
  readonly storeLocation: string;
  readonly archiveDir: string;
  campaignDir(campaignId: string): string;
}

export function workspace(config: Config): Workspace {
  return {
    dir: config.workDir,
    storeLocation: config.storeUrl ?? join(config.workDir, "reimage.sqlite"),
    archiveDir: join(config.workDir, "archive"),
    campaignDir: (id) => join(config.workDir, "campaigns", id),
  };
}

export interface CampaignOptions {
  readonly maxParallel: number;
  readonly memoryBudgetBytes: number;
}

export function defaultCampaignOptions(): CampaignOptions {
  return {
    maxParallel: Math.max(1, availableParallelism()),
    // Leave a quarter of the machine to the system and to CASA's own file cache.
    memoryBudgetBytes: Math.floor(totalmem() * 0.75),
  };
}

/** A MOUS whose size nobody has stated yet is taken for a typical 1 GB delivery. */
const UNKNOWN_DELIVERY_BYTES = 1e9;

/** A campaign's archive: a request-handler URL (downloads) or a folder (a local mirror). */
export function archiveSource(location: string): ArchiveSource {
  return /^https?:\/\//.test(location) ? new HttpArchiveSource(location) : new LocalMirrorSource(location);
}

export async function openWorkspaceStore(ws: Workspace): Promise<CampaignStore> {
  return openStore(ws.storeLocation);
}

/** The campaign to act on: the one named, or the newest in the store. */
export async function resolveCampaignId(store: CampaignStore, ws: Workspace, id?: string): Promise<string> {
  if (id) {
    if (!(await store.getCampaign(id))) throw new ReimageError(ErrorCode.BadInput, `no campaign "${id}" in ${ws.storeLocation}`);
    return id;
  }
  const [newest] = await store.listCampaigns();
  if (!newest) {
    throw new ReimageError(ErrorCode.BadInput, `${ws.storeLocation} holds no campaign yet: run \`reimage demo\` here, or give --work-dir`);
  }
  return newest.id;
}

/** Where the configuration says CASA jobs run. */
export function workspaceExecutor(config: Config): Executor {
  return config.executor.kind === "slurm" ? new SlurmExecutor(config.executor.slurm) : new LocalExecutor();
}

export interface RunOptions {
  readonly campaignId?: string | undefined;
  readonly retryFailed?: boolean | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly onEvent?: ((event: CampaignEvent) => void) | undefined;
  readonly maxParallel?: number | undefined;
  /** First memory limits per step, enforced by the executor; a retry doubles them up to the ceiling. */
  readonly memoryLimits?: Partial<Record<StepName, number>> | undefined;
}

export async function runWorkspaceCampaign(
  config: Config,
  store: CampaignStore,
  options: RunOptions,
): Promise<RunSummary & { campaignId: string }> {
  const ws = workspace(config);
  const campaignId = await resolveCampaignId(store, ws, options.campaignId);
  const campaign = (await store.getCampaign(campaignId))!;
  if (options.retryFailed) await store.resetFailed(campaignId);
  const { runtimes } = await scanRuntimes(config.casa);
  const executor = workspaceExecutor(config);
  const defaults = defaultCampaignOptions();
  const stored = campaign.options as Partial<CampaignOptions>;
  const maxParallel = options.maxParallel ?? stored.maxParallel ?? defaults.maxParallel;
  // The scheduler counts each step's memory from the resource model, fitted to every
  // finished run in the store, at the MOUS's delivery size (known from the archive, or
  // once its fetch step has run).
  const fitted = await modelFromStore(store);
  const source = archiveSource(campaign.archive);
  const sizes = new Map<string, MousSize>();
  for (const m of (await store.report(campaignId)).mouses) {
    const fileId = parseUid(m.mousUid)?.fileId;
    const bytes = deliveryBytesOf(m) ?? (source instanceof LocalMirrorSource && fileId ? await source.deliveryBytes({ projectCode: m.projectCode, mous: fileId }) : undefined);
    if (bytes !== undefined) sizes.set(m.mousUid, { deliveryBytes: bytes, cubeVoxels: cubeVoxelsOf(m) });
  }
  const onEvent = (event: CampaignEvent) => {
    if (event.type === "step-finished") {
      const known = sizes.get(event.mousUid) ?? { deliveryBytes: UNKNOWN_DELIVERY_BYTES };
      const bytes = event.outputs?.bytes;
      const features = event.outputs?.imagingFeatures as { cubeVoxels?: number } | undefined;
      if (event.step === StepName.Fetch && typeof bytes === "number") sizes.set(event.mousUid, { ...known, deliveryBytes: bytes });
      if (event.step === StepName.Fix && typeof features?.cubeVoxels === "number") sizes.set(event.mousUid, { ...known, cubeVoxels: features.cubeVoxels });
    }
    options.onEvent?.(event);
  };
  const summary = await runCampaign({
    store,
    campaignId,
    campaignDir: ws.campaignDir(campaignId),
    maxParallel,
    memoryBudgetBytes: stored.memoryBudgetBytes ?? defaults.memoryBudgetBytes,
    predictMemoryBytes: (step) => schedulingMemory(fitted.model, step.name, ("mousUid" in step ? sizes.get(step.mousUid) : undefined) ?? { deliveryBytes: UNKNOWN_DELIVERY_BYTES }),
    reapOrphan: (processGroup, attemptId) => executor.reap(processGroup, attemptId),
    ...(options.memoryLimits && { memoryLimits: options.memoryLimits }),
    // Slurm gives a job the memory it asks for: unless told, a step asks for its prediction.
    limitToPrediction: config.executor.kind === "slurm",
    retry: { memoryCeilingBytes: stored.memoryBudgetBytes ?? defaults.memoryBudgetBytes, maxAttempts: 3 },
    steps: {
      [StepName.Fetch]: fetchStep(source),
      [StepName.Restore]: restoreStep({ runtimes, executor }),
      [StepName.Fix]: fixStep({ runtimes, executor }),
      [StepName.Image]: imageStep({
        recipe: campaign.recipe.startsWith("pipeline") ? "pipeline" : "casatasks",
        runtimes,
        executor,
        threadsPerJob: Math.max(1, Math.floor(availableParallelism() / maxParallel)),
      }),
      [StepName.Products]: productsStep(),
      [StepName.Analyse]: analyseStep({ openCatalogue: catalogueOpener(config) }),
    },
    ...(options.signal && { signal: options.signal }),
    onEvent,
  });
  return { ...summary, campaignId };
}

export async function workspaceReport(config: Config, store: CampaignStore, campaignId?: string): Promise<CampaignReport> {
  const ws = workspace(config);
  return store.report(await resolveCampaignId(store, ws, campaignId));
}

/** Lines are identified with casadata's Splatalogue when the CASA environment has it. */
function catalogueOpener(config: Config): (() => ReturnType<typeof openSplatalogue>) | undefined {
  const path = catalogueFile(config, undefined);
  return path === undefined ? undefined : () => openSplatalogue(path);
}

export { STEP_ORDER };
