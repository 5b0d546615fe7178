/**
 * The imaging plan: every CASA call the hifatargets recipe makes for one MOUS, with its
 * parameters and the product file names, as a plain value. Writers turn it into a casatasks
 * script (casatasks-recipe.ts); nothing here touches files or processes.
 *
 * Some parameters depend on what runs before them: the continuum channels come from the
 * `cont.dat` that findcont writes. Those appear as `ContinuumSelection` values, which the
 * script resolves from the file at run time (so a hand-edited cont.dat is honoured, as in
 * the pipeline).
 */
import { ErrorCode, ReimageError } from "../domain/errors.js";
import { parseUid, type MousFileId, type MousUid } from "../domain/glossary.js";
import { isTargetField, type FieldInfo, type MsMetadata, type SpwInfo } from "../domain/ms-metadata.js";
import {
  ARCSEC_PER_RAD,
  PBLIMIT_CLEANMASK,
  PBLIMIT_IMAGE,
  assumedTsysK,
  autoMaskParameters,
  cellArcsec,
  cleanThresholdJy,
  deconvolverFor,
  fractionalBandwidth,
  gridderFor,
  mosaicImsize,
  pointSourceSensitivityJy,
  pointingSpread,
  primaryBeamRadiusArcsec,
  restoringBeamFor,
  singleFieldImsize,
  synthesizedBeamArcsec,
  weightingFor,
  type Gridder,
  type ImagePurpose,
  type Pointing,
  type Specmode,
} from "./heuristics.js";

/** The pipeline stage each call stands for: what the script's comments and failures name. */
export type PipelineStage =
  | "hif_mstransform"
  | "hifa_flagtargets"
  | "hif_findcont"
  | "hif_uvcontsub"
  | "hif_makeimages"
  | "hifa_exportdata";

/**
 * The continuum channels of `spws` in `vis`, read from the cont.dat at run time: a spw
 * selection string (`0:0~12;17~31,1:0~31`) for one source, or uvcontsub's per-field
 * dictionary when an MS holds several sources.
 */
export interface ContinuumSelection {
  readonly kind: "continuum-selection";
  readonly vis: string;
  readonly sources: readonly string[];
  readonly spws: readonly number[];
}

export type CasaValue = string | number | boolean | readonly CasaValue[] | ContinuumSelection;
export type CasaParams = Readonly<Record<string, CasaValue>>;

export type CasaTask = "mstransform" | "flagdata" | "tclean" | "uvcontsub" | "exportfits";

export interface TaskCall {
  readonly kind: "task";
  readonly stage: PipelineStage;
  readonly task: CasaTask;
  /** One line for humans and for the failure record: `cube SimTarget spw0`. */
  readonly label: string;
  /** Parameters in the order the script spells them. */
  readonly params: CasaParams;
  /** Paths that must exist for the call to make sense: when one is missing the call is
   * recorded as skipped (a consequence of an earlier failure), not as a failure of its own. */
  readonly needs: readonly string[];
  /** Paths the call must leave behind; a call that returns without them failed. */
  readonly makes: readonly string[];
  /** For exportfits: the product the call makes (gzipped after export). */
  readonly product?: PlannedProduct;
  /**
   * For continuum tclean: the call to make when auto-multithresh finds no mask (tclean stop
   * code 7), as the pipeline does for targets: clean on inside PB 0.3 to twice the
   * threshold, from the residual already made. A bright point source seen by a sparse
   * array is the typical case: its region above the sidelobe threshold is smaller than
   * minbeamfrac and gets pruned.
   */
  readonly zeroMaskFallback?: CasaParams;
}

/** findcont's analysis of one dirty cube: continuum ranges for one source and spw. */
export interface FindcontCall {
  readonly kind: "findcont";
  readonly stage: "hif_findcont";
  readonly label: string;
  readonly source: string;
  readonly spw: number;
  /** The dirty cube's base name (`.image` and `.pb` beside it). */
  readonly image: string;
  /** Spectra are taken where the primary beam is above this level. */
  readonly pbLevel: number;
  /** Channels whose mean departs from the baseline by more than this many sigma are line. */
  readonly nSigma: number;
}

