/**
 * The ADMIT-style analysis of one cube, streamed: each stage reads the cube plane by plane
 * (one plane in memory, plus 2-D maps and per-channel vectors), and what a stage learns
 * decides what the next one reads for.
 *
 *   pass 1  cube statistics and the peak map                      (stage 1)
 *   pass 2  spectra at the brightest pixel and over the source    (stage 2)
 *           -> line finding (3) and identification (4), no pixels read
 *   pass 3  the continuum per pixel from line-free channels       (only when there is one)
 *   pass 4  moment 0, 1 and 2 of every line                       (stage 5)
 *   pass 5  the position-velocity slice of every line             (stage 6)
 *
 * then the summary (stage 7): JSON, CSV tables, PNG plots and an HTML page in `outDir`.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ErrorCode, ReimageError } from "../domain/index.js";
import { imageLayout, readFitsInfo, readPlane, readPlanes, type FitsHduInfo } from "../fits/reader.js";
import { pixelToWorld, wcsFromHeader } from "../fits/wcs/wcs.js";
import { runPlanePasses, type PlaneConsumer } from "../products/plane-pass.js";
import { exactMedian } from "../products/statistics/robust.js";
import { cubeGeometry, radioVelocity, type CubeGeometry } from "./cube-geometry.js";
import { CubeStatisticsConsumer, type CubeStatistics } from "./cube-statistics.js";
import { writeMap, writePv } from "./fits-outputs.js";
import { DEFAULT_LINE_FINDING, findLines, SIGMA_TO_FWHM, type FoundLine, type LineFindingOptions, type LineSearch } from "./line-finding.js";
import { DEFAULT_IDENTIFICATION, identifyLines, type Identification, type IdentificationOptions, type LineCatalogue } from "./line-identification.js";
import { ContinuumConsumer, majorAxisCut, MomentsConsumer, PvConsumer, type Continuum, type MomentMaps, type PvSlice } from "./moments.js";
import { drawLinePlot, drawMap } from "./plots.js";
import { sourceMask, sourceThreshold, SpectraConsumer, type Spectra } from "./spectra.js";
import { summaryPage } from "./summary-page.js";

export interface AnalysisOptions {
  readonly lineFinding: LineFindingOptions;
  readonly identification: IdentificationOptions;
  /** Moment maps count pixels at or above this many times the cube's noise. */
  readonly momentClip: number;
  /** Remove a per-pixel continuum before moments: always, never, or when the brightest pixel has one. */
  readonly continuum: "auto" | "subtract" | "keep";
  /** Signal-to-noise that bounds the source for the integrated spectrum (raised for many channels, see sourceThreshold). */
  readonly sourceSignificance: number;
  readonly catalogue?: LineCatalogue | undefined;
  /**
   * The primary beam of a primary-beam-corrected cube (its `.pb.fits`): the source is then
   * sought in signal-to-noise of value x pb, so the noise rising toward the field edge is not
   * taken for signal. Its middle channel is used for every channel.
   */
  readonly primaryBeam?: string | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly onProgress?: ((line: string) => void) | undefined;
}

export const DEFAULT_ANALYSIS: AnalysisOptions = {
  lineFinding: DEFAULT_LINE_FINDING,
  identification: DEFAULT_IDENTIFICATION,
  momentClip: 3,
  continuum: "auto",
  sourceSignificance: 5,
};

export interface AnalysedLine {
  /** A file-name-safe label: `CO_1-0_115.271` or `U_114.7` when unidentified. */
  readonly label: string;
  readonly kind: "emission" | "absorption";
  readonly channels: readonly [number, number];
  /** Fitted (else centroid) centre, Hz, in the cube's frame. */
  readonly frequency: number;
  readonly fwhmHz: number | undefined;
  readonly fwhmKms: number | undefined;
  readonly peak: number;
  readonly peakSnr: number;
  /** Integrated flux over the line in the integrated spectrum, its unit x km/s. */
  readonly integratedFlux: number | undefined;
  /** Which spectrum measured it. */
  readonly measuredOn: "integrated" | "peak-pixel";
  readonly identification:
    | {
        readonly species: string;
        readonly chemicalName: string;
        readonly quantumNumbers: string;
        readonly restFrequency: number;
        readonly upperEnergyK: number | undefined;
        readonly velocityKms: number;
        readonly ambiguous: boolean;
        readonly alternatives: readonly { readonly species: string; readonly quantumNumbers: string; readonly restFrequency: number; readonly velocityKms: number }[];
      }
    | undefined;
  readonly moments: {
    readonly restFrequency: number;
    readonly threshold: number;
    readonly channelWidthKms: number;
    readonly pixels: number;
    readonly peakMoment0: number;
    readonly files: { readonly moment0: string; readonly moment1: string; readonly moment2: string; readonly moment0Png: string; readonly moment1Png: string; readonly moment2Png: string };
  };
  readonly pv:
    | { readonly positionAngle: number; readonly centre: { readonly x: number; readonly y: number; readonly ra: number | undefined; readonly dec: number | undefined }; readonly lengthArcsec: number; readonly fits: string; readonly png: string }
    | undefined;
}

