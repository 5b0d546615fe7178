/**
 * Step 3: known fixes to the restored data. Each fix in the registry says when it applies;
 * the step records which were checked and which were applied, so that a product can always
 * be traced to the repairs made before it.
 */
import type { StepContext, StepRunner } from "../engine.js";
import { input } from "./common.js";

export interface KnownFix {
  readonly id: string;
  /** What it repairs, in the words of the ticket or report that named it. */
  readonly repairs: string;
  applies(measurementSets: readonly string[], ctx: StepContext): Promise<boolean>;
  apply(measurementSets: readonly string[], ctx: StepContext): Promise<{ readonly changed: string }>;
}

export function fixStep(registry: readonly KnownFix[]): StepRunner {
  return async (ctx) => {
    const measurementSets = input(ctx, "restore", "measurementSets") as string[];
    const applied: { id: string; changed: string }[] = [];
    for (const fix of registry) {
      if (!(await fix.applies(measurementSets, ctx))) continue;
      ctx.emit(`applying fix ${fix.id}: ${fix.repairs}`);
      applied.push({ id: fix.id, ...(await fix.apply(measurementSets, ctx)) });
    }
    return { state: "succeeded", outputs: { measurementSets, checked: registry.map((f) => f.id), applied } };
  };
}
