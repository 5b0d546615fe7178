/**
 * The resource model: what a step of a MOUS will need (peak memory, wall time, disk), from
 * the size of the MOUS's data, refined by what earlier runs measured.
 *
 * Each step and resource is a power law in the MOUS's delivery size D (raw ASDMs and
 * calibration, as fetched): r = a · (D / 1 GB)^b. Power laws because CASA's costs grow with
 * the visibilities (restore, imaging time, disk) but memory much more slowly (tclean and
 * scriptForPI stream the data and hold images), so exponents differ by step and resource;
 * a log-log fit gets both from a few runs. The fit is ordinary least squares in log space,
 * so the uncertainty is a factor: the residuals' geometric standard deviation.
 *
 * With few runs the exponent is not to be trusted: under MIN_POINTS_FOR_SLOPE the prior
 * exponent is kept and only the scale is fitted; with none the prior is used as is, with a
 * wide factor. Priors are order-of-magnitude figures (stated beside them), meant to be
 * replaced by the campaign's own measurements after its first MOUSs.
 *
 * Pure: observations in, model and predictions out.
 */
import { StepName } from "../domain/campaign.js";

export const Resource = { PeakMemory: "peakMemoryBytes", Wall: "wallSeconds", Disk: "diskBytes" } as const;
export type Resource = (typeof Resource)[keyof typeof Resource];
export const RESOURCES: readonly Resource[] = Object.values(Resource);

/** r = coefficient · (x / unit)^exponent, uncertain by the factor e^logSigma (one sigma). */
export interface PowerLaw {
  /** What x is counted in: 1 GB of delivery, or 1e8 voxels of cubes. */
  readonly unit: number;
  readonly coefficient: number;
  readonly exponent: number;
  readonly logSigma: number;
  /** How uncertain the exponent is (one sigma): the prior's guess, or the fit's standard error. */
  readonly exponentSigma: number;
  /** Mean of ln(x / unit) over the points fitted: far from it, the exponent's error dominates. */
  readonly logXMean: number;
  /** Observations it was fitted to. */
  readonly points: number;
  readonly basis: "prior" | "scaled-prior" | "fit";
}

export type StepLaws = Readonly<Record<StepName, Readonly<Record<Resource, PowerLaw>>>>;

/**
 * Laws in the delivery size for every step; for imaging and products also laws in the
 * cubes' voxels, used once the imaging plan is known (the fix step describes the MSs).
 */
export interface ResourceModel {
  readonly byDelivery: StepLaws;
  readonly byVoxels: Readonly<Partial<Record<StepName, Readonly<Partial<Record<Resource, PowerLaw>>>>>>;
}

/** What is known of a MOUS's size when a prediction is asked for. */
export interface MousSize {
  readonly deliveryBytes: number;
  /** From the imaging plan; absent before the fix step has described the MSs. */
  readonly cubeVoxels?: number | undefined;
}

/** One finished attempt, as the store holds it. */
export interface StepObservation {
  readonly step: StepName;
  /** The MOUS's delivery size, bytes. */
  readonly deliveryBytes: number;
  readonly peakMemoryBytes?: number | null;
  readonly wallSeconds?: number | null;
  /** The MOUS folder's size after the step: what the campaign must have free for it. */
  readonly diskBytes?: number | null;
  readonly cubeVoxels?: number | null;
}

export const GB = 1e9;
export const VOXEL_UNIT = 1e8;
export const MIN_POINTS_FOR_SLOPE = 5;
/** With no observation, predictions are good to a factor of about 3. */
const PRIOR_LOG_SIGMA = Math.log(3);
/** A fit to one or two points says nothing about its own scatter: assume a factor 1.5. */
const FLOOR_LOG_SIGMA = Math.log(1.5);
/** Prior exponents are physics-of-thumb: good to about a quarter. */
const PRIOR_EXPONENT_SIGMA = 0.25;

const prior = (coefficient: number, exponent: number, unit = GB): PowerLaw => ({
  unit,
  coefficient,
  exponent,
  logSigma: PRIOR_LOG_SIGMA,
  exponentSigma: PRIOR_EXPONENT_SIGMA,
  logXMean: 0,
  points: 0,
  basis: "prior",
});

