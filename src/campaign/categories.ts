/**
 * Categories of MOUSs expected to behave alike in a re-imaging campaign, and a seeded
 * stratified sample over them: a pilot run takes a few MOUSs of every category instead of
 * the first hundred of the archive (which would all be one cycle and one band).
 *
 * A category is six facets, each read from the holdings list (see archive/obscore.ts):
 * - **cycle**, from the project code (it decides the delivery layout and the CASA version);
 * - **band** (frequency sets beam, field of view, continuum-finding behaviour);
 * - **array**: 12m, 7m or TP, from the antennas named (gridder, dish size, single dish);
 * - **field**: mosaic or single (gridder `mosaic`, image size);
 * - **spectral set-up**: `continuum` when every spectral window is wide (TDM-like), `line`
 *   when at least one has high spectral resolution (cube size and time follow from it);
 * - **size class**, from the data size when the list states it, else from an estimate
 *   (see {@link sizeEstimate}).
 * A facet that the list cannot tell is written with `?` (`B?`, `field?`), never guessed.
 *
 * Pure: no files, no clock, no randomness beyond the seed.
 */
import { createHash } from "node:crypto";
import type { AntennaArray, MousHolding } from "../archive/obscore.js";
import { ErrorCode, ReimageError } from "../domain/errors.js";
import type { MousUid } from "../domain/glossary.js";

export const SpectralSetup = { Continuum: "continuum", Line: "line", Unknown: "spectral?" } as const;
export type SpectralSetup = (typeof SpectralSetup)[keyof typeof SpectralSetup];

export const SizeClass = { Small: "small", Medium: "medium", Large: "large", Huge: "huge", Unknown: "size?" } as const;
export type SizeClass = (typeof SizeClass)[keyof typeof SizeClass];

/** Where a size class came from. */
export const SizeBasis = {
  /** The holdings list's own size column (`access_estsize`). */
  DataSize: "data-size",
  /** Estimated from channels x baselines x exposure, see {@link sizeEstimate}. */
  Estimate: "estimate",
  None: "none",
} as const;
export type SizeBasis = (typeof SizeBasis)[keyof typeof SizeBasis];

/**
 * A spectral window whose effective resolution is this coarse or coarser is a wide,
 * continuum (TDM) window: ALMA's TDM mode gives 15.6 MHz channels, 31.25 MHz after Hanning
 * smoothing as `frequency_support` states it, while FDM windows are at most ~3.9 MHz.
 */
export const CONTINUUM_RESOLUTION_KHZ = 10_000;
/**
 * Used only when no window is described: a finest velocity resolution coarser than this is
 * taken as continuum (TDM is 10-90 km/s over bands 3-10; FDM is finer except in Band 1-2's
 * widest modes, which this fallback would call continuum).
 */
export const CONTINUUM_VELOCITY_MS = 10_000;

/** Size class upper bounds, bytes (decimal): small < 10 GB <= medium < 100 GB <= large < 1 TB <= huge. */
export const SIZE_BOUNDS = { small: 10e9, medium: 100e9, large: 1e12 } as const;

/**
 * Assumptions that turn channels x baselines x seconds into bytes of visibilities: two
 * polarisation products, 8 bytes per complex visibility (two float32), one dump every
 * 6.048 s (a common ALMA 12m integration). A rough scale, meant only to rank MOUSs into
 * the same classes as stated sizes; it ignores flags, weights, WVR and autocorrelations.
 */
export const ESTIMATE_ASSUMPTIONS = { polarisations: 2, bytesPerVisibility: 8, integrationS: 6.048 } as const;

export interface SizeEstimate {
  readonly basis: SizeBasis;
  /** Bytes: stated, or estimated; absent when neither is possible. */
  readonly bytes?: number;
  /** For an estimate: total channels (all windows), baselines and exposure used. */
  readonly channels?: number;
  readonly baselines?: number;
  readonly exposureS?: number;
}

/**
 * The size a MOUS's class is read from: the stated data size when there is one; otherwise
 * the visibility volume Σ(channels over windows) x baselines x exposure, converted to bytes
 * with {@link ESTIMATE_ASSUMPTIONS}. Baselines are n(n-1)/2 of the distinct antennas; for
 * a total-power-only MOUS there are no baselines and each antenna's own spectrum counts (n).
 */
export function sizeEstimate(h: MousHolding): SizeEstimate {
  if (h.dataSizeBytes !== undefined) return { basis: SizeBasis.DataSize, bytes: h.dataSizeBytes };
  const channels = h.spectralWindows.reduce((sum, s) => sum + s.channels, 0);
  const n = h.antennaCount;
  const tpOnly = h.arrays.length === 1 && h.arrays[0] === "TP";
  const baselines = tpOnly ? n : (n * (n - 1)) / 2;
  if (channels === 0 || baselines === 0 || h.exposureS === undefined || h.exposureS === 0) return { basis: SizeBasis.None };
  const a = ESTIMATE_ASSUMPTIONS;
  const bytes = (channels * baselines * h.exposureS * a.polarisations * a.bytesPerVisibility) / a.integrationS;
  return { basis: SizeBasis.Estimate, bytes, channels, baselines, exposureS: h.exposureS };
}