/** Writes the ranges found so far to the cont.dat, in the pipeline's format. */
export interface WriteContFileCall {
  readonly kind: "write-cont-file";
  readonly stage: "hif_findcont";
  readonly label: string;
  readonly path: string;
}

export type ImagingStep = TaskCall | FindcontCall | WriteContFileCall;

export type ProductKind = "pbcor" | "pb" | "mask" | "tt0.pbcor" | "tt1.pbcor" | "pb.tt0" | "alpha" | "alpha.error";

export interface PlannedProduct {
  /** ALMA's product name: `member.uid___A001_X1_X2.NGC_253_sci.spw25.cube.I.pbcor.fits`. */
  readonly almaName: string;
  /** The file written: the ALMA name gzipped. */
  readonly fileName: string;
  readonly kind: ProductKind;
  readonly specmode: Specmode;
  readonly source: string;
  readonly spws: readonly number[];
  /** The CASA image it is exported from. */
  readonly casaImage: string;
  /** Made only by some CASA versions or settings (tt1, alpha, mask): absence is no failure. */
  readonly optional: boolean;
}

export interface SourcePlan {
  readonly name: string;
  /** The name as product names carry it. */
  readonly fileName: string;
  readonly nFields: number;
  readonly phasecenter: string;
  readonly gridder: Gridder;
  readonly pbRadiusArcsec: number;
  readonly beamEstimateArcsec: number;
  readonly cellArcsec: number;
  readonly imsize: readonly [number, number];
  readonly spws: readonly number[];
  /** Whether the aggregate continuum is imaged with mtmfs. */
  readonly fractionalBandwidth: number;
}

export interface ImagingPlan {
  readonly kind: "imaging-plan";
  readonly mous: { readonly uid: MousUid; readonly fileId: MousFileId };
  /** `member.uid___A001_X1_X2`: every product name starts with it. */
  readonly productPrefix: string;
  /** Calibrated MSs imaged, and the ones left out with the reason. */
  readonly inputs: readonly string[];
  readonly skippedInputs: readonly { readonly path: string; readonly reason: string }[];
  readonly targetVis: readonly string[];
  readonly lineVis: readonly string[];
  readonly contFile: string;
  readonly productsDir: string;
  readonly sources: readonly SourcePlan[];
  readonly steps: readonly ImagingStep[];
  readonly products: readonly PlannedProduct[];
  /** The planning assumptions a reader of the products should know. */
  readonly assumptions: readonly string[];
}

/** An expected outcome, not an error: e.g. an execution aborted before the target. */
export interface NothingToImage {
  readonly kind: "nothing-to-image";
  readonly mous: { readonly uid: MousUid; readonly fileId: MousFileId };
  readonly reason: string;
  readonly skippedInputs: readonly { readonly path: string; readonly reason: string }[];
}

export interface ImagingPlanOptions {
  /** Where products go, relative to the script's working folder. */
  readonly productsDir?: string;
  readonly contFile?: string;
  readonly findcontNSigma?: number;
  /** Caps on clean iterations; the threshold normally stops clean first. */
  readonly niterContinuum?: number;
  readonly niterCube?: number;
}

const TARGET_INTENT = "OBSERVE_TARGET#ON_SOURCE";
/** Cubes on the LSRK grid tclean derives from the data: every channel, native width. */
const CUBE_AXIS = { specmode: "cube", outframe: "LSRK", nchan: -1, start: "", width: "" } as const;