export interface CubeAnalysis {
  readonly cube: {
    readonly path: string;
    readonly width: number;
    readonly height: number;
    readonly channels: number;
    readonly frequencyRange: readonly [number, number];
    readonly channelWidthHz: number;
    readonly specsys: string | undefined;
    readonly restFrequency: number | undefined;
    readonly bunit: string;
    readonly beam: CubeGeometry["beam"];
    readonly pixelArcsec: number;
  };
  readonly statistics: {
    readonly noise: number;
    readonly peak: number;
    readonly min: number;
    readonly dynamicRange: number;
    readonly brightest: (NonNullable<CubeStatistics["brightest"]> & { readonly ra: number | undefined; readonly dec: number | undefined; readonly frequency: number }) | undefined;
    readonly table: string;
    readonly plot: string;
  };
  readonly spectra: {
    readonly peakPixel: { readonly x: number; readonly y: number };
    readonly sourcePixels: number;
    /** Signal-to-noise that bounds the source on the signal-to-noise map. */
    readonly sourceThresholdSnr: number;
    readonly integratedUnit: string;
    readonly table: string;
    readonly plots: { readonly peakPixel: string; readonly integrated: string };
  };
  readonly lineFinding: {
    readonly options: LineFindingOptions;
    readonly lineFree: readonly { readonly channels: readonly [number, number]; readonly frequencies: readonly [number, number] }[];
  };
  readonly identification: (Omit<Identification, "lines"> & { readonly catalogue: string }) | undefined;
  readonly continuum: { readonly subtracted: boolean; readonly reason: string };
  readonly lines: readonly AnalysedLine[];
  readonly passes: number;
  readonly planesRead: number;
  readonly seconds: number;
  /** Every file written, relative to the output folder. */
  readonly files: readonly string[];
}

/** The primary beam's middle channel as a weight map (NaN and values below 0.05 count as 0), checked against the cube's grid. */
async function primaryBeamWeight(path: string, geometry: CubeGeometry): Promise<Float32Array> {
  const info = await readFitsInfo(path);
  const hdu = imageHdu(info.hdus, path, 2);
  const layout = imageLayout(hdu);
  if (layout.width !== geometry.width || layout.height !== geometry.height) {
    throw new ReimageError(ErrorCode.BadInput, `${path}: the primary beam is ${layout.width}x${layout.height}, the cube ${geometry.width}x${geometry.height}`);
  }
  const plane = await readPlane(path, Math.floor(layout.planeCount / 2), { hdu: hdu.index });
  return Float32Array.from(plane.data, (v) => (v >= 0.05 ? v : 0));
}

function imageHdu(hdus: readonly FitsHduInfo[], path: string, minAxes = 3): FitsHduInfo {
  const hdu = hdus.find((h) => (h.kind === "primary" || h.kind === "image") && h.axes.length >= minAxes && h.dataBytes > 0);
  if (hdu === undefined) throw new ReimageError(ErrorCode.BadInput, `${path}: no image HDU with ${minAxes} or more axes`);
  return hdu;
}

/** Frequency at a fractional channel, by linear interpolation of the channel frequencies. */
function frequencyAt(geometry: CubeGeometry, channel: number): number {
  const f = geometry.frequencies;
  const i = Math.min(Math.max(Math.floor(channel), 0), f.length - 2);
  const t = channel - i;
  return (f[i] ?? 0) + t * ((f[i + 1] ?? 0) - (f[i] ?? 0));
}

