/**
 * Where the ticks of a preview go and what they say: "nice" linear ticks for the spectrum and
 * the colour bar, sexagesimal right ascension and declination ticks found where the WCS
 * crosses round values along each edge of the map, and the length of the scale bar.
 * Pure: the sky is given as a function from pixel to (longitude, latitude).
 */

/** Sky coordinates (degrees) of a 0-based pixel position of the map. */
export type SkyAt = (x: number, y: number) => { readonly lon: number; readonly lat: number };

export interface Tick {
  /** Position along the edge, in 0-based map pixels (x for bottom/top, y for left/right). */
  readonly at: number;
  readonly value: number;
  readonly label: string;
}

/** 1, 2 and 5 times a power of ten, the steps of a linear axis. */
export function niceStep(span: number, maxTicks: number): number {
  const raw = Math.abs(span) / Math.max(1, maxTicks);
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * power >= raw) return m * power;
  return 10 * power;
}

/** Multiples of a nice step within [min, max]. */
export function linearTicks(min: number, max: number, maxTicks: number): { readonly step: number; readonly values: number[] } {
  const lo = Math.min(min, max);
  const hi = Math.max(min, max);
  const step = niceStep(hi - lo, maxTicks);
  const values: number[] = [];
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k += 1) values.push(Math.abs(k * step) < step * 1e-9 ? 0 : k * step);
  return { step, values };
}

/** A number with as many decimals as its step needs; a true minus sign. */
export function formatTickNumber(value: number, step: number): string {
  const decimals = Math.max(0, Math.min(10, -Math.floor(Math.log10(Math.abs(step)) + 1e-9)));
  const text = value.toFixed(decimals);
  return text.startsWith("-") ? `\u2212${text.slice(1)}` : text;
}

// ---- sexagesimal ----

/** Right-ascension steps, seconds of time. */
const RA_STEPS = [
  0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1200, 1800, 3600, 7200, 10800, 21600,
];
/** Declination steps, arcseconds. */
const DEC_STEPS = [
  0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1200, 1800, 3600, 7200, 18000, 36000, 72000,
];

interface Fields {
  readonly negative: boolean;
  /** Whole units of the first field, whole units of the second, the third with decimals (as text). */
  readonly parts: readonly [string, string, string];
  readonly shown: number;
}

/** Splits an amount of seconds (of time or of arc) into fields rounded to `step`; `turn` first-field units wrap to 0 (24 for hours). */
function splitSexagesimal(valueSeconds: number, step: number, turn: number | undefined): Fields {
  const negative = valueSeconds < 0;
  const decimals = step >= 1 ? 0 : Math.min(6, Math.ceil(-Math.log10(step) - 1e-9));
  const unit = 10 ** -decimals;
  // Rounded to the step first (10h27m51.6s shown to the minute is 10h28m), then to the last digit shown.
  const total = Math.round((Math.round(Math.abs(valueSeconds) / step) * step) / unit);
  const perMinute = Math.round(60 / unit);
  const perFirst = perMinute * 60;
  const first = turn === undefined ? Math.floor(total / perFirst) : Math.floor(total / perFirst) % turn;
  const minutes = Math.floor((total % perFirst) / perMinute);
  const secondsUnits = total % perMinute;
  const seconds = (secondsUnits * unit).toFixed(decimals).padStart(decimals > 0 ? decimals + 3 : 2, "0");
  const shown = step >= 3600 ? 1 : step >= 60 ? 2 : 3;
  return { negative, parts: [String(first), String(minutes).padStart(2, "0"), seconds], shown };
}

function joinFields(fields: Fields, symbols: readonly [string, string, string], from: number, signed: boolean): string {
  let text = "";
  for (let i = from; i < fields.shown; i += 1) text += `${fields.parts[i] ?? ""}${symbols[i] ?? ""}`;
  if (signed && from === 0) text = `${fields.negative ? "\u2212" : "+"}${text}`;
  return text;
}

/**
 * Labels for a run of sexagesimal ticks in axis order, as APLpy and WCSAxes print them: the
 * first in full, the next ones without the leading fields they share with the one before.
 */
function elidedLabels(values: readonly number[], step: number, secondsPerUnit: number, symbols: readonly [string, string, string], signed: boolean): string[] {
  const turn = signed ? undefined : 24;
  const labels: string[] = [];
  let previous: Fields | undefined;
  for (const value of values) {
    const fields = splitSexagesimal(value * secondsPerUnit, step, turn);
    let from = 0;
    if (previous !== undefined && previous.negative === fields.negative) {
      while (from < fields.shown - 1 && previous.parts[from] === fields.parts[from]) from += 1;
    }
    labels.push(joinFields(fields, symbols, from, signed));
    previous = fields;
  }
  return labels;
}

/** Right ascension (degrees, any turn) as 10h27m51.6s with the precision of `stepSeconds`. */
export function formatRightAscension(degrees: number, stepSeconds: number): string {
  const wrapped = ((degrees % 360) + 360) % 360;
  return elidedLabels([wrapped], stepSeconds, 240, ["h", "m", "s"], false)[0] ?? "";
}

