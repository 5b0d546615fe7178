/**
 * Stage 4, line identification (ADMIT's LineID): each found line matched to transitions of
 * a real catalogue, casadata's copy of Splatalogue. Pure: the catalogue is an interface
 * that answers "transitions between two rest frequencies"; src/store reads the SQLite file.
 *
 * The source velocity is unknown, so it is a hypothesis. Every plausible transition of the
 * strongest line (its rest frequency within the velocity range allowed) proposes a radio
 * velocity; each proposal is scored by how well it explains all the found lines: for each
 * line, the weight of the best transition that falls inside the line's range at that
 * velocity. A transition's weight says how likely it is to be seen in a galaxy or a
 * star-forming region: species Splatalogue marks as seen in external galaxies weigh most,
 * its "top 20" more, transitions NRAO's Lovas list records as observed more again, the
 * more the brighter they were observed;
 * high upper-state energies, species only known in space and recombination lines less.
 * The best proposal sets the identification; the source velocity is then measured from
 * the strongest identified line (its fitted centre against the transition's rest
 * frequency). An identification is ambiguous when another proposal scores at least half
 * as well, or when another species of comparable weight falls in a line's range.
 */
import { SPEED_OF_LIGHT } from "../fits/wcs/spectral.js";
import { observedFrequency, opticalVelocity, radioVelocity } from "./cube-geometry.js";

export interface Transition {
  /** Splatalogue's species name (`CO v=0`). */
  readonly species: string;
  readonly chemicalName: string;
  readonly quantumNumbers: string;
  /** Hz. */
  readonly restFrequency: number;
  readonly upperEnergyK: number | undefined;
  /** Seen in external galaxies (Splatalogue's flag). */
  readonly extragalactic: boolean;
  /** One of Splatalogue's "top 20" species. */
  readonly top20: boolean;
  /** A species detected in space. */
  readonly knownInSpace: boolean;
  /** The intensity Lovas/NIST records as observed (their survey's units, K), if any. */
  readonly lovasIntensity: number | undefined;
  readonly recombination: boolean;
  /** Which line list it came from (CDMS, JPL, Lovas...), as Splatalogue numbers them. */
  readonly lineList: number;
}

export interface LineCatalogue {
  /** Transitions with rest frequencies in [minHz, maxHz], astrophysically plausible species only. */
  transitions(minHz: number, maxHz: number): readonly Transition[];
}

/** A found line as identification needs it: its observed range and centre, Hz. */
export interface ObservedLine {
  readonly centre: number;
  readonly low: number;
  readonly high: number;
  /** How strong it is (peak signal-to-noise): the strongest is identified first. */
  readonly strength: number;
}

export interface IdentificationOptions {
  /** Radio-convention velocities, km/s, the source may have. */
  readonly velocityRange: readonly [number, number];
  /** A known source velocity, km/s (radio): only proposals within `velocityTolerance` of it count. */
  readonly velocity?: number | undefined;
  readonly velocityTolerance: number;
}

export const DEFAULT_IDENTIFICATION: IdentificationOptions = { velocityRange: [-1000, 12000], velocityTolerance: 300 };

export interface Candidate {
  readonly transition: Transition;
  readonly weight: number;
  /** Radio velocity, km/s, at which the line's centre would be this transition. */
  readonly velocity: number;
}

export interface LineIdentity {
  /** Index of the line in the input. */
  readonly line: number;
  readonly best: Candidate | undefined;
  /** Other species of comparable weight inside the line's range at the adopted velocity. */
  readonly alternatives: readonly Candidate[];
  readonly ambiguous: boolean;
}

export interface Identification {
  readonly lines: readonly LineIdentity[];
  /** Radio-convention velocity of the source, km/s, from the strongest identified line. */
  readonly velocity: number | undefined;
  /** The same as optical cz, km/s, and as a redshift. */
  readonly cz: number | undefined;
  readonly redshift: number | undefined;
  readonly ambiguous: boolean;
  /** Runner-up velocity proposals with their scores, best first, for the record. */
  readonly proposals: readonly { readonly velocity: number; readonly score: number; readonly species: string }[];
  readonly note: string;
}

/** How likely a transition is to be the line seen; the rules are in the module comment. */
export function transitionWeight(t: Transition): number {
  let w = t.extragalactic ? 1 : t.knownInSpace ? 0.2 : 0.02;
  if (t.top20) w *= 2;
  // Observed intensities span 0.01 to 100 K: their logarithm separates CO from a weak hyperfine component.
  if (t.lovasIntensity !== undefined) w *= 1 + Math.log10(1 + Math.max(0, t.lovasIntensity));
  if (t.recombination) w *= 0.3;
  if (t.upperEnergyK !== undefined && Number.isFinite(t.upperEnergyK)) w *= Math.max(0.05, Math.exp(-t.upperEnergyK / 150));
  return w;
}

/** The rest-frequency window in which a line at `observed` Hz can lie for radio velocities [vmin, vmax] km/s. */
export function restWindow(observedLow: number, observedHigh: number, velocityRange: readonly [number, number]): [number, number] {
  const [vmin, vmax] = velocityRange;
  return [observedLow / (1 - (vmin * 1000) / SPEED_OF_LIGHT), observedHigh / (1 - (vmax * 1000) / SPEED_OF_LIGHT)];
}

