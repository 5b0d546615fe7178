/**
 * What the imaging plan needs to know about a measurement set, as `casa-scripts/ms_metadata.py`
 * reports it. A plain value: tests build it by hand, the heuristics read it, and the JSON
 * crossing the process boundary is checked against the schema before anyone trusts it.
 *
 * Units are in the names (Hz, Rad, M, S) because CASA mixes them freely.
 */
import { z } from "zod";
import { ErrorCode, ReimageError } from "./errors.js";

export const FieldInfoSchema = z.object({
  id: z.number().int().nonnegative(),
  name: z.string(),
  /** Phase centre, in `directionFrame` (J2000 or ICRS for ALMA targets). */
  raRad: z.number(),
  decRad: z.number(),
  directionFrame: z.string(),
  /** `OBSERVE_TARGET#ON_SOURCE`, `CALIBRATE_PHASE#ON_SOURCE`, ... */
  intents: z.array(z.string()),
});
export type FieldInfo = z.infer<typeof FieldInfoSchema>;

export const SpwInfoSchema = z.object({
  id: z.number().int().nonnegative(),
  name: z.string(),
  centreFreqHz: z.number().positive(),
  /** Edges of the band, channel half-widths included. */
  minFreqHz: z.number().positive(),
  maxFreqHz: z.number().positive(),
  bandwidthHz: z.number().positive(),
  nchan: z.number().int().positive(),
  /** Absolute channel width (ALMA spws may run downwards in frequency). */
  chanWidthHz: z.number().positive(),
  firstChanFreqHz: z.number().positive(),
  /** The frame the MS labels its channels in: TOPO for ALMA data. */
  frame: z.string(),
});
export type SpwInfo = z.infer<typeof SpwInfoSchema>;

export const AntennaInfoSchema = z.object({
  id: z.number().int().nonnegative(),
  name: z.string(),
  diameterM: z.number().positive(),
});
export type AntennaInfo = z.infer<typeof AntennaInfoSchema>;

/** Lengths of every baseline between the antennas present (3-D, from ITRF positions). */
export const BaselineStatsSchema = z.object({
  count: z.number().int().positive(),
  minM: z.number().nonnegative(),
  maxM: z.number().positive(),
  percentilesM: z.object({
    p5: z.number(),
    p10: z.number(),
    p25: z.number(),
    p50: z.number(),
    p75: z.number(),
    p80: z.number(),
    p90: z.number(),
    p95: z.number(),
  }),
});
export type BaselineStats = z.infer<typeof BaselineStatsSchema>;

export const MsMetadataSchema = z.object({
  path: z.string().min(1),
  telescope: z.string(),
  /** Pipeline-calibrated MSs carry CORRECTED_DATA; split (`.ms.split.cal`) ones only DATA. */
  hasCorrectedData: z.boolean(),
  fields: z.array(FieldInfoSchema),
  /** Spws observed on the target, without channel averages, WVR and square-law detectors. */
  scienceSpws: z.array(SpwInfoSchema),
  antennas: z.array(AntennaInfoSchema),
  /** Null with fewer than two antennas. */
  baselines: BaselineStatsSchema.nullable(),
  /** Cross-correlation rows on the science target: 0 is what an aborted EB looks like. */
  targetRows: z.number().int().nonnegative(),
  /** Median integration of the target rows; null when there are none. */
  integrationTimeS: z.number().positive().nullable(),
  /** Summed over target fields; spws observed at once count once. */
  timeOnSourceS: z.number().nonnegative(),
  /** Keyed by field id (as a string, since JSON keys are). */
  timeOnSourcePerFieldS: z.record(z.string(), z.number().nonnegative()),
});
export type MsMetadata = z.infer<typeof MsMetadataSchema>;

export const MsMetadataFileSchema = z.object({
  version: z.literal(1),
  casaVersion: z.string().nullable(),
  measurementSets: z.array(MsMetadataSchema),
});
export type MsMetadataFile = z.infer<typeof MsMetadataFileSchema>;

/** The intent prefix ALMA gives science-target scans. */
export const TARGET_INTENT_PREFIX = "OBSERVE_TARGET";

export function isTargetField(field: FieldInfo): boolean {
  return field.intents.some((i) => i.startsWith(TARGET_INTENT_PREFIX));
}

/** Checks what ms_metadata.py wrote; a mismatch is bad input, with zod's issues as the cause. */
export function parseMsMetadataFile(json: unknown): MsMetadataFile {
  const parsed = MsMetadataFileSchema.safeParse(json);
  if (!parsed.success) {
    throw new ReimageError(ErrorCode.BadInput, `MS metadata does not match the schema: ${z.prettifyError(parsed.error)}`, {
      cause: parsed.error,
    });
  }
  return parsed.data;
}
