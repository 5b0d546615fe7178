/**
 * The same recipe for a monolithic CASA with the ALMA pipeline: a `casa --pipeline` script in
 * the shape of the pipeline's own `casa_pipescript.py` (hifatargets / procedure_hifa_image),
 * and the command line that runs it. Pure: text and argv only.
 */
import { join } from "node:path";
import { py } from "./casatasks-recipe.js";

export interface PipelineScriptInput {
  /** Calibrated MSs (`<eb>.ms` or `<eb>.ms.split.cal`), as the pipeline will import them. */
  readonly vis: readonly string[];
  /** Sessions per MS; the pipeline defaults to one session for all. */
  readonly sessions?: readonly string[];
  /** The ALMA project code, recorded in the context's project summary when given. */
  readonly proposalCode?: string;
}

/**
 * The pipeline's stages in the seed's order. `hifa_exportdata` is the ALMA export task
 * (the brief's `hif_exportdata` is its interferometry-generic name in older releases);
 * `pipelinemode` is left out because releases from 2023 on no longer accept it.
 */
export const PIPELINE_STAGES = [
  "hifa_importdata",
  "hif_mstransform",
  "hifa_flagtargets",
  "hif_makeimlist(specmode='mfs')",
  "hif_findcont",
  "hif_uvcontsub",
  "hif_makeimages",
  "hif_makeimlist(specmode='cont')",
  "hif_makeimages",
  "hif_makeimlist(specmode='cube')",
  "hif_makeimages",
  "hifa_exportdata",
] as const;

export function writePipelineScript(input: PipelineScriptInput): string {
  const sessions = input.sessions ?? input.vis.map(() => "session_1");
  if (sessions.length !== input.vis.length) throw new RangeError("one session per MS is needed");
  const list = (items: readonly string[]): string => `[${items.map(py).join(", ")}]`;
  const summary =
    input.proposalCode === undefined ? [] : [`context.set_state('ProjectSummary', 'proposal_code', ${py(input.proposalCode)})`];
  return [
    "# reimage: the ALMA pipeline's hifatargets imaging recipe, run with casa --pipeline.",
    "# Generated; the stage order is the pipeline's own casa_pipescript.py for target imaging.",
    "__rethrow_casa_exceptions = True",
    "context = h_init()",
    ...summary,
    "try:",
    `    hifa_importdata(vis=${list(input.vis)}, session=${list(sessions)})`,
    "    hif_mstransform()",
    "    hifa_flagtargets()",
    "    hif_makeimlist(specmode='mfs')",
    "    hif_findcont()",
    "    hif_uvcontsub()",
    "    hif_makeimages()",
    "    hif_makeimlist(specmode='cont')",
    "    hif_makeimages()",
    "    hif_makeimlist(specmode='cube')",
    "    hif_makeimages()",
    "    hifa_exportdata()",
    "finally:",
    "    h_save()",
    "",
  ].join("\n");
}

/** `<casa>/bin/casa --pipeline --nogui --nologger --agg --logfile LOG -c SCRIPT`, as argv. */
export function pipelineCommand(casaDir: string, script: string, logFile: string): readonly string[] {
  return [join(casaDir, "bin", "casa"), "--pipeline", "--nogui", "--nologger", "--agg", "--logfile", logFile, "-c", script];
}
