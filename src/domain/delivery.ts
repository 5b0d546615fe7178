/**
 * What a MOUS delivery holds, once read from disk: the plain value every later step
 * (version discovery, restore, imaging) starts from. Built by `archive/delivery.ts`;
 * a test can build one by hand.
 */
import type { MousFileId, MousUid } from "./glossary.js";

/** `uid___A002_Xd28a9e_X71b8`: an execution block as file names carry it. */
export type ExecBlockId = string & { readonly __brand: "ExecBlockId" };

const EB_FILE_ID = /^uid___(A002)_(X[0-9a-fA-F]+)_(X[0-9a-fA-F]+)$/;
const EB_UID = /^uid:\/\/(A002)\/(X[0-9a-fA-F]+)\/(X[0-9a-fA-F]+)$/;

/** Parses either spelling of an execution-block uid; undefined when it is neither. */
export function parseExecBlockId(text: string): ExecBlockId | undefined {
  const m = EB_FILE_ID.exec(text) ?? EB_UID.exec(text);
  if (!m) return undefined;
  const [, a, b, c] = m as unknown as [string, string, string, string];
  return `uid___${a}_${b}_${c}` as ExecBlockId;
}

/**
 * How the delivered calibration is restored.
 * - `manual`: one `scriptForCalibration.py` per EB, run by scriptForPI in the CASA it asserts.
 * - `pipeline`: `casa_piperestorescript.py`, pipeline manifest or PPR; needs pipeline CASA.
 * - `cycle0`: Cycle 0 packages, raw and processed data in one tar, their own layout.
 * - `none`: nothing to restore (QA-only shells): an expected outcome, not a failure.
 */
export const CalibrationKind = {
  Manual: "manual",
  Pipeline: "pipeline",
  Cycle0: "cycle0",
  None: "none",
} as const;
export type CalibrationKind = (typeof CalibrationKind)[keyof typeof CalibrationKind];

/** Where the reader learnt that an execution block belongs to the MOUS. */
export const ExecBlockSource = {
  Raw: "raw",
  CalibrationScript: "calibration-script",
  PipelineManifest: "pipeline-manifest",
  Ppr: "ppr",
  RestoreScript: "restore-script",
} as const;
export type ExecBlockSource = (typeof ExecBlockSource)[keyof typeof ExecBlockSource];

export interface DeliveredExecBlock {
  readonly id: ExecBlockId;
  /** Every place that names it, raw first. */
  readonly sources: readonly ExecBlockSource[];
  /** `raw/<eb>.asdm.sdm` when it is on disk. */
  readonly asdmPath?: string;
  /** `script/<eb>[.ms].scriptForCalibration.py` for manual calibrations. */
  readonly calibrationScript?: string;
}

/** The role folders of a member OUS; each is present only when it exists on disk. */
export interface DeliveryFolders {
  readonly script?: string;
  readonly calibration?: string;
  readonly raw?: string;
  readonly product?: string;
  readonly qa?: string;
  readonly log?: string;
}

export interface Delivery {
  readonly projectCode: string;
  /** `uid___A001_...` of the science-goal OUS, as the folder name carries it. */
  readonly scienceGoal: string;
  /** `uid___A001_...` of the group OUS. */
  readonly group: string;
  readonly mous: { readonly uid: MousUid; readonly fileId: MousFileId };
  /** The `member.uid___A001_...` folder. */
  readonly memberDir: string;
  readonly folders: DeliveryFolders;
  /** Sorted by id. */
  readonly executionBlocks: readonly DeliveredExecBlock[];
  readonly scriptForPI?: string;
  readonly calibration: {
    readonly kind: CalibrationKind;
    /** The files (or facts) that decided the kind. */
    readonly evidence: readonly string[];
  };
  /** README files of the member and the folders above it, any case and extension. */
  readonly readmes: readonly string[];
  /** What the reader had to assume; recorded with the step so a reader can judge it. */
  readonly assumptions: readonly string[];
}
