/**
 * The ALMA imaging pipeline's heuristics, reproduced as pure functions of plain numbers.
 *
 * Sources: the pipeline's public `hif/heuristics/imageparams_base.py` and
 * `imageparams_alma.py` (primary beam, cell, imsize, gridder, auto-multithresh), the ALMA
 * Technical Handbook (synthesized beam from the 80th-percentile baseline, the radiometer
 * equation of the sensitivity calculator). Where we depart from the pipeline (it measures
 * the beam with a PSF run; we estimate it from baselines) the function says so.
 */

export const SPEED_OF_LIGHT_M_S = 299_792_458;
export const BOLTZMANN_J_K = 1.380649e-23;
export const JANSKY_W_M2_HZ = 1e-26;
export const ARCSEC_PER_RAD = (180 * 3600) / Math.PI;

/** tclean's pblimit for images, and the PB level that bounds the clean mask (pipeline). */
export const PBLIMIT_IMAGE = 0.2;
export const PBLIMIT_CLEANMASK = 0.3;
/** The pipeline samples the synthesized beam's minor axis with five pixels. */
export const PIXELS_PER_BEAM = 5;
/** Above this fractional bandwidth the aggregate continuum is imaged with mtmfs, 2 terms. */
export const MTMFS_FRACTIONAL_BANDWIDTH = 0.1;

/**
 * Primary beam radius to the first null, 1.22 λ/D, in arcsec (pipeline `primary_beam_size`).
 * The pipeline takes the smallest dish and, over the spws of an image, the largest beam:
 * pass the smallest diameter and the lowest frequency.
 */
export function primaryBeamRadiusArcsec(lowestFreqHz: number, smallestDishM: number): number {
  const lambdaM = SPEED_OF_LIGHT_M_S / lowestFreqHz;
  return 1.22 * (lambdaM / smallestDishM) * ARCSEC_PER_RAD;
}

/**
 * The ALMA Technical Handbook's estimate of the synthesized beam (FWHM, arcsec) for robust
 * ≈ 0.5: θ = 0.574 λ / L80, L80 being the 80th-percentile baseline. Use the highest
 * frequency: the cell must sample the smallest beam of the image.
 *
 * The pipeline measures the beam instead (a makePSF run, rounded to 3 significant digits),
 * after a first guess from `imager.advise`, whose Nyquist cell times two is λ / B_max
 * (factor 1.0 on the longest baseline). Both are offered: `factor` and `baselineM` choose.
 */
export const BEAM_FACTOR_L80 = 0.574;
export function synthesizedBeamArcsec(highestFreqHz: number, baselineM: number, factor: number = BEAM_FACTOR_L80): number {
  const lambdaM = SPEED_OF_LIGHT_M_S / highestFreqHz;
  return factor * (lambdaM / baselineM) * ARCSEC_PER_RAD;
}

/** Rounds to `digits` significant digits, as Python's `'%.2g'` does (half away from zero). */
export function roundSignificant(value: number, digits: number): number {
  if (value === 0 || !Number.isFinite(value)) return value;
  return Number(value.toPrecision(digits));
}

/** Cell = beam minor axis / 5, rounded to 2 significant digits (pipeline `cell`: `'%.2garcsec'`). */
export function cellArcsec(beamMinorArcsec: number, pixelsPerBeam: number = PIXELS_PER_BEAM): number {
  return roundSignificant(beamMinorArcsec / pixelsPerBeam, 2);
}

/** Whether `n` has no prime factors other than 2, 3, 5 and 7. */
function isSmooth(n: number): boolean {
  let m = n;
  for (const p of [2, 3, 5, 7]) while (m % p === 0) m /= p;
  return m === 1;
}

/**
 * The smallest even size ≥ n whose only prime factors are 2, 3, 5, 7: fast for the FFT, and
 * even so that the image centre falls on a pixel (the pipeline's `getOptimumSize` sizes are
 * even).
 */