/** Plans the hifatargets recipe for one MOUS from the metadata of its calibrated MSs. */
export function planImaging(
  mousId: string,
  metadata: readonly MsMetadata[],
  options: ImagingPlanOptions = {},
): ImagingPlan | NothingToImage {
  const ids = parseUid(mousId);
  if (ids === undefined) throw new ReimageError(ErrorCode.BadInput, `not an ALMA MOUS uid: ${mousId}`);
  const mous = { uid: ids.uid, fileId: ids.fileId };

  const skippedInputs: { path: string; reason: string }[] = [];
  const usable: MsMetadata[] = [];
  for (const ms of metadata) {
    if (!ms.fields.some(isTargetField)) skippedInputs.push({ path: ms.path, reason: "no field with an OBSERVE_TARGET intent" });
    else if (ms.targetRows === 0) skippedInputs.push({ path: ms.path, reason: "no visibilities on the science target" });
    else if (ms.scienceSpws.length === 0) skippedInputs.push({ path: ms.path, reason: "no science spectral windows" });
    else usable.push(ms);
  }
  if (usable.length === 0) {
    return {
      kind: "nothing-to-image",
      mous,
      reason: metadata.length === 0 ? "no measurement sets" : "no measurement set holds science-target data",
      skippedInputs,
    };
  }

  const contFile = options.contFile ?? "cont.dat";
  const productsDir = options.productsDir ?? "products";
  const nSigma = options.findcontNSigma ?? 3.5;
  const niterContinuum = options.niterContinuum ?? 10000;
  const niterCube = options.niterCube ?? 20000;
  const productPrefix = `member.${ids.fileId}`;

  const spws = scienceSpws(usable);
  const spwIds = spws.map((s) => s.id);
  const spwList = spwIds.join(",");
  const dishes = usable.flatMap((m) => m.antennas.map((a) => a.diameterM));
  if (dishes.length === 0) throw new ReimageError(ErrorCode.BadInput, "the measurement sets list no antennas");
  const smallestDish = Math.min(...dishes);
  const l80 = Math.max(...usable.map((m) => m.baselines?.percentilesM.p80 ?? Number.NaN).filter(Number.isFinite));
  const l75s = usable.map((m) => m.baselines?.percentilesM.p75 ?? Number.NaN).filter(Number.isFinite);
  if (!Number.isFinite(l80) || l75s.length === 0) {
    throw new ReimageError(ErrorCode.BadInput, "the measurement sets have no baselines (fewer than two antennas)");
  }
  const l75 = median(l75s);
  const lowestFreq = Math.min(...spws.map((s) => s.minFreqHz));
  const highestFreq = Math.max(...spws.map((s) => s.maxFreqHz));

  const ebs = usable.map((m) => ebName(m.path));
  const targetVis = ebs.map((eb) => `${eb}_targets.ms`);
  const lineVis = ebs.map((eb) => `${eb}_targets_line.ms`);

  const steps: ImagingStep[] = [];
  const products: PlannedProduct[] = [];

  // hif_mstransform: the science target, science spws, spw ids kept so cont.dat and
  // product names keep the archive's numbering.
  usable.forEach((ms, i) => {
    const out = at(targetVis, i);
    steps.push(task("hif_mstransform", "mstransform", `split target data of ${ebName(ms.path)}`, {
      vis: ms.path,
      outputvis: out,
      intent: TARGET_INTENT,
      spw: spwList,
      datacolumn: ms.hasCorrectedData ? "corrected" : "data",
      reindex: false,
    }, [ms.path], [out]));
  });
  // hifa_flagtargets: the pipeline's target flagging applies the flag template; the
  // deterministic part is autocorrelations and shadowed antennas.
  targetVis.forEach((vis) => {
    steps.push(task("hifa_flagtargets", "flagdata", `flag autocorrelations in ${vis}`, {
      vis, mode: "manual", autocorr: true, flagbackup: false,
    }, [vis], []));
    steps.push(task("hifa_flagtargets", "flagdata", `flag shadowed antennas in ${vis}`, {
      vis, mode: "shadow", tolerance: 0.0, flagbackup: false,
    }, [vis], []));
  });

  const sources = targetSources(usable).map((fields) => planSource(fields, spws, smallestDish, dishes, l80, lowestFreq, highestFreq));

  const base = (src: SourcePlan, spwPart: string, mode: string): string => `${productPrefix}.${src.fileName}_sci.spw${spwPart}.${mode}.I`;
  const common = (src: SourcePlan): Record<string, CasaValue> => ({
    field: src.name,
    intent: TARGET_INTENT,
    datacolumn: "data",
    imsize: [src.imsize[0], src.imsize[1]],
    cell: `${src.cellArcsec}arcsec`,
    phasecenter: src.phasecenter,
    stokes: "I",
  });
  const gridding = (src: SourcePlan): Record<string, CasaValue> =>
    src.gridder === "mosaic" ? { gridder: "mosaic", mosweight: true, usepointing: false } : { gridder: "standard" };
  const masking = (specmode: Specmode): Record<string, CasaValue> => ({
    usemask: "auto-multithresh",
    ...autoMaskParameters(l75, smallestDish, specmode),
    pbmask: PBLIMIT_CLEANMASK,
  });
  const weighting = (purpose: ImagePurpose): Record<string, CasaValue> => ({ ...weightingFor(purpose) });

  // hif_findcont: a dirty cube per spw at robust 1.0, then the mean spectrum.
  for (const src of sources) {
    for (const spw of src.spws) {
      const image = `${base(src, String(spw), "mfs")}.findcont`;
      steps.push(task("hif_findcont", "tclean", `findcont dirty cube ${src.name} spw${spw}`, {
        vis: targetVis,
        imagename: image,
        ...common(src),
        spw: String(spw),
        ...CUBE_AXIS,
        ...gridding(src),
        pblimit: PBLIMIT_IMAGE,
        deconvolver: "hogbom",
        ...weighting("findcont"),
        niter: 0,
        interactive: false,
        pbcor: false,
        savemodel: "none",
        parallel: false,
      }, targetVis, [`${image}.image`, `${image}.pb`]));
      steps.push({ kind: "findcont", stage: "hif_findcont", label: `findcont ${src.name} spw${spw}`, source: src.name, spw, image, pbLevel: 0.5, nSigma });
    }
  }
  steps.push({ kind: "write-cont-file", stage: "hif_findcont", label: `write ${contFile}`, path: contFile });

  // hif_uvcontsub: a first-order fit to the continuum channels, per MS.
  targetVis.forEach((vis, i) => {
    const out = at(lineVis, i);
    const fitspec: ContinuumSelection = { kind: "continuum-selection", vis, sources: sources.map((s) => s.name), spws: spwIds };
    steps.push(task("hif_uvcontsub", "uvcontsub", `continuum subtraction of ${vis}`, {
      vis,
      outputvis: out,
      spw: spwList,
      intent: TARGET_INTENT,
      datacolumn: "data",
      fitspec,
      fitorder: 1,
    }, [vis, contFile], [out]));
  });

  const exportsFor = (src: SourcePlan, specmode: Specmode, spwsOf: readonly number[], name: string, tt: boolean): void => {
    const alma = base(src, spwsOf.join("_"), specmode);
    const list: [string, string, ProductKind, boolean][] = tt
      ? [
          [`${name}.image.tt0.pbcor`, `${alma}.tt0.pbcor.fits`, "tt0.pbcor", false],
          [`${name}.pb.tt0`, `${alma}.pb.tt0.fits`, "pb.tt0", false],
          [`${name}.image.tt1.pbcor`, `${alma}.tt1.pbcor.fits`, "tt1.pbcor", true],
          [`${name}.alpha`, `${alma}.alpha.fits`, "alpha", true],
          [`${name}.alpha.error`, `${alma}.alpha.error.fits`, "alpha.error", true],
          [`${name}.mask`, `${alma}.mask.fits`, "mask", true],
        ]
      : [
          [`${name}.image.pbcor`, `${alma}.pbcor.fits`, "pbcor", false],
          [`${name}.pb`, `${alma}.pb.fits`, "pb", false],
          [`${name}.mask`, `${alma}.mask.fits`, "mask", true],
        ];
    for (const [casaImage, almaName, kind, optional] of list) {
      const fileName = `${almaName}.gz`;
      const product: PlannedProduct = { almaName, fileName, kind, specmode, source: src.name, spws: spwsOf, casaImage, optional };
      products.push(product);
      const fitsimage = `${productsDir}/${almaName}`;
      steps.push({
        ...task("hifa_exportdata", "exportfits", `export ${almaName}`, {
          imagename: casaImage,
          fitsimage,
          velocity: false,
          dropdeg: false,
          dropstokes: false,
          history: false,
          overwrite: true,
        }, [casaImage], [fitsimage]),
        product,
      });
    }
  };

  const continuumImage = (src: SourcePlan, purpose: "mfs" | "cont", imageSpws: readonly number[]): void => {
    const name = `${base(src, imageSpws.join("_"), purpose)}.iter1`;
    const selected = spws.filter((s) => imageSpws.includes(s.id));
    const frac = fractionalBandwidth(Math.min(...selected.map((s) => s.minFreqHz)), Math.max(...selected.map((s) => s.maxFreqHz)));
    const dec = deconvolverFor(purpose, frac);
    const bandwidth = selected.reduce((sum, s) => sum + s.bandwidthHz, 0);
    const freq = selected.reduce((sum, s) => sum + s.centreFreqHz, 0) / selected.length;
    const threshold = cleanThresholdJy(sensitivityJy(usable, src.name, bandwidth, freq, smallestDish));
    const tt = dec.deconvolver === "mtmfs";
    const params: Record<string, CasaValue> = {
      vis: targetVis,
      imagename: name,
      ...common(src),
      spw: targetVis.map((vis): ContinuumSelection => ({ kind: "continuum-selection", vis, sources: [src.name], spws: imageSpws })),
      specmode: "mfs",
      ...gridding(src),
      pblimit: PBLIMIT_IMAGE,
      ...dec,
      restoringbeam: restoringBeamFor(purpose),
      ...weighting(purpose),
      niter: niterContinuum,
      threshold: formatJy(threshold),
      interactive: false,
      ...masking(purpose),
      pbcor: true,
      savemodel: "none",
      parallel: false,
    };
    const fallback: Record<string, CasaValue> = {
      ...params,
      usemask: "pb",
      pbmask: PBLIMIT_CLEANMASK,
      threshold: formatJy(2 * threshold),
      calcpsf: false,
      calcres: false,
      restart: true,
    };
    for (const key of Object.keys(autoMaskParameters(l75, smallestDish, purpose))) delete fallback[key];
    steps.push({
      ...task("hif_makeimages", "tclean", `${purpose} ${src.name} spw${imageSpws.join("_")}`, params, [...targetVis, contFile], tt ? [`${name}.image.tt0`] : [`${name}.image`]),
      zeroMaskFallback: fallback,
    });
    exportsFor(src, purpose, imageSpws, name, tt);
  };

  // hif_makeimages (mfs): one continuum image per spw, line channels excluded.
  for (const src of sources) for (const spw of src.spws) continuumImage(src, "mfs", [spw]);
  // hif_makeimages (cont): the aggregate continuum over all spws.
  for (const src of sources) continuumImage(src, "cont", src.spws);
  // hif_makeimages (cube): continuum-subtracted cubes at native resolution, LSRK.
  for (const src of sources) {
    for (const spw of src.spws) {
      const name = `${base(src, String(spw), "cube")}.iter1`;
      const info = spws.find((s) => s.id === spw);
      if (info === undefined) continue;
      const threshold = cleanThresholdJy(sensitivityJy(usable, src.name, info.chanWidthHz, info.centreFreqHz, smallestDish));
      steps.push(task("hif_makeimages", "tclean", `cube ${src.name} spw${spw}`, {
        vis: lineVis,
        imagename: name,
        ...common(src),
        spw: String(spw),
        ...CUBE_AXIS,
        ...gridding(src),
        pblimit: PBLIMIT_IMAGE,
        deconvolver: "hogbom",
        restoringbeam: restoringBeamFor("cube"),
        ...weighting("cube"),
        niter: niterCube,
        threshold: formatJy(threshold),
        interactive: false,
        ...masking("cube"),
        pbcor: true,
        savemodel: "none",
        parallel: false,
      }, lineVis, [`${name}.image`]));
      exportsFor(src, "cube", [spw], name, false);
    }
  }

  return {
    kind: "imaging-plan",
    mous,
    productPrefix,
    inputs: usable.map((m) => m.path),
    skippedInputs,
    targetVis,
    lineVis,
    contFile,
    productsDir,
    sources,
    steps,
    products,
    assumptions: [
      `synthesized beam estimated as 0.574 lambda / L80 at ${(highestFreq / 1e9).toFixed(3)} GHz (L80 = ${l80.toFixed(1)} m), not measured with a PSF`,
      `auto-multithresh chosen for L75 = ${l75.toFixed(1)} m and a smallest dish of ${smallestDish} m`,
      "clean thresholds are 2 x the radiometer-equation noise with an assumed Tsys per band, natural weighting, no flagging",
      "continuum thresholds assume the whole spw bandwidth is continuum; cube thresholds use the native channel width",
      "cubes are at native channel width over the whole spw (no checkproductsize mitigation)",
    ],
  };
}