/**
 * Priors. Memory: a CASA process is ~0.4 GB before it reads any data and tclean's grids
 * grow far slower than the data (exponent 0.25); Python-only steps are flat. Time: linear
 * in the data (restore ~10 min and imaging ~30 min per GB on one core, fetch at ~50 MB/s).
 * Disk: a delivery unpacks to about its size; scriptForPI asks for 6x the raw size free
 * when SPACESAVING >= 2 and 11x below (its own check); imaging adds images of ~10% of D.
 */
const PRIOR_BY_DELIVERY: StepLaws = {
  [StepName.Fetch]: { peakMemoryBytes: prior(0.2 * GB, 0), wallSeconds: prior(20, 1), diskBytes: prior(1 * GB, 1) },
  [StepName.Restore]: { peakMemoryBytes: prior(1.0 * GB, 0.25), wallSeconds: prior(600, 1), diskBytes: prior(6 * GB, 1) },
  [StepName.Fix]: { peakMemoryBytes: prior(0.4 * GB, 0), wallSeconds: prior(15, 0.2), diskBytes: prior(6 * GB, 1) },
  [StepName.Image]: { peakMemoryBytes: prior(2.0 * GB, 0.25), wallSeconds: prior(1800, 1), diskBytes: prior(6.6 * GB, 1) },
  [StepName.Products]: { peakMemoryBytes: prior(0.3 * GB, 0), wallSeconds: prior(30, 0.5), diskBytes: prior(6.6 * GB, 1) },
  // The analysis streams its cubes: flat memory (measured ~0.2 GB for a 1 GiB cube), a few reads of the images.
  [StepName.Analyse]: { peakMemoryBytes: prior(0.3 * GB, 0), wallSeconds: prior(60, 1), diskBytes: prior(6.6 * GB, 1) },
};

/**
 * In the cubes' voxels V (per 1e8): tclean keeps several float planes per channel chunk
 * plus its gridding buffers, ~1.5 GB at 1e8 voxels and growing about as sqrt(V) since it
 * works chunk by chunk; its time grows with V. Products read every voxel once or twice.
 * Disk stays with the delivery size: the MSs dominate the folder.
 */
const PRIOR_BY_VOXELS: ResourceModel["byVoxels"] = {
  [StepName.Image]: { peakMemoryBytes: prior(1.5 * GB, 0.5, VOXEL_UNIT), wallSeconds: prior(600, 1, VOXEL_UNIT) },
  [StepName.Products]: { wallSeconds: prior(20, 1, VOXEL_UNIT) },
};

export const PRIOR_MODEL: ResourceModel = { byDelivery: PRIOR_BY_DELIVERY, byVoxels: PRIOR_BY_VOXELS };

function usable(o: StepObservation, r: Resource, x: number | null | undefined): { x: number; y: number } | undefined {
  const v = o[r];
  return v !== undefined && v !== null && v > 0 && x !== undefined && x !== null && x > 0 ? { x, y: v } : undefined;
}

/** Least squares of log r on log(x/unit), or of the scale alone when the slope is fixed. */
export function fitPowerLaw(points: readonly { x: number; y: number }[], priorLaw: PowerLaw): PowerLaw {
  const n = points.length;
  if (n === 0) return priorLaw;
  const lx = points.map((p) => Math.log(p.x / priorLaw.unit));
  const ly = points.map((p) => Math.log(p.y));
  const mean = (v: readonly number[]) => v.reduce((s, x) => s + x, 0) / v.length;
  const mx = mean(lx);
  const my = mean(ly);
  const sxx = lx.reduce((s, x) => s + (x - mx) ** 2, 0);
  let exponent = priorLaw.exponent;
  let basis: PowerLaw["basis"] = "scaled-prior";
  // A slope needs several points spread over at least a factor 2 in size.
  if (n >= MIN_POINTS_FOR_SLOPE && sxx / n > Math.log(2) ** 2 / 4) {
    exponent = lx.reduce((s, x, i) => s + (x - mx) * ((ly[i] ?? 0) - my), 0) / sxx;
    basis = "fit";
  }
  const logA = my - exponent * mx;
  const residuals = lx.map((x, i) => (ly[i] ?? 0) - (logA + exponent * x));
  const dof = Math.max(1, n - (basis === "fit" ? 2 : 1));
  const logSigma = Math.max(FLOOR_LOG_SIGMA, Math.sqrt(residuals.reduce((s, r) => s + r * r, 0) / dof));
  const exponentSigma = basis === "fit" ? logSigma / Math.sqrt(sxx) : priorLaw.exponentSigma;
  return { unit: priorLaw.unit, coefficient: Math.exp(logA), exponent, logSigma, exponentSigma, logXMean: mx, points: n, basis };
}