/** Collapses the same transition listed by several line lists (within 50 kHz) to its heaviest entry. */
function distinct(transitions: readonly Transition[]): Candidate[] {
  const sorted = [...transitions].sort((a, b) => a.restFrequency - b.restFrequency);
  const out: Candidate[] = [];
  for (const t of sorted) {
    const weight = transitionWeight(t);
    const twin = out.find((c) => c.transition.species === t.species && Math.abs(c.transition.restFrequency - t.restFrequency) < 5e4);
    if (twin === undefined) out.push({ transition: t, weight, velocity: Number.NaN });
    else if (weight > twin.weight) out[out.indexOf(twin)] = { transition: t, weight, velocity: Number.NaN };
  }
  return out;
}

/** Candidates inside a line's observed range at velocity v, heaviest first. */
function matches(candidates: readonly Candidate[], line: ObservedLine, velocity: number): Candidate[] {
  return candidates
    .filter((c) => {
      const f = observedFrequency(c.transition.restFrequency, velocity);
      return f >= line.low && f <= line.high;
    })
    .map((c) => ({ ...c, velocity: radioVelocity(line.centre, c.transition.restFrequency) }))
    .sort((a, b) => b.weight - a.weight);
}

export function identifyLines(lines: readonly ObservedLine[], catalogue: LineCatalogue, options: IdentificationOptions = DEFAULT_IDENTIFICATION): Identification {
  const none = (note: string): Identification => ({
    lines: lines.map((_, line) => ({ line, best: undefined, alternatives: [], ambiguous: false })),
    velocity: undefined,
    cz: undefined,
    redshift: undefined,
    ambiguous: false,
    proposals: [],
    note,
  });
  if (lines.length === 0) return none("no lines to identify");
  const range: [number, number] = options.velocity === undefined ? [options.velocityRange[0], options.velocityRange[1]] : [options.velocity - options.velocityTolerance, options.velocity + options.velocityTolerance];
  const lows = Math.min(...lines.map((l) => l.low));
  const highs = Math.max(...lines.map((l) => l.high));
  const [restLow, restHigh] = restWindow(lows, highs, range);
  const candidates = distinct(catalogue.transitions(Math.min(restLow, restHigh), Math.max(restLow, restHigh)));
  const order = lines.map((_, i) => i).sort((a, b) => (lines[b]?.strength ?? 0) - (lines[a]?.strength ?? 0));
  const strongest = lines[order[0] ?? 0] as ObservedLine;
  // Every transition that could be the strongest line proposes a velocity.
  const proposals: { velocity: number; score: number; species: string }[] = [];
  for (const c of candidates) {
    const velocity = radioVelocity(strongest.centre, c.transition.restFrequency);
    if (velocity < range[0] || velocity > range[1]) continue;
    // The strongest line counts with the proposing transition's own weight, the others with their best match.
    let score = c.weight;
    for (const line of lines) if (line !== strongest) score += matches(candidates, line, velocity)[0]?.weight ?? 0;
    proposals.push({ velocity, score, species: c.transition.species });
  }
  proposals.sort((a, b) => b.score - a.score);
  const best = proposals[0];
  if (best === undefined || best.score <= 0) return none("no catalogue transition fits the strongest line within the velocity range");
  // Runner-up: the best proposal that puts the source at another velocity (beyond the strongest line's own width);
  // transitions within that width are the line's alternatives instead.
  const halfWidth = (radioVelocity(strongest.low, strongest.centre) - radioVelocity(strongest.high, strongest.centre)) / 2;
  const runnerUp = proposals.find((p) => p.species !== best.species && Math.abs(p.velocity - best.velocity) > Math.abs(halfWidth));
  const globallyAmbiguous = runnerUp !== undefined && runnerUp.score >= 0.5 * best.score;
  const identities: LineIdentity[] = lines.map((line, index) => {
    const found = matches(candidates, line, best.velocity);
    const top = found[0];
    const alternatives = found.filter((c) => c !== top && c.transition.species !== top?.transition.species && c.weight >= 0.5 * (top?.weight ?? 0)).slice(0, 5);
    const others = found.filter((c) => c !== top && !alternatives.includes(c)).slice(0, Math.max(0, 5 - alternatives.length));
    return { line: index, best: top, alternatives: [...alternatives, ...others], ambiguous: alternatives.length > 0 };
  });
  const anchor = identities[order[0] ?? 0]?.best;
  const velocity = anchor === undefined ? undefined : radioVelocity(strongest.centre, anchor.transition.restFrequency);
  const cz = anchor === undefined ? undefined : opticalVelocity(strongest.centre, anchor.transition.restFrequency);
  const ambiguous = globallyAmbiguous || identities.some((i) => i.ambiguous);
  const explained = identities.filter((i) => i.best !== undefined).length;
  const note =
    `${explained} of ${lines.length} line(s) identified at ${velocity?.toFixed(1) ?? "?"} km/s (radio)` +
    (globallyAmbiguous && runnerUp !== undefined ? `; ambiguous: ${runnerUp.species} at ${runnerUp.velocity.toFixed(0)} km/s scores ${(runnerUp.score / best.score).toFixed(2)} of the best` : "") +
    (identities.some((i) => i.ambiguous) ? "; some lines have other species of comparable weight in their range" : "");
  return {
    lines: identities,
    velocity,
    cz,
    redshift: cz === undefined ? undefined : (cz * 1000) / SPEED_OF_LIGHT,
    ambiguous,
    proposals: dedupeProposals(proposals).slice(0, 8),
    note,
  };
}

function dedupeProposals(proposals: readonly { velocity: number; score: number; species: string }[]): { velocity: number; score: number; species: string }[] {
  const out: { velocity: number; score: number; species: string }[] = [];
  for (const p of proposals) if (!out.some((o) => o.species === p.species)) out.push(p);
  return out;
}