/** The science spws across MSs, by id; the first MS that has an id describes it. */
function scienceSpws(mss: readonly MsMetadata[]): SpwInfo[] {
  const byId = new Map<number, SpwInfo>();
  for (const ms of mss) for (const s of ms.scienceSpws) if (!byId.has(s.id)) byId.set(s.id, s);
  return [...byId.values()].sort((a, b) => a.id - b.id);
}

/** Target fields grouped by source name (ALMA mosaics share one name across pointings). */
function targetSources(mss: readonly MsMetadata[]): FieldInfo[][] {
  const byName = new Map<string, FieldInfo[]>();
  for (const ms of mss) {
    for (const f of ms.fields.filter(isTargetField)) {
      const list = byName.get(f.name) ?? [];
      // The same pointing in several EBs counts once: 1 mas apart is the same direction.
      const same = (g: FieldInfo): boolean => Math.abs(g.raRad - f.raRad) * ARCSEC_PER_RAD < 1e-3 && Math.abs(g.decRad - f.decRad) * ARCSEC_PER_RAD < 1e-3;
      if (!list.some(same)) list.push(f);
      byName.set(f.name, list);
    }
  }
  return [...byName.values()];
}

function planSource(
  fields: readonly FieldInfo[],
  spws: readonly SpwInfo[],
  smallestDish: number,
  dishes: readonly number[],
  l80: number,
  lowestFreq: number,
  highestFreq: number,
): SourcePlan {
  const first = fields[0];
  if (first === undefined) throw new ReimageError(ErrorCode.BadInput, "a target source without fields");
  const pbRadius = primaryBeamRadiusArcsec(lowestFreq, smallestDish);
  const beam = synthesizedBeamArcsec(highestFreq, l80);
  const cell = cellArcsec(beam);
  const gridder = gridderFor(fields.length, dishes);
  const pointings: Pointing[] = fields.map((f) => ({ raRad: f.raRad, decRad: f.decRad }));
  const spread = pointingSpread(pointings);
  const imsize: [number, number] =
    gridder === "mosaic"
      ? [mosaicImsize(pbRadius, cell, spread.xSpreadArcsec, fields.length), mosaicImsize(pbRadius, cell, spread.ySpreadArcsec, fields.length)]
      : [singleFieldImsize(pbRadius, cell), singleFieldImsize(pbRadius, cell)];
  return {
    name: first.name,
    fileName: sanitizeSourceName(first.name),
    nFields: fields.length,
    phasecenter: formatDirection(first.directionFrame, spread.centre.raRad, spread.centre.decRad),
    gridder,
    pbRadiusArcsec: pbRadius,
    beamEstimateArcsec: beam,
    cellArcsec: cell,
    imsize,
    spws: spws.map((s) => s.id),
    fractionalBandwidth: fractionalBandwidth(lowestFreq, highestFreq),
  };
}

