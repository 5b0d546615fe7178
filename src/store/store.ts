/**
 * The campaign store: everything reimage records, behind the calls the campaign engine,
 * the CLI and the dashboard make. One implementation over Kysely serves SQLite and
 * PostgreSQL; only this folder speaks SQL.
 */
import type {
  AttemptState,
  ErrorClass,
  MousState,
  ProcessRecord,
  ProductKind,
  ProductRecord,
  StepFailure,
  StepName,
  StepState,
} from "../domain/campaign.js";

export interface NewCampaign {
  readonly id: string;
  readonly name: string;
  readonly recipe: string;
  /** Where the MOUSs come from: a mirror folder or a request-handler URL. */
  readonly archive: string;
  readonly options: Readonly<Record<string, unknown>>;
}

export interface NewMous {
  readonly mousUid: string;
  readonly projectCode: string;
  readonly sourceName?: string | undefined;
  readonly category?: string | undefined;
}

export interface CampaignRow extends NewCampaign {
  readonly createdAt: string;
}

export interface StepRow {
  readonly id: string;
  readonly mousId: string;
  readonly mousUid: string;
  readonly projectCode: string;
  readonly name: StepName;
  readonly ordinal: number;
  readonly state: StepState;
  readonly attempts: number;
  /** The memory limit its next attempt runs with (set by a retry policy), if any. */
  readonly memoryLimitBytes: number | null;
  readonly outputs: Readonly<Record<string, unknown>> | null;
}

export interface ClaimedStep extends StepRow {
  readonly attemptId: string;
  readonly attemptNumber: number;
  /** Outputs of this MOUS's earlier steps, by step name: what this step starts from. */
  readonly inputs: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

export interface AttemptResult {
  readonly state: Exclude<AttemptState, "running">;
  readonly process?: ProcessRecord | undefined;
  readonly products?: readonly ProductRecord[] | undefined;
  readonly failure?: StepFailure | undefined;
  readonly outputs?: Readonly<Record<string, unknown>> | undefined;
  /** The step found nothing to process: later steps are skipped, the MOUS is not failed. */
  readonly nothingToProcess?: boolean | undefined;
  /** A failed attempt that a retry policy will run again: the step goes back to pending. */
  readonly willRetry?: boolean | undefined;
  /** With willRetry: the memory limit of the next attempt. */
  readonly nextMemoryLimitBytes?: number | null | undefined;
  /** What the retry policy decided about this failure, and why. */
  readonly decision?: string | undefined;
}

export interface AttemptReport {
  readonly number: number;
  readonly state: AttemptState;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly wallSeconds: number | null;
  readonly peakRssBytes: number | null;
  readonly memoryLimitBytes: number | null;
  readonly processGroup: number | null;
  readonly logPath: string | null;
  readonly stdoutPath: string | null;
  readonly stderrPath: string | null;
  readonly runId: string;
}

export interface StepReport {
  readonly name: StepName;
  readonly state: StepState;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  /** What the step's last successful attempt produced (versions chosen, fixes applied, ...). */
  readonly outputs: Readonly<Record<string, unknown>> | null;
  readonly attempts: readonly AttemptReport[];
}

export interface ErrorReport {
  readonly step: StepName;
  readonly attempt: number;
  readonly errorClass: ErrorClass;
  readonly message: string;
  readonly evidenceLine: string | null;
  readonly evidenceFile: string | null;
  readonly decision: string | null;
}

export interface MousReport {
  readonly mousUid: string;
  readonly projectCode: string;
  readonly sourceName: string | null;
  readonly category: string | null;
  readonly state: MousState;
  readonly steps: readonly StepReport[];
  readonly products: readonly (ProductRecord & { readonly step: StepName })[];
  readonly errors: readonly ErrorReport[];
}

export interface CampaignReport {
  readonly campaign: CampaignRow;
  readonly counts: Readonly<Record<MousState, number>>;
  readonly mouses: readonly MousReport[];
}

export interface RunRow {
  readonly id: string;
  readonly host: string;
  readonly pid: number;
  readonly state: "running" | "finished" | "interrupted";
  readonly heartbeatAt: string;
}

/** How the MOUS list sorts: by these names, each backed by an index or a cheap scan. */
export type MousSort = "mous" | "project" | "source" | "category" | "state" | "updated";

/** One page of the MOUS list: filters (all optional, combined with AND), order and window. */
export interface MousListQuery {
  readonly state?: MousState | undefined;
  /** MOUSs with a failed step of this error class. */
  readonly errorClass?: ErrorClass | undefined;
  readonly category?: string | undefined;
  /** A substring of the MOUS uid, project code or source name. */
  readonly search?: string | undefined;
  readonly sort: MousSort;
  readonly descending: boolean;
  readonly offset: number;
  readonly limit: number;
}

export interface MousListRow {
  readonly mousUid: string;
  readonly projectCode: string;
  readonly sourceName: string | null;
  readonly category: string | null;
  readonly state: MousState;
  readonly updatedAt: string;
  /** The error class of its failed step, when it has one. */
  readonly errorClass: ErrorClass | null;
}

export interface MousListPage {
  /** How many MOUSs match the filters, whatever the window. */
  readonly total: number;
  readonly rows: readonly MousListRow[];
}

/** A campaign at a glance: what the dashboard's overview draws. */
export interface CampaignSummary {
  readonly counts: Readonly<Record<MousState, number>>;
  /** MOUSs whose failed step has this class. */
  readonly failedByClass: readonly { readonly errorClass: ErrorClass; readonly mouses: number }[];
  /** Every error recorded, retried attempts included. */
  readonly errorsByClass: readonly { readonly errorClass: ErrorClass; readonly errors: number }[];
  readonly categories: readonly { readonly category: string | null; readonly state: MousState; readonly mouses: number }[];
  readonly steps: { readonly total: number; readonly done: number };
  /** The newest runs of `reimage run`, newest first. */
  readonly runs: readonly (RunRow & { readonly startedAt: string })[];
  readonly firstStartedAt: string | null;
  readonly lastFinishedAt: string | null;
}

/** A product with the MOUS it belongs to: what ObsCore, the sky view and cut-outs start from. */
export interface ProductRow extends ProductRecord {
  /** The store's id of the product (stable across reads). */
  readonly id: string;
  readonly mousUid: string;
  readonly projectCode: string;
  readonly sourceName: string | null;
  readonly step: StepName;
  readonly createdAt: string;
}

/** What recovery freed: steps to run again, and the processes the dead runs may have left. */
export interface RecoveredAttempts {
  readonly steps: number;
  readonly orphans: readonly { readonly attemptId: string; readonly host: string; readonly processGroup: number }[];
}

export interface CampaignStore {
  /** Creates the campaign with a pending step per MOUS and step name; a no-op if it exists. */
  createCampaign(campaign: NewCampaign, mouses: readonly NewMous[], steps: readonly StepName[]): Promise<{ created: boolean }>;
  getCampaign(id: string): Promise<CampaignRow | undefined>;
  listCampaigns(): Promise<readonly CampaignRow[]>;

