/**
 * Analysing one cube with the line catalogue of this machine's CASA: the composition of
 * the analysis (pure stages, streamed) with casadata's Splatalogue (read by src/store).
 */
import { splatalogueDatabase } from "../casa/modular-env.js";
import type { Config } from "../config.js";
import { analyseCube, DEFAULT_ANALYSIS, type AnalysisOptions, type CubeAnalysis } from "../analysis/analyse-cube.js";
import { openSplatalogue } from "../store/splatalogue.js";

export interface AnalyseRequest {
  readonly cube: string;
  readonly outDir: string;
  /** A Splatalogue SQLite file; default casadata's in the managed CASA environment. */
  readonly catalogue?: string | undefined;
  /** Leave identification out (no catalogue read). */
  readonly identify?: boolean | undefined;
  readonly options?: Partial<Omit<AnalysisOptions, "catalogue">> | undefined;
}

/** Where the catalogue is: the one asked for, else casadata's; `undefined` when neither exists. */
export function catalogueFile(config: Config, explicit: string | undefined): string | undefined {
  return explicit ?? splatalogueDatabase(config.casa.modularEnvDir);
}

export async function analyseCubeFile(config: Config, request: AnalyseRequest): Promise<CubeAnalysis> {
  const path = request.identify === false ? undefined : catalogueFile(config, request.catalogue);
  const catalogue = path === undefined ? undefined : openSplatalogue(path);
  try {
    return await analyseCube(request.cube, request.outDir, { ...DEFAULT_ANALYSIS, ...request.options, catalogue });
  } finally {
    catalogue?.close();
  }
}