/** Declination (degrees) as −43°54′18″ with the precision of `stepArcsec`. */
export function formatDeclination(degrees: number, stepArcsec: number): string {
  return elidedLabels([degrees], stepArcsec, 3600, ["\u00b0", "\u2032", "\u2033"], true)[0] ?? "";
}

// ---- ticks along the edges of a map ----

export interface EdgeSample {
  /** Position along the edge, map pixels. */
  readonly at: number;
  /** Coordinate value there, unwrapped so it changes continuously along the edge. */
  readonly value: number;
}

/** Samples a coordinate along an edge, unwrapping longitudes across 0/360. */
export function sampleEdge(from: number, to: number, count: number, valueAt: (at: number) => number, isLongitude: boolean): EdgeSample[] {
  const samples: EdgeSample[] = [];
  let previous: number | undefined;
  for (let i = 0; i <= count; i += 1) {
    const at = from + ((to - from) * i) / count;
    let value = valueAt(at);
    if (!Number.isFinite(value)) continue;
    if (isLongitude && previous !== undefined) value += 360 * Math.round((previous - value) / 360);
    samples.push({ at, value });
    previous = value;
  }
  return samples;
}

/** The positions where the sampled coordinate crosses each multiple of `step`, in edge order. */
export function crossings(samples: readonly EdgeSample[], step: number): { at: number; value: number }[] {
  const found: { at: number; value: number }[] = [];
  for (let i = 1; i < samples.length; i += 1) {
    const a = samples[i - 1];
    const b = samples[i];
    if (a === undefined || b === undefined || a.value === b.value) continue;
    const lo = Math.min(a.value, b.value);
    const hi = Math.max(a.value, b.value);
    for (let k = Math.ceil(lo / step - 1e-9); k <= Math.floor(hi / step + 1e-9); k += 1) {
      const value = k * step;
      const at = a.at + ((value - a.value) / (b.value - a.value)) * (b.at - a.at);
      if (found.some((f) => Math.abs(f.value - value) < step * 1e-6)) continue;
      found.push({ at, value });
    }
  }
  return found.sort((p, q) => p.at - q.at);
}

/** Equatorial axes are sexagesimal; other frames (Galactic) in decimal degrees. */
export type SkyAxisKind = "ra" | "dec" | "lon-degrees" | "lat-degrees";

/**
 * Chooses the step of a sky axis so that at most `maxTicks` ticks fall on the edge (and at
 * least two where the edge allows), then places and labels them.
 */
export function skyEdgeTicks(samples: readonly EdgeSample[], kind: SkyAxisKind, maxTicks: number): Tick[] {
  if (samples.length < 2) return [];
  const values = samples.map((s) => s.value);
  const span = Math.max(...values) - Math.min(...values);
  if (!(span > 0)) return [];
  if (kind === "lon-degrees" || kind === "lat-degrees") {
    const { step } = linearTicks(0, span, maxTicks);
    return crossings(samples, step).map((c) => {
      const value = kind === "lon-degrees" ? ((c.value % 360) + 360) % 360 : c.value;
      return { at: c.at, value, label: `${formatTickNumber(value, step)}\u00b0` };
    });
  }
  const secondsPerDegree = kind === "ra" ? 240 : 3600;
  const steps = kind === "ra" ? RA_STEPS : DEC_STEPS;
  const spanSeconds = span * secondsPerDegree;
  let chosen = steps[steps.length - 1] ?? 1;
  for (const s of steps) {
    if (spanSeconds / s <= maxTicks * (1 + 1e-9)) {
      chosen = s;
      break;
    }
  }
  const found = crossings(samples, chosen / secondsPerDegree);
  const symbols: [string, string, string] = kind === "ra" ? ["h", "m", "s"] : ["\u00b0", "\u2032", "\u2033"];
  const shownValues = found.map((c) => (kind === "ra" ? ((c.value % 360) + 360) % 360 : c.value));
  const labels = elidedLabels(shownValues, chosen, secondsPerDegree, symbols, kind === "dec");
  return found.map((c, i) => ({ at: c.at, value: shownValues[i] ?? c.value, label: labels[i] ?? "" }));
}

// ---- scale bar ----

const SCALE_LENGTHS_ARCSEC = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 18000, 36000];

/** An angle as ALMA users write it: 0.5″, 10″, 2′, 1°. */
export function formatAngle(arcsec: number): string {
  const trim = (v: number): string => String(Number(v.toPrecision(3)));
  if (arcsec >= 3600) return `${trim(arcsec / 3600)}\u00b0`;
  if (arcsec >= 60) return `${trim(arcsec / 60)}\u2032`;
  return `${trim(arcsec)}\u2033`;
}

/** The longest round angle no longer than `fraction` of the map width, and its label. */
export function scaleBarLength(mapWidthArcsec: number, fraction = 0.25): { readonly arcsec: number; readonly label: string } {
  const limit = mapWidthArcsec * fraction;
  let chosen = SCALE_LENGTHS_ARCSEC[0] ?? 1;
  for (const length of SCALE_LENGTHS_ARCSEC) if (length <= limit) chosen = length;
  return { arcsec: chosen, label: formatAngle(chosen) };
}
