import { InvalidArgumentError, type Command } from "commander";
import { STEP_ORDER, type StepName } from "../domain/campaign.js";
import type { Config } from "../config.js";
import { runDemo } from "../operations/demo.js";
import { openWorkspaceStore, runWorkspaceCampaign, workspace, workspaceReport } from "../operations/workspace.js";
import type { CampaignReport, CampaignStore } from "../store/store.js";
import { progressView } from "./progress.js";
import { table } from "./tables.js";
import { writeFile } from "node:fs/promises";
import { outcomeColumns, outcomeHtml, outcomeTable } from "../campaign/outcome-table.js";
import { createCampaign } from "../operations/create.js";
import { wholeNumber } from "./parse.js";

const log = (line: string) => process.stderr.write(line + "\n");

const UNITS: Readonly<Record<string, number>> = { "": 1, k: 1e3, kb: 1e3, kib: 2 ** 10, m: 1e6, mb: 1e6, mib: 2 ** 20, g: 1e9, gb: 1e9, gib: 2 ** 30 };

/** `image=300MiB`: a step's first memory limit. Repeatable. */
export function parseMemoryLimit(text: string, previous: Partial<Record<StepName, number>> = {}): Partial<Record<StepName, number>> {
  const m = /^([a-z]+)=(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const step = m?.[1] as StepName | undefined;
  const unit = UNITS[(m?.[3] ?? "").toLowerCase()];
  if (!m || !step || !STEP_ORDER.includes(step) || unit === undefined) {
    throw new InvalidArgumentError(`"${text}": expected STEP=SIZE with STEP one of ${STEP_ORDER.join(", ")} and SIZE like 300MiB or 2G`);
  }
  return { ...previous, [step]: Math.round(Number(m[2]) * unit) };
}

/** Ctrl-C once stops the campaign cleanly (running CASA killed, attempts marked interrupted); twice exits at once. */
function interruptible(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  let presses = 0;
  const onSignal = (name: NodeJS.Signals) => {
    presses += 1;
    if (presses > 1) process.exit(130);
    log(`\n${name}: stopping the campaign; it resumes where it stopped with \`reimage run\` (again to quit at once)`);
    controller.abort(new Error(`stopped by ${name}`));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}

async function withStore<T>(config: Config, fn: (store: CampaignStore) => Promise<T>): Promise<T> {
  const store = await openWorkspaceStore(workspace(config));
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

function stepCounts(report: CampaignReport): { total: number; done: number } {
  let total = 0;
  let done = 0;
  for (const m of report.mouses) {
    for (const s of m.steps) {
      total += 1;
      if (s.state !== "pending" && s.state !== "running") done += 1;
    }
  }
  return { total, done };
}

export function summaryTable(report: CampaignReport): string {
  const rows = report.mouses.map((m) => {
    // Errors of attempts that a later attempt made good stay in the report, not in this table.
    const last = m.state === "failed" ? m.errors.at(-1) : undefined;
    const current = m.steps.find((s) => s.state !== "succeeded" && s.state !== "skipped");
    return [
      m.mousUid,
      m.sourceName ?? "",
      m.state,
      current ? `${current.name} (${current.state})` : "all done",
      String(m.products.filter((p) => p.kind.startsWith("fits")).length),
      last ? `${last.errorClass}: ${(last.evidenceLine ?? last.message).slice(0, 90)}` : "",
    ];
  });
  const counts = Object.entries(report.counts)
    .filter(([, n]) => n > 0)
    .map(([state, n]) => `${n} ${state}`)
    .join(", ");
  return `campaign ${report.campaign.id}: ${counts}\n` + table(["MOUS", "source", "state", "step", "FITS", "error"], rows);
}

async function runWithProgress(
  config: Config,
  store: CampaignStore,
  start: (options: { signal: AbortSignal; onEvent: (e: Parameters<ReturnType<typeof progressView>["onEvent"]>[0]) => void }) => Promise<{ campaignId: string; state: string }>,
): Promise<void> {
  const { signal, dispose } = interruptible();
  let view: ReturnType<typeof progressView> | undefined;
  try {
    const summary = await start({
      signal,
      onEvent: (event) => {
        if (!view && event.type === "run-started") {
          // The bar needs the campaign's size, known once the run has started.
          view = progressView(event.totalSteps, event.doneSteps, process.stderr, config.plainProgress);
        }
        view?.onEvent(event);
      },
    });
    view?.stop();
    const report = await store.report(summary.campaignId);
    process.stdout.write("\n" + summaryTable(report));
    if (summary.state === "interrupted") process.exitCode = 130;
  } finally {
    dispose();
  }
}

export function registerCampaignCommands(program: Command, config: () => Config): void {
  program
    .command("demo")
    .description("build the simulated archive if absent, create the demo campaign and run it (resumes if stopped)")
    .option("--parallel <n>", "steps to run at once (default: the number of cores)", wholeNumber("--parallel"))
    .option("--memory-limit <step=size>", "a step's first memory limit, e.g. image=2GiB (repeatable; doubled on a memory failure)", parseMemoryLimit)
    .action(async (opts: { parallel?: number; memoryLimit?: Partial<Record<StepName, number>> }) => {
      const c = config();
      await withStore(c, (store) =>
        runWithProgress(c, store, ({ signal, onEvent }) =>
          runDemo(c, store, log, { signal, onEvent, maxParallel: opts.parallel, memoryLimits: opts.memoryLimit }),
        ),
      );
    });

  program
    .command("create")
    .description("a campaign over an archive: every MOUS it holds, or those of a holdings list (categorised, optionally sampled per category)")
    .requiredOption("--id <id>", "the campaign's id")
    .requiredOption("--archive <dir-or-url>", "a local mirror (delivery trees or request-handler tars) or a request-handler URL")
    .option("--name <name>", "a title for reports")
    .option("--pipeline", "image with the ALMA pipeline recipe (casa --pipeline) instead of casatasks")
    .option("--holdings <file>", "an ObsCore holdings list (VOTable, CSV or astropy ASCII): categories for its MOUSs")
    .option("--per-category <n>", "with --holdings: a seeded sample of this many MOUSs per category", wholeNumber("--per-category"))
    .option("--seed <seed>", "the sampling seed", "reimage")
    .action(async (opts: { id: string; archive: string; name?: string; pipeline?: boolean; holdings?: string; perCategory?: number; seed: string }) => {
      const c = config();
      await withStore(c, async (store) => {
        const r = await createCampaign(c, store, {
          id: opts.id,
          archive: opts.archive,
          seed: opts.seed,
          ...(opts.name !== undefined && { name: opts.name }),
          ...(opts.pipeline && { recipe: "pipeline" as const }),
          ...(opts.holdings !== undefined && { holdings: opts.holdings }),
          ...(opts.perCategory !== undefined && { perCategory: opts.perCategory }),
        });
        process.stdout.write(`${r.created ? "created" : "already there:"} campaign ${r.id}: ${r.mouses} MOUSs in ${r.categories} categories\n`);
        if (r.notInArchive.length > 0) process.stdout.write(`${r.notInArchive.length} MOUSs of the holdings are not in the archive: ${r.notInArchive.slice(0, 10).join(", ")}${r.notInArchive.length > 10 ? ", ..." : ""}\n`);
      });
    });

  program
    .command("run")
    .description("run (or resume) a campaign of the workspace: finished steps are not redone")
    .option("--campaign <id>", "the campaign (default: the newest)")
    .option("--retry-failed", "run the failed steps of failed MOUSs again")
    .option("--parallel <n>", "steps to run at once", wholeNumber("--parallel"))
    .option("--memory-limit <step=size>", "a step's first memory limit, e.g. image=2GiB (repeatable; doubled on a memory failure)", parseMemoryLimit)
    .action(async (opts: { campaign?: string; retryFailed?: boolean; parallel?: number; memoryLimit?: Partial<Record<StepName, number>> }) => {
      const c = config();
      await withStore(c, (store) =>
        runWithProgress(c, store, ({ signal, onEvent }) =>
          runWorkspaceCampaign(c, store, {
            campaignId: opts.campaign,
            retryFailed: opts.retryFailed,
            signal,
            onEvent,
            maxParallel: opts.parallel,
            memoryLimits: opts.memoryLimit,
          }),
        ),
      );
    });

  program
    .command("status")
    .description("where a campaign stands: MOUS states, current steps, errors")
    .option("--campaign <id>", "the campaign (default: the newest)")
    .action(async (opts: { campaign?: string }) => {
      const c = config();
      await withStore(c, async (store) => {
        const report = await workspaceReport(c, store, opts.campaign);
        const { total, done } = stepCounts(report);
        process.stdout.write(`${done}/${total} steps done\n` + summaryTable(report));
      });
    });

  program
    .command("report")
    .description("every MOUS of a campaign: state, steps with attempts and logs, products, errors")
    .option("--campaign <id>", "the campaign (default: the newest)")
    .option("--json", "as JSON")
    .option("--by-category", "only success and failure by category and error class, as a table")
    .option("--html <file>", "also write that table with a chart to an HTML page")
    .action(async (opts: { campaign?: string; json?: boolean; byCategory?: boolean; html?: string }) => {
      const c = config();
      await withStore(c, async (store) => {
        const report = await workspaceReport(c, store, opts.campaign);
        const outcomes = outcomeTable(report);
        if (opts.html) {
          await writeFile(opts.html, outcomeHtml(outcomes, `Campaign ${report.campaign.id}: ${report.campaign.name}`));
          process.stderr.write(`wrote ${opts.html}\n`);
        }
        if (opts.byCategory) {
          if (opts.json) {
            process.stdout.write(JSON.stringify(outcomes, null, 2) + "\n");
            return;
          }
          const { headers, rows } = outcomeColumns(outcomes);
          process.stdout.write(table(headers, rows));
          return;
        }
        if (opts.json) {
          process.stdout.write(JSON.stringify(report, null, 2) + "\n");
          return;
        }
        process.stdout.write(summaryTable(report));
        for (const m of report.mouses) {
          process.stdout.write(`\n${m.mousUid} (${m.sourceName ?? "?"}): ${m.state}\n`);
          for (const s of m.steps) {
            const attempts = s.attempts
              .map((a) => `#${a.number} ${a.state}${a.wallSeconds !== null ? ` ${a.wallSeconds.toFixed(1)} s` : ""}${a.peakRssBytes ? ` ${(a.peakRssBytes / 2 ** 20).toFixed(0)} MiB` : ""}`)
              .join("; ");
            process.stdout.write(`  ${s.name.padEnd(8)} ${s.state.padEnd(9)} ${attempts}\n`);
          }
          for (const e of m.errors) process.stdout.write(`  error [${e.errorClass}] in ${e.step}: ${e.message}\n    ${e.evidenceLine ?? ""}\n`);
          for (const p of m.products) process.stdout.write(`  product ${p.kind.padEnd(10)} ${p.path}\n`);
        }
      });
    });
}