export function nextFftSize(n: number): number {
  let m = Math.max(2, Math.ceil(n));
  if (m % 2 === 1) m += 1;
  while (!isSmooth(m)) m += 2;
  return m;
}

/** Python 3's `round_half_up` as the pipeline's utils define it. */
function roundHalfUp(x: number): number {
  return Math.floor(x + 0.5);
}

/**
 * Single-field image size (pixels per side), pipeline `imsize` with `sfpblimit`: the image
 * spans the primary beam down to `pblimit` plus 10%. The Gaussian beam's FWHP is taken as
 * 1.12/1.22 of the first-null radius, and the radius where a Gaussian falls to `pblimit` is
 * FWHP/2 · sqrt(ln(1/pblimit)/ln 2): the full width is FWHP · sqrt(...).
 */
export function singleFieldImsize(pbRadiusArcsec: number, cell: number, pblimit: number = PBLIMIT_IMAGE): number {
  const fwhp = (1.12 / 1.22) * pbRadiusArcsec;
  const width = 1.1 * fwhp * Math.sqrt(-Math.log(pblimit) / Math.log(2));
  return nextFftSize(roundHalfUp(width / cell));
}

/**
 * Mosaic image size along one axis: the pointings' spread plus 1.5 primary-beam radii
 * (0.75 on each side), 1.65 for mosaics of at most three pointings (pipeline PIPE-209).
 * Truncated to an integer before the FFT size, as the pipeline's `int()` does.
 */
export function mosaicImsize(pbRadiusArcsec: number, cell: number, spreadArcsec: number, nFields: number): number {
  const border = nFields <= 3 ? 1.65 : 1.5;
  return nextFftSize(Math.trunc((border * pbRadiusArcsec + spreadArcsec) / cell));
}

export interface Pointing {
  readonly raRad: number;
  readonly decRad: number;
}
export interface PointingSpread {
  /** Extent of the pointing centres on the sky, arcsec (east-west, north-south). */
  readonly xSpreadArcsec: number;
  readonly ySpreadArcsec: number;
  /** The midpoint of that extent: the image's phase centre. */
  readonly centre: Pointing;
}

/**
 * Spread and centre of a set of pointings, as the pipeline's `phasecenter` does it: offsets
 * from the first pointing (RA offsets scaled by cos δ of the first), the midpoint of their
 * extent added back. Flat-sky, which holds for mosaics of a few arcminutes.
 */
export function pointingSpread(pointings: readonly Pointing[]): PointingSpread {
  const first = pointings[0];
  if (first === undefined) throw new RangeError("pointingSpread needs at least one pointing");
  const cosDec = Math.cos(first.decRad);
  const xs = pointings.map((p) => wrapPi(p.raRad - first.raRad) * cosDec * ARCSEC_PER_RAD);
  const ys = pointings.map((p) => (p.decRad - first.decRad) * ARCSEC_PER_RAD);
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs);
  const yMin = Math.min(...ys);
  const yMax = Math.max(...ys);
  const xCen = (xMin + xMax) / 2;
  const yCen = (yMin + yMax) / 2;
  return {
    xSpreadArcsec: xMax - xMin,
    ySpreadArcsec: yMax - yMin,
    centre: {
      raRad: first.raRad + xCen / ARCSEC_PER_RAD / cosDec,
      decRad: first.decRad + yCen / ARCSEC_PER_RAD,
    },
  };
}

function wrapPi(a: number): number {
  return Math.atan2(Math.sin(a), Math.cos(a));
}

export type Specmode = "mfs" | "cont" | "cube";
/** The images of the recipe: the three of the pipeline plus findcont's dirty cube. */
export type ImagePurpose = Specmode | "findcont";

export type Weighting =
  | { readonly weighting: "briggs"; readonly robust: number; readonly perchanweightdensity?: never }
  | { readonly weighting: "briggsbwtaper"; readonly robust: number; readonly perchanweightdensity: true };

