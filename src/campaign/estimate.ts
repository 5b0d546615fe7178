/**
 * A campaign's cost before it runs: per category, the CPU hours, the peak memory one MOUS
 * needs and the disk all of them take, from each MOUS's delivery size and the resource
 * model. Pure.
 */
import type { StepName } from "../domain/campaign.js";
import { estimateMous, type Prediction, type ResourceModel } from "./resource-model.js";

export interface EstimateItem {
  readonly mous: string;
  readonly category: string;
  /** Undefined when neither the holdings nor the archive state a size. */
  readonly deliveryBytes: number | undefined;
}

export interface CategoryEstimate {
  readonly category: string;
  readonly mouses: number;
  /** MOUSs without a size: not in the figures, reported so nobody mistakes them for free. */
  readonly unknownSize: number;
  readonly deliveryBytes: number;
  readonly cpuHours: Prediction;
  /** The most any one MOUS of the category needs at once. */
  readonly peakMemoryBytes: Prediction;
  /** Every MOUS's folder kept: the sum. */
  readonly diskBytes: Prediction;
}

const ZERO: Prediction = { value: 0, low: 0, high: 0 };
const add = (a: Prediction, b: Prediction, k = 1): Prediction => ({ value: a.value + k * b.value, low: a.low + k * b.low, high: a.high + k * b.high });
const max = (a: Prediction, b: Prediction): Prediction => ({ value: Math.max(a.value, b.value), low: Math.max(a.low, b.low), high: Math.max(a.high, b.high) });

export function estimateCampaign(model: ResourceModel, items: readonly EstimateItem[], steps: readonly StepName[]): { categories: CategoryEstimate[]; total: CategoryEstimate } {
  const byCategory = new Map<string, EstimateItem[]>();
  for (const item of items) byCategory.set(item.category, [...(byCategory.get(item.category) ?? []), item]);
  const summarise = (category: string, members: readonly EstimateItem[]): CategoryEstimate => {
    let cpu = ZERO;
    let memory = ZERO;
    let disk = ZERO;
    let bytes = 0;
    let unknown = 0;
    for (const m of members) {
      if (m.deliveryBytes === undefined) {
        unknown += 1;
        continue;
      }
      const e = estimateMous(model, { deliveryBytes: m.deliveryBytes }, steps);
      bytes += m.deliveryBytes;
      cpu = add(cpu, e.cpuSeconds, 1 / 3600);
      memory = max(memory, e.peakMemoryBytes);
      disk = add(disk, e.diskBytes);
    }
    return { category, mouses: members.length, unknownSize: unknown, deliveryBytes: bytes, cpuHours: cpu, peakMemoryBytes: memory, diskBytes: disk };
  };
  const categories = [...byCategory.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([c, m]) => summarise(c, m));
  return { categories, total: summarise("all", items) };
}
