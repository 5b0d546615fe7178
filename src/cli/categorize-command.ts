import { resolve } from "node:path";
import type { Command } from "commander";
import { ObsCoreFormat, readObsCoreFile } from "../archive/obscore.js";
import { ESTIMATE_ASSUMPTIONS, SIZE_BOUNDS, stratifiedSample } from "../campaign/categories.js";
import { ErrorCode, ReimageError } from "../domain/errors.js";
import { wholeNumber } from "./parse.js";
import { table } from "./tables.js";

const FORMATS: readonly string[] = Object.values(ObsCoreFormat);

const gb = (bytes: number): string => (bytes >= 1e12 ? `${bytes / 1e12} TB` : `${bytes / 1e9} GB`);

/** `reimage categorize FILE`: categories of the MOUSs in an ObsCore holdings list, with a seeded sample of each. */
export function registerCategorizeCommand(program: Command): void {
  program
    .command("categorize")
    .argument("<file>", "an ObsCore answer of the ALMA archive: VOTable (TABLEDATA), CSV or astropy ASCII")
    .description("sort the MOUSs of a holdings list into categories (cycle, band, array, field, spectral set-up, size) and sample each")
    .option("--per-category <n>", "MOUSs to sample per category", wholeNumber("--per-category"), 10)
    .option("--seed <seed>", "sampling seed: the same seed gives the same sample", "reimage")
    .option("--format <format>", `the file's form (${FORMATS.join(", ")}); default: from its content`)
    .option("--json", "as JSON")
    .action(async (file: string, opts: { perCategory: number; seed: string; format?: string; json?: boolean }) => {
      if (opts.format !== undefined && !FORMATS.includes(opts.format)) {
        throw new ReimageError(ErrorCode.BadInput, `--format must be one of ${FORMATS.join(", ")}, not "${opts.format}"`);
      }
      const path = resolve(file);
      const holdings = await readObsCoreFile(path, opts.format as ObsCoreFormat | undefined);
      const categories = stratifiedSample(holdings, opts.perCategory, opts.seed);
      const estimated = categories.reduce((n, c) => n + c.estimatedSizes, 0);
      if (opts.json) {
        const out = {
          file: path,
          holdings: holdings.length,
          perCategory: opts.perCategory,
          seed: opts.seed,
          sizeClasses: { boundsBytes: SIZE_BOUNDS, estimateAssumptions: ESTIMATE_ASSUMPTIONS, estimatedSizes: estimated },
          categories: categories.map((c) => ({ ...c.category, count: c.count, estimatedSizes: c.estimatedSizes, sample: c.sample })),
        };
        process.stdout.write(JSON.stringify(out, null, 2) + "\n");
        return;
      }
      const rows = categories.map((c) => [c.category.key, String(c.count), c.sample.join(" ")]);
      process.stdout.write(table(["category", "MOUSs", `sample (up to ${opts.perCategory}, seed ${opts.seed})`], rows));
      process.stdout.write(
        `\n${holdings.length} MOUSs in ${categories.length} categories. Size classes: small < ${gb(SIZE_BOUNDS.small)} <= medium < ${gb(SIZE_BOUNDS.medium)} <= large < ${gb(SIZE_BOUNDS.large)} <= huge;` +
          ` ${estimated} MOUS size(s) estimated from channels x baselines x exposure (no size column), "size?" where neither was possible.\n`,
      );
    });
}