/**
 * Briggs 0.5 for continuum images; cubes use `briggsbwtaper` with per-channel weight density
 * (pipeline 2023 on), which keeps the beam of a wide cube close to the mfs beam; findcont's
 * dirty cube is made at robust 1.0, closer to natural, for sensitivity to faint lines.
 */
export function weightingFor(purpose: ImagePurpose): Weighting {
  switch (purpose) {
    case "mfs":
    case "cont":
      return { weighting: "briggs", robust: 0.5 };
    case "cube":
      return { weighting: "briggsbwtaper", robust: 0.5, perchanweightdensity: true };
    case "findcont":
      return { weighting: "briggs", robust: 1.0 };
  }
}

export type Gridder = "standard" | "mosaic";

/** `mosaic` for several pointings or a heterogeneous array (pipeline `gridder`). */
export function gridderFor(nFields: number, dishDiametersM: readonly number[]): Gridder {
  const distinct = new Set(dishDiametersM);
  return nFields > 1 || distinct.size > 1 ? "mosaic" : "standard";
}

/** 2 (ν_max − ν_min) / (ν_max + ν_min): the span over the centre (pipeline `get_fractional_bandwidth`). */
export function fractionalBandwidth(minFreqHz: number, maxFreqHz: number): number {
  return (2 * (maxFreqHz - minFreqHz)) / (maxFreqHz + minFreqHz);
}

export type Deconvolver = { readonly deconvolver: "hogbom" } | { readonly deconvolver: "mtmfs"; readonly nterms: 2 };

/**
 * Hogbom, except for the aggregate continuum over more than 10% fractional bandwidth, where
 * the spectral index matters and mtmfs with two Taylor terms models it.
 */
export function deconvolverFor(purpose: ImagePurpose, fracBandwidth: number): Deconvolver {
  return purpose === "cont" && fracBandwidth > MTMFS_FRACTIONAL_BANDWIDTH
    ? { deconvolver: "mtmfs", nterms: 2 }
    : { deconvolver: "hogbom" };
}

export interface AutoMaskParameters {
  readonly sidelobethreshold: number;
  readonly noisethreshold: number;
  readonly lownoisethreshold: number;
  readonly negativethreshold: number;
  readonly minbeamfrac: number;
  readonly growiterations: number;
  readonly dogrowprune: boolean;
  readonly minpercentchange: number;
  readonly fastnoise: boolean;
}

/**
 * auto-multithresh parameters for science targets, by array and representative baseline
 * (the 75th-percentile length), from the pipeline's `imageparams_alma.get_autobox_params`:
 * - 12 m, L75 < 300 m: sidelobe 2.0, noise 4.25, lownoise 1.5, minbeamfrac 0.3;
 * - 12 m, L75 ≥ 300 m: noise 5.0, lownoise 1.5, minbeamfrac 0.3, sidelobe 2.0 below 400 m
 *   and 2.5 from 400 m (it was 3.0 in older pipelines);
 * - 7 m (ACA): sidelobe 1.25, noise 5.0, lownoise 2.0, minbeamfrac 0.1.
 * Cubes get a negative threshold (15 short, 7 long) and 50 grow iterations, continuum 0 and
 * 75. fastnoise is on for 12 m arrays with L75 above 400 m (PIPE-307). Mixed arrays, whose
 * smallest dish is 7 m, take the 7 m set as the pipeline does.
 */