/**
 * Noise of an image of `source` over `bandwidthHz`, every MS combined in inverse variance.
 * A mosaic's time is shared among its pointings: each sky position gets about its share.
 */
function sensitivityJy(mss: readonly MsMetadata[], source: string, bandwidthHz: number, freqHz: number, dishM: number): number {
  let inverseVariance = 0;
  for (const ms of mss) {
    const ids = ms.fields.filter((f) => f.name === source && isTargetField(f)).map((f) => String(f.id));
    if (ids.length === 0) continue;
    const total = ids.reduce((sum, id) => sum + (ms.timeOnSourcePerFieldS[id] ?? 0), 0);
    const perPointing = total / ids.length;
    if (perPointing <= 0 || ms.antennas.length < 2) continue;
    const sigma = pointSourceSensitivityJy({
      tsysK: assumedTsysK(freqHz),
      nAntennas: ms.antennas.length,
      bandwidthHz,
      timeOnSourceS: perPointing,
      dishDiameterM: dishM,
    });
    inverseVariance += 1 / sigma ** 2;
  }
  return inverseVariance > 0 ? 1 / Math.sqrt(inverseVariance) : Number.POSITIVE_INFINITY;
}

function task(stage: PipelineStage, name: CasaTask, label: string, params: CasaParams, needs: readonly string[], makes: readonly string[]): TaskCall {
  return { kind: "task", stage, task: name, label, params, needs, makes };
}