  startRun(campaignId: string, host: string, pid: number): Promise<string>;
  /**
   * Marks the run and the steps it holds alive. False when another worker has declared the
   * run dead meanwhile (its heartbeat had gone stale): its steps are no longer its own.
   */
  heartbeatRun(runId: string): Promise<boolean>;
  /** Ends a run; one already declared dead stays interrupted. */
  finishRun(runId: string, state: "finished" | "interrupted"): Promise<void>;
  /**
   * Runs still marked running that `isAlive` takes for dead (process gone, heartbeat stale):
   * their attempts become interrupted and their steps pending again, each run recovered by
   * exactly one caller even when several workers try at once. Returns what was freed.
   */
  recoverInterrupted(campaignId: string, isAlive: (run: RunRow) => boolean): Promise<RecoveredAttempts>;
  /** Steps some run holds right now (state running), in this campaign. */
  activeClaims(campaignId: string): Promise<number>;

  /** Pending steps that may start: the MOUS has not failed and every earlier step succeeded. */
  runnableSteps(campaignId: string, limit: number): Promise<readonly StepRow[]>;
  /**
   * Atomically takes a pending step for this run and opens its next attempt; undefined if
   * another worker has it (exactly one claimer wins, on either database). Throws a
   * LeaseLost error when the run is no longer running (another worker took it for dead).
   */
  claimStep(stepId: string, runId: string): Promise<ClaimedStep | undefined>;
  /** Records the attempt's logs as soon as they are known, so a kill -9 keeps them. */
  noteAttemptLogs(
    attemptId: string,
    logs: { log?: string; stdout?: string; stderr?: string; command?: readonly string[]; processGroup?: number },
  ): Promise<void>;
  /** Closes an attempt: its process record, products and error, and the step's and MOUS's states, in one transaction. */
  finishAttempt(attemptId: string, result: AttemptResult): Promise<void>;
  /** Puts the failed steps of failed MOUSs back to pending (a new attempt each). */
  resetFailed(campaignId: string): Promise<number>;

  /** How many steps the campaign has, and how many are finished (succeeded, failed or skipped). */
  stepCounts(campaignId: string): Promise<{ total: number; done: number }>;
  report(campaignId: string): Promise<CampaignReport>;

  // Reads for the dashboard and publishing: each answers from indexes, whatever the campaign's size.
  /** One MOUS as `report` describes it; `undefined` if the campaign has no such MOUS. */
  mousReport(campaignId: string, mousUid: string): Promise<MousReport | undefined>;
  listMouses(campaignId: string, query: MousListQuery): Promise<MousListPage>;
  campaignSummary(campaignId: string): Promise<CampaignSummary>;
  listProducts(campaignId: string, options?: { readonly kinds?: readonly ProductKind[]; readonly mousUid?: string }): Promise<readonly ProductRow[]>;
  getProduct(campaignId: string, productId: string): Promise<ProductRow | undefined>;
  close(): Promise<void>;
}