function channelWidthHz(geometry: CubeGeometry): number {
  const f = geometry.frequencies;
  return Math.abs(((f[f.length - 1] ?? 0) - (f[0] ?? 0)) / (f.length - 1));
}

/** Lines from both spectra as one list: overlapping ranges merge; the integrated spectrum's measurement wins. */
export function mergeLines(integrated: LineSearch, peakPixel: LineSearch): { line: FoundLine; on: "integrated" | "peak-pixel"; start: number; end: number }[] {
  const all = [...integrated.lines.map((line) => ({ line, on: "integrated" as const })), ...peakPixel.lines.map((line) => ({ line, on: "peak-pixel" as const }))];
  all.sort((a, b) => a.line.start - b.line.start);
  const merged: { line: FoundLine; on: "integrated" | "peak-pixel"; start: number; end: number }[] = [];
  for (const item of all) {
    const last = merged[merged.length - 1];
    if (last !== undefined && item.line.kind === last.line.kind && item.line.start <= last.end) {
      last.end = Math.max(last.end, item.line.end);
      last.start = Math.min(last.start, item.line.start);
      if (last.on === "peak-pixel" && item.on === "integrated") {
        last.line = item.line;
        last.on = item.on;
      }
      continue;
    }
    merged.push({ ...item, start: item.line.start, end: item.line.end });
  }
  return merged;
}

function safeLabel(text: string): string {
  return text.replace(/[^A-Za-z0-9.+-]+/g, "_").replace(/^_+|_+$/g, "");
}

function csv(header: readonly string[], rows: readonly (readonly (number | string)[])[]): string {
  const cell = (v: number | string): string => (typeof v === "number" ? (Number.isFinite(v) ? String(v) : "") : v);
  return [header.join(","), ...rows.map((r) => r.map(cell).join(","))].join("\n") + "\n";
}

