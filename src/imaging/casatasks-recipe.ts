/**
 * Writes an ImagingPlan as a readable Python script for CASA's casatasks: one CASA call per
 * line with every parameter spelled out, a comment naming the pipeline stage above each
 * group, each call inside `recipe.stage(...)`, which records its outcome. The helpers that
 * are not CASA tasks (findcont, cont.dat, gzip, the products.json manifest) live in
 * `casa-scripts/imaging_lib.py`, which the script imports from `libDir`.
 *
 * What the script leaves behind, in its working folder: the split and continuum-subtracted
 * MSs, CASA images, `cont.dat`, `<productsDir>/*.fits.gz`, and `products.json` with the
 * products made, the failures (stage, label, exception class and text: what a classifier
 * reads) and the calls skipped because an earlier failure left their inputs missing. It
 * exits non-zero when any stage failed, after writing the manifest.
 */
import type { CasaParams, CasaValue, ContinuumSelection, ImagingPlan, ImagingStep, PipelineStage, PlannedProduct } from "./plan.js";

export interface CasatasksScriptOptions {
  /** The folder holding imaging_lib.py (the package's casa-scripts folder). */
  readonly libDir: string;
  /** The manifest's file name, in the working folder. */
  readonly manifest?: string;
}

const STAGE_COMMENTS: Readonly<Record<PipelineStage, string>> = {
  hif_mstransform: "hif_mstransform: the science target's visibilities, science spws only, spw ids kept",
  hifa_flagtargets: "hifa_flagtargets: autocorrelations and shadowed antennas",
  hif_findcont: "hif_findcont: dirty cubes at robust 1.0; continuum ranges from the mean spectrum, to cont.dat (LSRK)",
  hif_uvcontsub: "hif_uvcontsub: first-order fit to the continuum channels, subtracted in the uv plane",
  hif_makeimages: "hif_makeimages: cleaned images, auto-multithresh masks, primary-beam corrected",
  hifa_exportdata: "hifa_exportdata: FITS with ALMA's product names, gzipped",
};

/** Parameters CASA declares as integers; every other number is written as a float. */
const INTEGER_PARAMS = new Set(["niter", "nchan", "nterms", "fitorder", "growiterations", "imsize", "cycleniter"]);

export function writeCasatasksScript(plan: ImagingPlan, options: CasatasksScriptOptions): string {
  const manifest = options.manifest ?? "products.json";
  const lines: string[] = [
    `# reimage imaging recipe for ${plan.mous.uid}: the ALMA pipeline's hifatargets steps with casatasks.`,
    "# Generated from an ImagingPlan (src/imaging/plan.ts); change the plan, not this file.",
    "# Run in the working folder with CASA's Python (CASASITECONFIG set) or inside casa -c.",
    "# Planning assumptions:",
    ...plan.assumptions.map((a) => `#   - ${a}`),
    "import sys",
    `sys.path.insert(0, ${py(options.libDir)})`,
    "from casatasks import mstransform, flagdata, tclean, uvcontsub, exportfits",
    "from imaging_lib import Recipe",
    "",
    `recipe = Recipe(mous=${py(plan.mous.uid)}, product_prefix=${py(plan.productPrefix)}, products_dir=${py(plan.productsDir)}, manifest=${py(manifest)})`,
    `CONT_DAT = ${py(plan.contFile)}`,
  ];
  for (const src of plan.sources) {
    lines.push(
      `# ${src.name}: ${src.nFields} pointing(s), gridder ${src.gridder}, phase centre ${src.phasecenter}, ` +
        `PB radius ${src.pbRadiusArcsec.toFixed(2)}", beam ~${src.beamEstimateArcsec.toFixed(3)}", cell ${src.cellArcsec}", ` +
        `imsize ${src.imsize[0]}x${src.imsize[1]}, fractional bandwidth ${(src.fractionalBandwidth * 100).toFixed(1)}%`,
    );
  }
  let previous: PipelineStage | undefined;
  for (const step of plan.steps) {
    if (step.stage !== previous) {
      lines.push("", `# --- ${STAGE_COMMENTS[step.stage]}`);
      previous = step.stage;
    }
    lines.push(...renderStep(step));
  }
  lines.push("", "recipe.finish()", "");
  return lines.join("\n");
}

