/**
 * `reimage estimate [HOLDINGS]`: what a campaign will cost before it runs, per category,
 * with the model's one-sigma range; for a workspace campaign, beside what it measured.
 */
import type { Command } from "commander";
import type { CategoryEstimate } from "../campaign/estimate.js";
import type { Prediction } from "../campaign/resource-model.js";
import type { Config } from "../config.js";
import { estimateHoldings, estimateWorkspaceCampaign } from "../operations/estimate.js";
import { openWorkspaceStore, workspace } from "../operations/workspace.js";
import { table } from "./tables.js";

const gb = (b: number) => (b / 1e9).toPrecision(3);
const range = (p: Prediction, f: (n: number) => string) => `${f(p.value)} (${f(p.low)}-${f(p.high)})`;
const hours = (h: number) => h.toPrecision(3);
const seconds = (s: number) => s.toFixed(0);

function categoryRows(categories: readonly CategoryEstimate[], total: CategoryEstimate): string[][] {
  return [...categories, total].map((c) => [
    c.category,
    String(c.mouses),
    c.unknownSize > 0 ? String(c.unknownSize) : "",
    gb(c.deliveryBytes),
    range(c.cpuHours, hours),
    range(c.peakMemoryBytes, gb),
    range(c.diskBytes, gb),
  ]);
}
const HEADERS = ["category", "MOUSs", "no size", "data GB", "CPU h (1σ range)", "peak memory GB", "disk GB"];

export function registerEstimateCommand(program: Command, config: () => Config): void {
  program
    .command("estimate")
    .argument("[holdings]", "an ObsCore holdings list (VOTable, CSV or astropy ASCII); without it, a campaign of the workspace")
    .option("--campaign <id>", "the workspace campaign to estimate (default: the newest), beside what it measured")
    .option("--json", "as JSON")
    .description("CPU hours, peak memory and disk a campaign will need, per category, from the resource model fitted to the store's runs")
    .action(async (holdings: string | undefined, opts: { campaign?: string; json?: boolean }) => {
      const c = config();
      const store = await openWorkspaceStore(workspace(c));
      try {
        if (holdings !== undefined) {
          const e = await estimateHoldings(holdings, store);
          if (opts.json) return void process.stdout.write(JSON.stringify(e, null, 2) + "\n");
          process.stdout.write(`model fitted to ${e.fitted.observations} step runs of ${e.fitted.campaigns.length} campaign(s)\n`);
          process.stdout.write(table(HEADERS, categoryRows(e.categories, e.total)));
          return;
        }
        const e = await estimateWorkspaceCampaign(c, store, opts.campaign);
        if (opts.json) return void process.stdout.write(JSON.stringify(e, null, 2) + "\n");
        process.stdout.write(`campaign ${e.campaignId}: model fitted to ${e.fitted.observations} step runs of other campaigns (${e.fitted.campaigns.join(", ") || "none: priors only"})\n`);
        process.stdout.write(table(HEADERS, categoryRows(e.categories, e.total)));
        process.stdout.write("\npredicted (1σ range) and measured, per MOUS:\n");
        process.stdout.write(
          table(
            ["MOUS", "data GB", "CPU s", "measured", "peak memory GB", "measured", "disk GB", "measured"],
            e.mouses.map((m) => [
              m.mousUid,
              m.deliveryBytes === undefined ? "?" : gb(m.deliveryBytes),
              m.predicted ? range(m.predicted.cpuSeconds, seconds) : "?",
              m.measured ? seconds(m.measured.cpuSeconds) : "-",
              m.predicted ? range(m.predicted.peakMemoryBytes, gb) : "?",
              m.measured ? gb(m.measured.peakMemoryBytes) : "-",
              m.predicted ? range(m.predicted.diskBytes, gb) : "?",
              m.measured ? gb(m.measured.diskBytes) : "-",
            ]),
          ),
        );
      } finally {
        await store.close();
      }
    });
}