function at(list: readonly string[], i: number): string {
  const v = list[i];
  if (v === undefined) throw new RangeError(`index ${i} outside a list of ${list.length}`);
  return v;
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? Number.NaN) : ((s[mid - 1] ?? Number.NaN) + (s[mid] ?? Number.NaN)) / 2;
}

/** `uid___A002_Xb1_X1a2` from `/x/uid___A002_Xb1_X1a2.ms.split.cal` or `.../uid___A002_Xb1_X1a2.ms`. */
export function ebName(path: string): string {
  const file = path.replace(/\/+$/, "").split("/").pop() ?? path;
  return file.replace(/\.ms\.split\.cal$/, "").replace(/\.ms$/, "");
}

/** Product names carry source names with everything but letters, digits, `+`, `-`, `.` as `_`. */
export function sanitizeSourceName(name: string): string {
  return name.replace(/[^A-Za-z0-9+\-.]/g, "_");
}

/** A CASA direction string, `J2000 10:27:51.0000 -43.54.14.000`, as the pipeline writes phase centres. */
export function formatDirection(frame: string, raRad: number, decRad: number): string {
  const raHours = ((((raRad * 12) / Math.PI) % 24) + 24) % 24;
  const decDeg = (decRad * 180) / Math.PI;
  return `${frame} ${sexagesimal(raHours, ":", 4)} ${decDeg < 0 ? "-" : "+"}${sexagesimal(Math.abs(decDeg), ".", 3)}`;
}

function sexagesimal(value: number, sep: string, secondDecimals: number): string {
  const scale = 10 ** secondDecimals;
  // Round once in the smallest unit so that 59.99995 s carries into the minute.
  const total = Math.round(value * 3600 * scale);
  const whole = Math.floor(total / (3600 * scale));
  const minutes = Math.floor((total - whole * 3600 * scale) / (60 * scale));
  const seconds = (total - whole * 3600 * scale - minutes * 60 * scale) / scale;
  const pad = (n: number, w: number): string => String(n).padStart(w, "0");
  return `${pad(whole, 2)}${sep}${pad(minutes, 2)}${sep}${seconds.toFixed(secondDecimals).padStart(3 + secondDecimals, "0")}`;
}

function formatJy(jy: number): string {
  if (!Number.isFinite(jy)) return "0.0mJy";
  return `${Number((jy * 1e3).toPrecision(4))}mJy`;
}
