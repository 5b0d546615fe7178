/**
 * What finished campaigns measured, as the resource model's observations: one per
 * succeeded attempt, with the MOUS's delivery size (the fetch step's bytes) and cube voxels
 * (the fix step's imaging features), the attempt's wall time and peak memory, and the MOUS
 * folder's size after the step.
 */
import { AttemptState } from "../domain/campaign.js";
import type { CampaignReport } from "../store/store.js";
import type { StepObservation } from "./resource-model.js";

export function deliveryBytesOf(mous: CampaignReport["mouses"][number]): number | undefined {
  const bytes = mous.steps.find((s) => s.name === "fetch")?.outputs?.bytes;
  return typeof bytes === "number" && bytes > 0 ? bytes : undefined;
}

/** The voxels of the cubes the imaging plan makes, as the fix step recorded them. */
export function cubeVoxelsOf(mous: CampaignReport["mouses"][number]): number | undefined {
  const features = mous.steps.find((s) => s.name === "fix")?.outputs?.imagingFeatures;
  const voxels = typeof features === "object" && features !== null ? (features as { cubeVoxels?: unknown }).cubeVoxels : undefined;
  return typeof voxels === "number" && voxels > 0 ? voxels : undefined;
}

export function observationsFromReport(report: CampaignReport): StepObservation[] {
  const out: StepObservation[] = [];
  for (const m of report.mouses) {
    const deliveryBytes = deliveryBytesOf(m);
    if (deliveryBytes === undefined) continue;
    const cubeVoxels = cubeVoxelsOf(m) ?? null;
    for (const s of m.steps) {
      const ok = s.attempts.filter((a) => a.state === AttemptState.Succeeded).at(-1);
      if (!ok) continue;
      const disk = s.outputs?.mousDiskBytes;
      out.push({
        step: s.name,
        deliveryBytes,
        peakMemoryBytes: ok.peakRssBytes,
        wallSeconds: ok.wallSeconds,
        diskBytes: typeof disk === "number" ? disk : null,
        cubeVoxels,
      });
    }
  }
  return out;
}