export async function analyseCube(path: string, outDir: string, options: AnalysisOptions = DEFAULT_ANALYSIS): Promise<CubeAnalysis> {
  const started = Date.now();
  const progress = options.onProgress ?? (() => {});
  const info = await readFitsInfo(path);
  const hdu = imageHdu(info.hdus, path);
  const layout = imageLayout(hdu);
  const wcs = wcsFromHeader(hdu.header.values);
  const geometry = cubeGeometry(hdu, wcs, path);
  await mkdir(outDir, { recursive: true });
  const files: string[] = [];
  const save = async (name: string, content: string | Buffer): Promise<string> => {
    await writeFile(join(outDir, name), content);
    files.push(name);
    return name;
  };
  let passes = 0;
  let planesRead = 0;
  const pass = async (consumers: readonly PlaneConsumer[]): Promise<void> => {
    const report = await runPlanePasses(layout, () => readPlanes(path, { hdu: hdu.index }), consumers, options.signal === undefined ? { maxPasses: 1 } : { maxPasses: 1, signal: options.signal });
    passes += report.passes;
    planesRead += report.planesRead;
  };
  const sky = (x: number, y: number): { ra: number | undefined; dec: number | undefined } => {
    const c = wcs.celestial;
    if (c === undefined) return { ra: undefined, dec: undefined };
    const pixel = wcs.crpix.map((p) => p - 1);
    pixel[0] = x;
    pixel[1] = y;
    const world = pixelToWorld(wcs, pixel);
    return { ra: world[c.lonAxis], dec: world[c.latAxis] };
  };

  // Stage 1.
  progress(`${path}: cube statistics (${geometry.width}x${geometry.height}x${geometry.channels})`);
  const weight = options.primaryBeam === undefined ? undefined : await primaryBeamWeight(options.primaryBeam, geometry);
  const statsConsumer = new CubeStatisticsConsumer(geometry, weight);
  await pass([statsConsumer]);
  const stats = statsConsumer.result();
  const brightest = stats.brightest;
  if (brightest === undefined) throw new ReimageError(ErrorCode.BadInput, `${path}: every pixel of the Stokes I planes is blank`);
  const frequenciesGHz = Array.from(geometry.frequencies, (f) => f / 1e9);
  const statsTable = await save(
    "cubestats.csv",
    csv(
      ["channel", "frequency_hz", "median", "rms", "peak", "min", "pixels"],
      stats.channels.map((c) => [c.channel, c.frequency, c.median, c.rms, c.peak, c.min, c.pixels]),
    ),
  );
  const statsPlot = await save(
    "cubestats.png",
    drawLinePlot({
      title: "Per-channel robust rms and peak",
      xLabel: `frequency (GHz, ${geometry.specsys ?? "frame unknown"})`,
      yLabel: geometry.bunit || "value",
      series: [
        { label: "peak", x: frequenciesGHz, y: stats.channels.map((c) => c.peak), colour: "#d62728" },
        { label: "rms (1.4826 MAD)", x: frequenciesGHz, y: stats.channels.map((c) => c.rms), colour: "#1f77b4" },
      ],
      levels: [{ value: stats.noise, label: "noise", colour: "#1f77b4" }],
    }),
  );

  // Stage 2.
  progress(`${path}: spectra`);
  // The source is found on the signal-to-noise map, so a noisy channel (a band edge) is not mistaken for it.
  const seed = stats.mostSignificant ?? brightest;
  const threshold = sourceThreshold(1, geometry.channels, options.sourceSignificance);
  const mask = sourceMask(statsConsumer.snrMap, geometry.width, geometry.height, seed, threshold);
  const spectraConsumer = new SpectraConsumer(geometry, seed, mask);
  await pass([spectraConsumer]);
  const spectra: Spectra = spectraConsumer.result();

  // Stage 3: a single pixel's noise is the channel's rms; the integrated spectrum measures its own.
  const channelNoise = Float64Array.from(stats.channels, (c) => c.rms);
  const peakSearch = findLines(spectra.peakPixel, channelNoise, options.lineFinding);
  const typical = exactMedian(channelNoise);
  const integratedSearch = findLines(spectra.integrated, undefined, options.lineFinding, channelNoise.map((r) => r / typical));
  const merged = mergeLines(integratedSearch, peakSearch);
  const inLine = new Uint8Array(geometry.channels);
  for (const m of merged) for (let c = m.start; c <= m.end; c += 1) inLine[c] = 1;
  const lineFree: [number, number][] = [];
  for (let c = 0; c < geometry.channels; ) {
    if (inLine[c] === 1) {
      c += 1;
      continue;
    }
    let e = c;
    while (e + 1 < geometry.channels && inLine[e + 1] === 0) e += 1;
    lineFree.push([c, e]);
    c = e + 1;
  }
  const chanHz = channelWidthHz(geometry);
  const observed = merged.map((m) => {
    const centreChannel = m.line.gaussian?.centre ?? m.line.centroid;
    const a = frequencyAt(geometry, m.start);
    const b = frequencyAt(geometry, m.end);
    return {
      centre: frequencyAt(geometry, centreChannel),
      low: Math.min(a, b) - chanHz / 2,
      high: Math.max(a, b) + chanHz / 2,
      strength: Math.abs(m.line.peakSnr),
    };
  });

  // Stage 4.
  let identification: Identification | undefined;
  if (options.catalogue !== undefined && merged.length > 0) {
    progress(`${path}: identifying ${merged.length} line(s)`);
    identification = identifyLines(observed, options.catalogue, options.identification);
  }

  // Continuum: subtracted per pixel when the brightest pixel's baseline stands above the noise.
  const baselineAtPeak = Math.abs(peakSearch.baseline[seed.channel] ?? 0);
  let subtract = options.continuum === "subtract";
  let reason = options.continuum === "subtract" ? "asked for" : "asked not to";
  if (options.continuum === "auto") {
    subtract = baselineAtPeak > 3 * stats.noise;
    reason = `the brightest pixel's baseline is ${(baselineAtPeak / stats.noise).toFixed(1)} sigma (subtracted above 3)`;
  }
  if (subtract && lineFree.length === 0) {
    subtract = false;
    reason = "no line-free channels to fit it on";
  }
  let continuum: Continuum | undefined;
  if (subtract && merged.length > 0) {
    progress(`${path}: continuum from ${lineFree.length} line-free range(s)`);
    const consumer = new ContinuumConsumer(geometry, lineFree);
    await pass([consumer]);
    continuum = consumer.model();
  }

  // Stage 5.
  const momentThreshold = options.momentClip * stats.noise;
  const windows = merged.map((m, k) => {
    const id = identification?.lines[k]?.best;
    return {
      start: m.start,
      end: m.end,
      restFrequency: id?.transition.restFrequency ?? geometry.restFrequency ?? observed[k]?.centre ?? 1,
      threshold: momentThreshold,
    };
  });
  let maps: MomentMaps[] = [];
  if (windows.length > 0) {
    progress(`${path}: moments of ${windows.length} line(s)`);
    const consumer = new MomentsConsumer(geometry, windows, continuum);
    await pass([consumer]);
    maps = consumer.result();
  }

  // Stage 6.
  const eastIsMinusX = (wcs.matrix[0] ?? -1) < 0;
  const beamPixels = geometry.beam === undefined ? 2 : geometry.beam.major / geometry.pixelArcsec;
  const cuts = maps.map((m) => {
    const cut = majorAxisCut(m.moment0, geometry.width, geometry.height, eastIsMinusX, beamPixels);
    const span = m.window.end - m.window.start + 1;
    const margin = Math.max(2, Math.ceil(span / 2));
    return cut === undefined ? undefined : { cut, start: Math.max(0, m.window.start - margin), end: Math.min(geometry.channels - 1, m.window.end + margin) };
  });
  let slices: (PvSlice | undefined)[] = [];
  const defined = cuts.filter((c): c is NonNullable<typeof c> => c !== undefined);
  if (defined.length > 0) {
    progress(`${path}: position-velocity slices`);
    const consumer = new PvConsumer(geometry, defined, continuum);
    await pass([consumer]);
    const results = consumer.result();
    let next = 0;
    slices = cuts.map((c) => (c === undefined ? undefined : results[next++]));
  }

  // Outputs per line.
  const lines: AnalysedLine[] = [];
  for (let k = 0; k < merged.length; k += 1) {
    const m = merged[k] as (typeof merged)[number];
    const o = observed[k] as (typeof observed)[number];
    const map = maps[k] as MomentMaps;
    const identity = identification?.lines[k];
    const best = identity?.best;
    const label = safeLabel(best === undefined ? `U_${(o.centre / 1e9).toFixed(3)}` : `${best.transition.species}_${best.transition.quantumNumbers}_${(best.transition.restFrequency / 1e9).toFixed(3)}`);
    const sigmaChannels = m.line.gaussian?.sigma;
    const fwhmHz = sigmaChannels === undefined ? undefined : sigmaChannels * SIGMA_TO_FWHM * chanHz;
    const fwhmKms = fwhmHz === undefined ? undefined : (fwhmHz / (best?.transition.restFrequency ?? o.centre)) * 299_792.458;
    let integratedFlux: number | undefined;
    if (m.on === "integrated" || integratedSearch.lines.length > 0) {
      let sum = 0;
      for (let c = m.start; c <= m.end; c += 1) sum += (spectra.integrated[c] ?? 0) - (integratedSearch.baseline[c] ?? 0);
      integratedFlux = sum * map.channelWidth;
    }
    const unit = `${geometry.bunit || "unit"}.km/s`;
    const common = [
      { keyword: "LINE", value: label },
      { keyword: "RESTFRQ", value: map.window.restFrequency },
      { keyword: "CHANMIN", value: m.start, comment: "first channel (0-based)" },
      { keyword: "CHANMAX", value: m.end, comment: "last channel (0-based)" },
      { keyword: "CLIPLEV", value: map.window.threshold, comment: "pixels below were left out" },
    ];
    const base = `line-${k + 1}-${label}`;
    await writeMap(join(outDir, `${base}.mom0.fits`), hdu.header, geometry.width, geometry.height, map.moment0, [{ keyword: "BUNIT", value: unit }, ...common]);
    await writeMap(join(outDir, `${base}.mom1.fits`), hdu.header, geometry.width, geometry.height, map.moment1, [{ keyword: "BUNIT", value: "km/s" }, ...common]);
    await writeMap(join(outDir, `${base}.mom2.fits`), hdu.header, geometry.width, geometry.height, map.moment2, [{ keyword: "BUNIT", value: "km/s" }, ...common]);
    files.push(`${base}.mom0.fits`, `${base}.mom1.fits`, `${base}.mom2.fits`);
    const title = best === undefined ? `unidentified line at ${(o.centre / 1e9).toFixed(4)} GHz` : `${best.transition.species} ${best.transition.quantumNumbers}`;
    const mom0Png = await save(`${base}.mom0.png`, drawMap({ title: `${title}: moment 0`, unit, data: map.moment0, width: geometry.width, height: geometry.height }));
    const mom1Png = await save(`${base}.mom1.png`, drawMap({ title: `${title}: moment 1`, unit: "km/s", data: map.moment1, width: geometry.width, height: geometry.height }));
    const mom2Png = await save(`${base}.mom2.png`, drawMap({ title: `${title}: moment 2`, unit: "km/s", data: map.moment2, width: geometry.width, height: geometry.height }));
    let peakMoment0 = Number.NaN;
    for (const v of map.moment0) if (!(v <= peakMoment0)) peakMoment0 = Number.isFinite(v) ? v : peakMoment0;

    let pv: AnalysedLine["pv"];
    const slice = slices[k];
    if (slice !== undefined) {
      const samples = 2 * slice.cut.half + 1;
      const channels = slice.end - slice.start + 1;
      const f0 = geometry.frequencies[slice.start] ?? 0;
      const step = channels > 1 ? ((geometry.frequencies[slice.end] ?? 0) - f0) / (channels - 1) : chanHz;
      const centreSky = sky(slice.cut.x, slice.cut.y);
      await writePv(
        join(outDir, `${base}.pv.fits`),
        hdu.header,
        { samples, channels, offsetStep: geometry.pixelArcsec, centreSample: slice.cut.half, frequency0: f0, frequencyStep: step },
        slice.data,
        [
          { keyword: "PVPA", value: slice.cut.positionAngle, comment: "position angle of the cut, deg E of N" },
          ...(centreSky.ra === undefined || centreSky.dec === undefined
            ? []
            : [
                { keyword: "PVRA", value: centreSky.ra, comment: "centre of the cut, deg" },
                { keyword: "PVDEC", value: centreSky.dec, comment: "centre of the cut, deg" },
              ]),
          { keyword: "LINE", value: label },
        ],
      );
      files.push(`${base}.pv.fits`);
      const pvPng = await save(
        `${base}.pv.png`,
        drawMap({
          title: `${title}: position-velocity, PA ${slice.cut.positionAngle.toFixed(0)} deg`,
          unit: geometry.bunit,
          data: slice.data,
          width: samples,
          height: channels,
          xLabel: `offset (${geometry.pixelArcsec.toPrecision(3)}" per sample)`,
          yLabel: `channel ${slice.start} to ${slice.end}`,
        }),
      );
      pv = { positionAngle: slice.cut.positionAngle, centre: { x: slice.cut.x, y: slice.cut.y, ...centreSky }, lengthArcsec: (samples - 1) * geometry.pixelArcsec, fits: `${base}.pv.fits`, png: pvPng };
    }
    lines.push({
      label,
      kind: m.line.kind,
      channels: [m.start, m.end],
      frequency: o.centre,
      fwhmHz,
      fwhmKms,
      peak: m.line.peak,
      peakSnr: m.line.peakSnr,
      integratedFlux,
      measuredOn: m.on,
      identification:
        best === undefined
          ? undefined
          : {
              species: best.transition.species,
              chemicalName: best.transition.chemicalName,
              quantumNumbers: best.transition.quantumNumbers,
              restFrequency: best.transition.restFrequency,
              upperEnergyK: best.transition.upperEnergyK,
              velocityKms: radioVelocity(o.centre, best.transition.restFrequency),
              ambiguous: identity?.ambiguous ?? false,
              alternatives: (identity?.alternatives ?? []).map((a) => ({
                species: a.transition.species,
                quantumNumbers: a.transition.quantumNumbers,
                restFrequency: a.transition.restFrequency,
                velocityKms: a.velocity,
              })),
            },
      moments: {
        restFrequency: map.window.restFrequency,
        threshold: map.window.threshold,
        channelWidthKms: map.channelWidth,
        pixels: map.pixels,
        peakMoment0,
        files: { moment0: `${base}.mom0.fits`, moment1: `${base}.mom1.fits`, moment2: `${base}.mom2.fits`, moment0Png: mom0Png, moment1Png: mom1Png, moment2Png: mom2Png },
      },
      pv,
    });
  }

  // Spectra tables and plots, with the lines shaded and named.
  const bands = lines.map((l) => ({
    from: (geometry.frequencies[l.channels[0]] ?? 0) / 1e9,
    to: (geometry.frequencies[l.channels[1]] ?? 0) / 1e9,
    label: l.identification?.species ?? "?",
  }));
  const velocityRest = identification?.lines[0]?.best?.transition.restFrequency ?? geometry.restFrequency;
  const spectraTable = await save(
    "spectra.csv",
    csv(
      ["channel", "frequency_hz", ...(velocityRest === undefined ? [] : ["radio_velocity_kms"]), "peak_pixel", "integrated", "peak_pixel_baseline", "integrated_baseline"],
      Array.from(geometry.frequencies, (f, c) => [
        c,
        f,
        ...(velocityRest === undefined ? [] : [radioVelocity(f, velocityRest)]),
        spectra.peakPixel[c] ?? Number.NaN,
        spectra.integrated[c] ?? Number.NaN,
        peakSearch.baseline[c] ?? Number.NaN,
        integratedSearch.baseline[c] ?? Number.NaN,
      ]),
    ),
  );
  const xLabel = `frequency (GHz, ${geometry.specsys ?? "frame unknown"})`;
  const peakPlot = await save(
    "spectrum-peak.png",
    drawLinePlot({
      title: `Spectrum at the most significant pixel (${seed.x}, ${seed.y})`,
      xLabel,
      yLabel: geometry.bunit || "value",
      series: [
        { label: "spectrum", x: frequenciesGHz, y: spectra.peakPixel, colour: "#1f77b4", steps: true },
        { label: "baseline", x: frequenciesGHz, y: peakSearch.baseline, colour: "#7f7f7f" },
      ],
      bands,
    }),
  );
  const integratedPlot = await save(
    "spectrum-integrated.png",
    drawLinePlot({
      title: `Spectrum integrated over the source (${spectra.sourcePixels} pixels)`,
      xLabel,
      yLabel: spectra.integratedUnit,
      series: [
        { label: "spectrum", x: frequenciesGHz, y: spectra.integrated, colour: "#1f77b4", steps: true },
        { label: "baseline", x: frequenciesGHz, y: integratedSearch.baseline, colour: "#7f7f7f" },
      ],
      bands,
    }),
  );

  const f = geometry.frequencies;
  const analysis: CubeAnalysis = {
    cube: {
      path,
      width: geometry.width,
      height: geometry.height,
      channels: geometry.channels,
      frequencyRange: [Math.min(f[0] ?? 0, f[f.length - 1] ?? 0), Math.max(f[0] ?? 0, f[f.length - 1] ?? 0)],
      channelWidthHz: chanHz,
      specsys: geometry.specsys,
      restFrequency: geometry.restFrequency,
      bunit: geometry.bunit,
      beam: geometry.beam,
      pixelArcsec: geometry.pixelArcsec,
    },
    statistics: {
      noise: stats.noise,
      peak: stats.peak,
      min: stats.min,
      dynamicRange: stats.dynamicRange,
      brightest: { ...brightest, ...sky(brightest.x, brightest.y), frequency: f[brightest.channel] ?? Number.NaN },
      table: statsTable,
      plot: statsPlot,
    },
    spectra: {
      peakPixel: spectra.peakPixelAt,
      sourcePixels: spectra.sourcePixels,
      sourceThresholdSnr: threshold,
      integratedUnit: spectra.integratedUnit,
      table: spectraTable,
      plots: { peakPixel: peakPlot, integrated: integratedPlot },
    },
    lineFinding: {
      options: options.lineFinding,
      lineFree: lineFree.map(([a, b]) => ({ channels: [a, b] as const, frequencies: [f[a] ?? Number.NaN, f[b] ?? Number.NaN] as const })),
    },
    identification:
      identification === undefined
        ? undefined
        : {
            catalogue: "Splatalogue (casadata)",
            velocity: identification.velocity,
            cz: identification.cz,
            redshift: identification.redshift,
            ambiguous: identification.ambiguous,
            proposals: identification.proposals,
            note: identification.note,
          },
    continuum: { subtracted: continuum !== undefined, reason },
    lines,
    passes,
    planesRead,
    seconds: (Date.now() - started) / 1000,
    files: [...files, "summary.json", "index.html"],
  };
  await writeFile(join(outDir, "summary.json"), JSON.stringify(analysis, null, 2) + "\n");
  await writeFile(join(outDir, "index.html"), summaryPage(analysis));
  return analysis;
}