export function autoMaskParameters(repBaselineM: number, smallestDishM: number, specmode: Specmode): AutoMaskParameters {
  const cube = specmode === "cube";
  const common = { dogrowprune: true, minpercentchange: 1.0 } as const;
  if (smallestDishM < 12) {
    return {
      ...common,
      sidelobethreshold: 1.25,
      noisethreshold: 5.0,
      lownoisethreshold: 2.0,
      negativethreshold: 0.0,
      minbeamfrac: 0.1,
      growiterations: 75,
      fastnoise: false,
    };
  }
  const fastnoise = repBaselineM > 400;
  if (repBaselineM < 300) {
    return {
      ...common,
      sidelobethreshold: 2.0,
      noisethreshold: 4.25,
      lownoisethreshold: 1.5,
      negativethreshold: cube ? 15.0 : 0.0,
      minbeamfrac: 0.3,
      growiterations: cube ? 50 : 75,
      fastnoise,
    };
  }
  return {
    ...common,
    sidelobethreshold: repBaselineM < 400 ? 2.0 : 2.5,
    noisethreshold: 5.0,
    lownoisethreshold: 1.5,
    negativethreshold: cube ? 7.0 : 0.0,
    minbeamfrac: 0.3,
    growiterations: cube ? 50 : 75,
    fastnoise,
  };
}

/**
 * An assumed system temperature per ALMA band, in K, for a typical PWV at the band's
 * centre: a planning number, not a measurement (the pipeline reads Tsys from the
 * calibration tables, which the restored MS no longer carries). Bands 1-2 ~ 50 K, 3 ~ 80 K,
 * 4 ~ 90 K, 5 ~ 150 K, 6 ~ 100 K, 7 ~ 150 K, 8 ~ 400 K, 9 ~ 800 K, 10 ~ 1200 K.
 */
export function assumedTsysK(freqHz: number): number {
  const ghz = freqHz / 1e9;
  const table: readonly (readonly [number, number])[] = [
    [84, 50],
    [116, 80],
    [163, 90],
    [211, 150],
    [275, 100],
    [373, 150],
    [500, 400],
    [720, 800],
  ];
  for (const [upper, tsys] of table) if (ghz <= upper) return tsys;
  return 1200;
}

export interface SensitivityInputs {
  readonly tsysK: number;
  readonly nAntennas: number;
  readonly bandwidthHz: number;
  readonly timeOnSourceS: number;
  readonly dishDiameterM: number;
  /** Aperture efficiency; 0.71 is ALMA's 12 m value at Band 3 (sensitivity calculator). */
  readonly apertureEfficiency?: number;
  /** Quantisation efficiency 0.96 and correlator efficiency 0.88 (ALMA handbook). */
  readonly quantisationEfficiency?: number;
  readonly correlatorEfficiency?: number;
  /** Two for ALMA's dual-polarisation Stokes I. */
  readonly nPolarisations?: number;
}

/**
 * Point-source sensitivity in Jy, the radiometer equation of ALMA's sensitivity calculator:
 *   σ = 2 k Tsys / (ηq ηc A_eff sqrt(N (N − 1) n_pol Δν t)),   A_eff = η_a π D² / 4.
 * Natural weighting, no flagging, no atmosphere beyond what Tsys holds: real images come
 * out noisier (robust weighting costs ~10-20%), which makes 2σ a threshold that stops
 * clean early rather than late.
 */
export function pointSourceSensitivityJy(i: SensitivityInputs): number {
  const etaA = i.apertureEfficiency ?? 0.71;
  const etaQ = i.quantisationEfficiency ?? 0.96;
  const etaC = i.correlatorEfficiency ?? 0.88;
  const npol = i.nPolarisations ?? 2;
  const aEff = (etaA * Math.PI * i.dishDiameterM ** 2) / 4;
  const root = Math.sqrt(i.nAntennas * (i.nAntennas - 1) * npol * i.bandwidthHz * i.timeOnSourceS);
  const wPerM2Hz = (2 * BOLTZMANN_J_K * i.tsysK) / (etaQ * etaC * aEff * root);
  return wPerM2Hz / JANSKY_W_M2_HZ;
}

/** The clean threshold: twice the predicted noise (pipeline: 2 x sensitivity). */
export function cleanThresholdJy(sensitivityJy: number, factor: number = 2): number {
  return factor * sensitivityJy;
}

/** Cubes are restored with one beam for all channels; continuum images keep their own. */
export function restoringBeamFor(purpose: ImagePurpose): "common" | "" {
  return purpose === "cube" ? "common" : "";
}