export function fitResourceModel(observations: readonly StepObservation[], priors: ResourceModel = PRIOR_MODEL): ResourceModel {
  const points = (step: StepName, r: Resource, driver: (o: StepObservation) => number | null | undefined) =>
    observations.filter((o) => o.step === step).flatMap((o) => usable(o, r, driver(o)) ?? []);
  const byDelivery = {} as Record<StepName, Record<Resource, PowerLaw>>;
  const byVoxels: Partial<Record<StepName, Partial<Record<Resource, PowerLaw>>>> = {};
  for (const step of Object.values(StepName)) {
    const laws = {} as Record<Resource, PowerLaw>;
    for (const r of RESOURCES) laws[r] = fitPowerLaw(points(step, r, (o) => o.deliveryBytes), priors.byDelivery[step][r]);
    byDelivery[step] = laws;
    const voxelPriors = priors.byVoxels[step];
    if (voxelPriors === undefined) continue;
    const voxelLaws: Partial<Record<Resource, PowerLaw>> = {};
    for (const r of RESOURCES) {
      const p = voxelPriors[r];
      if (p !== undefined) voxelLaws[r] = fitPowerLaw(points(step, r, (o) => o.cubeVoxels), p);
    }
    byVoxels[step] = voxelLaws;
  }
  return { byDelivery, byVoxels };
}

export interface Prediction {
  readonly value: number;
  /**
   * One sigma below and above: value / e^σ and value · e^σ, where σ adds to the scatter the
   * exponent's own error times the distance (in ln x) from the sizes the law was fitted on:
   * a law fitted on small MOUSs is not trusted as much on large ones.
   */
  readonly low: number;
  readonly high: number;
}

/** The law a prediction uses: in voxels when they are known and the step has one, else in delivery size. */
export function lawFor(model: ResourceModel, step: StepName, resource: Resource, size: MousSize): { law: PowerLaw; x: number } {
  const voxelLaw = model.byVoxels[step]?.[resource];
  if (voxelLaw !== undefined && size.cubeVoxels !== undefined && size.cubeVoxels > 0) return { law: voxelLaw, x: size.cubeVoxels };
  return { law: model.byDelivery[step][resource], x: size.deliveryBytes };
}

export function predict(model: ResourceModel, step: StepName, resource: Resource, size: MousSize): Prediction {
  const { law, x } = lawFor(model, step, resource, size);
  const lx = Math.log(Math.max(x / law.unit, 1e-6));
  const value = Math.exp(Math.log(law.coefficient) + law.exponent * lx);
  const f = Math.exp(Math.hypot(law.logSigma, law.exponentSigma * (lx - law.logXMean)));
  return { value, low: value / f, high: value * f };
}

/**
 * The memory a scheduler should count for a step: the prediction one sigma up, so that
 * steps started together fit in memory about five times in six even when each is unlucky.
 */
export function schedulingMemory(model: ResourceModel, step: StepName, size: MousSize): number {
  return predict(model, step, Resource.PeakMemory, size).high;
}

export interface MousEstimate {
  /** CPU time: the steps' wall times summed (each CASA step uses about one core). */
  readonly cpuSeconds: Prediction;
  /** The largest peak memory of its steps. */
  readonly peakMemoryBytes: Prediction;
  /** The folder at its largest (after the last step). */
  readonly diskBytes: Prediction;
}

/**
 * A MOUS's whole run. Sums of log-normal terms are not log-normal; the bands here add the
 * steps' one-sigma bounds, which overstates the spread of a sum slightly (steps' errors are
 * not all on the same side) and is the cautious side for a budget.
 */
export function estimateMous(model: ResourceModel, size: MousSize, steps: readonly StepName[]): MousEstimate {
  const sum = (r: Resource): Prediction =>
    steps.map((s) => predict(model, s, r, size)).reduce((a, p) => ({ value: a.value + p.value, low: a.low + p.low, high: a.high + p.high }), { value: 0, low: 0, high: 0 });
  const max = (r: Resource): Prediction =>
    steps.map((s) => predict(model, s, r, size)).reduce((a, p) => ({ value: Math.max(a.value, p.value), low: Math.max(a.low, p.low), high: Math.max(a.high, p.high) }), { value: 0, low: 0, high: 0 });
  return { cpuSeconds: sum(Resource.Wall), peakMemoryBytes: max(Resource.PeakMemory), diskBytes: max(Resource.Disk) };
}