export function sizeClassOf(bytes: number | undefined): SizeClass {
  if (bytes === undefined) return SizeClass.Unknown;
  if (bytes < SIZE_BOUNDS.small) return SizeClass.Small;
  if (bytes < SIZE_BOUNDS.medium) return SizeClass.Medium;
  if (bytes < SIZE_BOUNDS.large) return SizeClass.Large;
  return SizeClass.Huge;
}

/** Continuum when every described window is wide; line when any is narrow. */
export function spectralSetupOf(h: MousHolding): SpectralSetup {
  if (h.spectralWindows.length > 0) {
    return h.spectralWindows.every((s) => s.resolutionKHz >= CONTINUUM_RESOLUTION_KHZ) ? SpectralSetup.Continuum : SpectralSetup.Line;
  }
  if (h.velocityResolutionMs !== undefined) {
    return h.velocityResolutionMs > CONTINUUM_VELOCITY_MS ? SpectralSetup.Continuum : SpectralSetup.Line;
  }
  return SpectralSetup.Unknown;
}

export interface Category {
  /** Words, in facet order: `C7 B3 12m single line medium`. */
  readonly key: string;
  readonly cycle?: number;
  readonly bands: readonly number[];
  readonly arrays: readonly AntennaArray[];
  readonly field: "mosaic" | "single" | "field?";
  readonly spectral: SpectralSetup;
  readonly size: SizeClass;
}

export interface Categorized {
  readonly holding: MousHolding;
  readonly category: Category;
  /** What the size class was read from; not part of the key (it says how, not what). */
  readonly size: SizeEstimate;
}

export function categorize(h: MousHolding): Categorized {
  const size = sizeEstimate(h);
  const field = h.isMosaic === undefined ? "field?" : h.isMosaic ? "mosaic" : "single";
  const spectral = spectralSetupOf(h);
  const sizeClass = sizeClassOf(size.bytes);
  const words = [
    h.cycle === undefined ? "C?" : `C${h.cycle}`,
    h.bands.length === 0 ? "B?" : `B${h.bands.join("+")}`,
    h.arrays.length === 0 ? "array?" : h.arrays.join("+"),
    field,
    spectral,
    sizeClass,
  ];
  const category: Category = {
    key: words.join(" "),
    ...(h.cycle === undefined ? {} : { cycle: h.cycle }),
    bands: h.bands,
    arrays: h.arrays,
    field,
    spectral,
    size: sizeClass,
  };
  return { holding: h, category, size };
}

export interface CategorySample {
  readonly category: Category;
  /** How many MOUSs of the holdings fall in it. */
  readonly count: number;
  /** How many of those had their size class from an estimate rather than a stated size. */
  readonly estimatedSizes: number;
  /** Up to `perCategory` MOUSs, in sampling order. */
  readonly sample: readonly MousUid[];
}

/**
 * The sampling score of a MOUS: the first 8 bytes of SHA-256 over `seed`, a NUL and the
 * MOUS uid, as an unsigned big-endian integer.
 */
export function samplingScore(seed: string, mous: MousUid): bigint {
  return createHash("sha256").update(`${seed}\u0000${mous}`).digest().readBigUInt64BE(0);
}

/**
 * A deterministic stratified sample: every MOUS gets {@link samplingScore}(seed, uid); in
 * each category the `perCategory` MOUSs with the lowest scores are taken (ties, which need
 * equal hashes, by uid). This is bottom-k sampling with a hash as the random key: for one
 * seed the sample does not depend on the order of the list, a MOUS keeps its place when
 * others are added (it can only be displaced by a newcomer with a lower score), and the
 * sample of N is the first N of the sample of N+1. Another seed gives an independent sample.
 *
 * Categories come back ordered by cycle, then key. A MOUS listed twice counts once.
 */
export function stratifiedSample(holdings: readonly MousHolding[], perCategory: number, seed: string | number): CategorySample[] {
  if (!Number.isSafeInteger(perCategory) || perCategory < 1) {
    throw new ReimageError(ErrorCode.BadInput, `per-category sample size must be a whole number of at least 1, not ${perCategory}`);
  }
  const seedText = String(seed);
  const groups = new Map<string, { category: Category; members: Map<MousUid, Categorized> }>();
  for (const h of holdings) {
    const c = categorize(h);
    const group = groups.get(c.category.key) ?? { category: c.category, members: new Map<MousUid, Categorized>() };
    group.members.set(h.mous, c);
    groups.set(c.category.key, group);
  }
  const cycleRank = (c: Category): number => c.cycle ?? Number.MAX_SAFE_INTEGER;
  return [...groups.values()]
    .sort((a, b) => cycleRank(a.category) - cycleRank(b.category) || a.category.key.localeCompare(b.category.key, "en", { numeric: true }))
    .map(({ category, members }) => {
      const scored = [...members.keys()].map((mous) => ({ mous, score: samplingScore(seedText, mous) }));
      scored.sort((a, b) => (a.score < b.score ? -1 : a.score > b.score ? 1 : a.mous < b.mous ? -1 : a.mous > b.mous ? 1 : 0));
      return {
        category,
        count: members.size,
        estimatedSizes: [...members.values()].filter((m) => m.size.basis === SizeBasis.Estimate).length,
        sample: scored.slice(0, perCategory).map((s) => s.mous),
      };
    });
}
