/**
 * Step 6: the ADMIT-style analysis of every cube the imaging made (src/analysis): cube
 * statistics, spectra, lines found and identified, moment maps and position-velocity
 * slices, and a summary page, in `<mousDir>/analysis/<cube name>/`. Every file is recorded
 * as a product; the summary's product row carries the results (noise, lines, their
 * identifications, the source velocity) in its metadata, so the store can be asked for
 * them without reading files. A MOUS without a cube has nothing to analyse.
 */
import { existsSync } from "node:fs";
import { basename, join } from "node:path";
import { stat } from "node:fs/promises";
import { ErrorClass, ProductKind, type ProductRecord } from "../../domain/campaign.js";
import { coerceError } from "../../domain/errors.js";
import { analyseCube, DEFAULT_ANALYSIS, type CubeAnalysis } from "../../analysis/analyse-cube.js";
import type { LineCatalogue } from "../../analysis/line-identification.js";
import type { StepRunner } from "../engine.js";
import { failure, input, sha256File } from "./common.js";
import { productKind } from "./products.js";

export interface AnalyseStepOptions {
  /** Opens the line catalogue for one attempt (and closes it after); `undefined`: no identification. */
  readonly openCatalogue?: (() => LineCatalogue & { close(): void }) | undefined;
}

/** What the store keeps of one cube's analysis, in the summary product's metadata. */
export function analysisDigest(a: CubeAnalysis): Record<string, unknown> {
  return {
    cube: a.cube.path,
    noise: a.statistics.noise,
    peak: a.statistics.peak,
    dynamicRange: a.statistics.dynamicRange,
    velocityKms: a.identification?.velocity,
    cz: a.identification?.cz,
    redshift: a.identification?.redshift,
    ambiguous: a.identification?.ambiguous,
    continuumSubtracted: a.continuum.subtracted,
    lines: a.lines.map((l) => ({
      frequencyHz: l.frequency,
      channels: l.channels,
      fwhmKms: l.fwhmKms,
      peakSnr: l.peakSnr,
      species: l.identification?.species,
      transition: l.identification?.quantumNumbers,
      restFrequencyHz: l.identification?.restFrequency,
      ambiguous: l.identification?.ambiguous,
    })),
    lineFree: a.lineFinding.lineFree.map((r) => r.channels),
  };
}

function kindOf(file: string): ProductKind {
  if (file === "summary.json") return ProductKind.AnalysisSummary;
  if (file.endsWith(".html")) return ProductKind.AnalysisPage;
  if (file.endsWith(".fits")) return ProductKind.AnalysisFits;
  if (file.endsWith(".png")) return ProductKind.AnalysisPlot;
  return ProductKind.AnalysisTable;
}

export function analyseStep(options: AnalyseStepOptions = {}): StepRunner {
  return async (ctx) => {
    const cubes = (input(ctx, "image", "products") as string[]).filter((p) => productKind(p) === ProductKind.FitsCube);
    if (cubes.length === 0) {
      ctx.emit("no cube to analyse");
      return { state: "succeeded", outputs: { cubes: 0 } };
    }
    const catalogue = options.openCatalogue?.();
    const records: ProductRecord[] = [];
    const summaries: string[] = [];
    try {
      for (const cube of cubes) {
        if (ctx.signal.aborted) break;
        const outDir = join(ctx.mousDir, "analysis", basename(cube).replace(/\.fits(\.gz)?$/, ""));
        let analysis: CubeAnalysis;
        try {
          // ALMA delivers cubes primary-beam corrected, with the beam beside them (`.pb.fits`).
          const pb = cube.replace(/\.pbcor\.fits(\.gz)?$/, ".pb.fits$1");
          const primaryBeam = pb !== cube && existsSync(pb) ? pb : undefined;
          analysis = await analyseCube(cube, outDir, { ...DEFAULT_ANALYSIS, catalogue, primaryBeam, signal: ctx.signal, onProgress: ctx.emit });
        } catch (caught) {
          const error = coerceError(caught);
          return { state: "failed", failure: failure(ErrorClass.Unknown, `analysis of ${cube} failed: ${error.message}`, { line: error.message, file: cube }) };
        }
        for (const file of analysis.files) {
          const path = join(outDir, file);
          const kind = kindOf(file);
          records.push({
            path,
            kind,
            sizeBytes: (await stat(path)).size,
            sha256: await sha256File(path),
            ...(kind === ProductKind.AnalysisSummary ? { meta: analysisDigest(analysis) } : {}),
          });
        }
        summaries.push(join(outDir, "summary.json"));
        const ids = analysis.lines.map((l) => l.identification?.species ?? "unidentified").join(", ");
        ctx.emit(`${basename(cube)}: ${analysis.lines.length} line(s)${ids ? ` (${ids})` : ""}`);
      }
    } finally {
      catalogue?.close();
    }
    return { state: "succeeded", products: records, outputs: { cubes: cubes.length, summaries } };
  };
}
