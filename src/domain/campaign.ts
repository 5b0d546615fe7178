/**
 * A campaign's vocabulary: the steps a MOUS goes through, their states, and the classes of
 * failure the store records and retry policies decide on. Codes are stable strings: they
 * cross process and database boundaries.
 */

/** The steps of one MOUS, in order. */
export const StepName = {
  Fetch: "fetch",
  Restore: "restore",
  Fix: "fix",
  Image: "image",
  Products: "products",
  Analyse: "analyse",
} as const;
export type StepName = (typeof StepName)[keyof typeof StepName];
export const STEP_ORDER: readonly StepName[] = [StepName.Fetch, StepName.Restore, StepName.Fix, StepName.Image, StepName.Products, StepName.Analyse];

export const StepState = {
  Pending: "pending",
  Running: "running",
  Succeeded: "succeeded",
  Failed: "failed",
  /** Not run because an earlier step found nothing to process. */
  Skipped: "skipped",
} as const;
export type StepState = (typeof StepState)[keyof typeof StepState];

export const MousState = {
  Pending: "pending",
  Running: "running",
  Succeeded: "succeeded",
  Failed: "failed",
  /** The delivery holds nothing to restore or image (a QA-only shell): not a failure. */
  NothingToProcess: "nothing-to-process",
} as const;
export type MousState = (typeof MousState)[keyof typeof MousState];

export const AttemptState = {
  Running: "running",
  Succeeded: "succeeded",
  Failed: "failed",
  /** The process running it died (kill -9, power) or was stopped; the step runs again. */
  Interrupted: "interrupted",
} as const;
export type AttemptState = (typeof AttemptState)[keyof typeof AttemptState];

/** Why a step failed, as an operator acts on it (the seed's table of error classes). */
export const ErrorClass = {
  Memory: "memory",
  CasaVersion: "casa-version",
  EmptySelection: "empty-selection",
  Crash: "crash",
  DiskFull: "disk-full",
  TimeLimit: "time-limit",
  MissingData: "missing-data",
  PipelineUnavailable: "pipeline-unavailable",
  MeasuresData: "measures-data",
  Unknown: "unknown",
} as const;
export type ErrorClass = (typeof ErrorClass)[keyof typeof ErrorClass];

/** A failure as recorded: its class, a message, and the line of evidence that shows it. */
export interface StepFailure {
  readonly errorClass: ErrorClass;
  readonly message: string;
  readonly evidenceLine?: string | undefined;
  readonly evidenceFile?: string | undefined;
}

/** What one process of a step did, as the store keeps it. */
export interface ProcessRecord {
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly wallSeconds: number;
  readonly peakRssBytes: number | null;
  readonly memoryLimitBytes?: number | null | undefined;
  readonly runtimeId?: string | undefined;
  readonly command: readonly string[];
  readonly logFile?: string | undefined;
  readonly stdoutFile?: string | undefined;
  readonly stderrFile?: string | undefined;
}

export const ProductKind = {
  FitsImage: "fits-image",
  FitsCube: "fits-cube",
  PrimaryBeam: "fits-pb",
  ContinuumRanges: "cont-dat",
  Script: "casa-script",
  Manifest: "manifest",
  MeasurementSet: "measurement-set",
  /** A cube's analysis (src/analysis): its summary (results in the metadata), page, FITS maps and slices, plots, tables. */
  AnalysisSummary: "analysis-summary",
  AnalysisPage: "analysis-page",
  AnalysisFits: "analysis-fits",
  AnalysisPlot: "analysis-plot",
  AnalysisTable: "analysis-table",
  Other: "other",
} as const;
export type ProductKind = (typeof ProductKind)[keyof typeof ProductKind];

export interface ProductRecord {
  readonly path: string;
  readonly kind: ProductKind;
  readonly sizeBytes: number;
  readonly sha256: string;
  readonly meta?: Readonly<Record<string, unknown>> | undefined;
}