function renderStep(step: ImagingStep): string[] {
  switch (step.kind) {
    case "task": {
      const extra = step.product === undefined ? "" : `, product=${productLiteral(step.product)}`;
      const head = `with recipe.stage(${py(step.stage)}, ${py(step.label)}, needs=${pyList(step.needs)}, makes=${pyList(step.makes)}${extra}) as ready:`;
      if (step.zeroMaskFallback === undefined) return [head, "    if ready:", `        ${step.task}(${renderParams(step.params)})`];
      return [
        head,
        "    if ready:",
        `        result = ${step.task}(${renderParams(step.params)})`,
        "        if recipe.zero_mask(result, " + py(step.label) + "):",
        "            # The pipeline's fallback when auto-multithresh finds nothing: a PB-based mask, twice the threshold.",
        `            ${step.task}(${renderParams(step.zeroMaskFallback)})`,
      ];
    }
    case "findcont":
      return [
        `with recipe.stage(${py(step.stage)}, ${py(step.label)}, needs=${pyList([`${step.image}.image`, `${step.image}.pb`])}) as ready:`,
        "    if ready:",
        `        recipe.find_continuum(${py(step.source)}, ${step.spw}, ${py(step.image)}, pb_level=${pyFloat(step.pbLevel)}, nsigma=${pyFloat(step.nSigma)})`,
      ];
    case "write-cont-file":
      return [
        `with recipe.stage(${py(step.stage)}, ${py(step.label)}, makes=[CONT_DAT]) as ready:`,
        "    if ready:",
        "        recipe.write_cont_dat(CONT_DAT)",
      ];
  }
}

function renderParams(params: CasaParams): string {
  return Object.entries(params)
    .map(([key, value]) => `${key}=${pyValue(value, INTEGER_PARAMS.has(key))}`)
    .join(", ");
}

function isSelection(value: CasaValue): value is ContinuumSelection {
  return typeof value === "object" && !Array.isArray(value) && (value as ContinuumSelection).kind === "continuum-selection";
}

function pyValue(value: CasaValue, integer: boolean): string {
  if (typeof value === "string") return py(value);
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "number") return integer ? pyInt(value) : pyFloat(value);
  if (isSelection(value)) {
    return `recipe.continuum_selection(CONT_DAT, ${py(value.vis)}, ${pyList(value.sources)}, [${value.spws.map(pyInt).join(", ")}])`;
  }
  return `[${(value).map((v) => pyValue(v, integer)).join(", ")}]`;
}

function productLiteral(p: PlannedProduct): string {
  const entries: [string, string][] = [
    ["almaName", py(p.almaName)],
    ["fileName", py(p.fileName)],
    ["kind", py(p.kind)],
    ["specmode", py(p.specmode)],
    ["source", py(p.source)],
    ["spws", `[${p.spws.map(pyInt).join(", ")}]`],
    ["casaImage", py(p.casaImage)],
    ["optional", p.optional ? "True" : "False"],
  ];
  return `{${entries.map(([k, v]) => `${py(k)}: ${v}`).join(", ")}}`;
}

/** A Python string literal in single quotes. */
export function py(text: string): string {
  const escaped = text.replace(/\\/g, "\\\\").replace(/'/g, "\\'").replace(/\n/g, "\\n").replace(/\r/g, "\\r");
  return `'${escaped}'`;
}

function pyList(items: readonly string[]): string {
  return `[${items.map(py).join(", ")}]`;
}

function pyInt(n: number): string {
  if (!Number.isInteger(n)) throw new RangeError(`expected an integer for a CASA integer parameter, got ${n}`);
  return String(n);
}

/** Floats always carry a decimal point or exponent, so Python reads them as float. */
function pyFloat(n: number): string {
  if (!Number.isFinite(n)) throw new RangeError(`a CASA parameter cannot be ${n}`);
  const s = String(n);
  return /[.e]/.test(s) ? s : `${s}.0`;
}
