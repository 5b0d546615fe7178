/**
 * Previews of a FITS image, as plane consumers of the shared passes (`runPlanePasses`): a
 * figure for people (the map with sky axes, colour bar, beam and scale bar; for a cube the
 * peak map and the spectrum at its peak) and a small thumbnail. Memory is the peak map and
 * one value per channel, whatever the size of the cube; `finish()` draws and writes the PNGs.
 *
 *     const previews = previewConsumers({ file, hdu, wcs, beams, out: previewPaths(dir, file) });
 *     await runPlanePasses(layout, () => readPlanes(file), [...others, ...previews.consumers]);
 *     const written = await previews.finish();
 */
import { basename, join } from "node:path";
import { headerString } from "../../fits/header.js";
import type { BeamTable, FitsHduInfo } from "../../fits/reader.js";
import { SPEED_OF_LIGHT } from "../../fits/wcs/spectral.js";
import type { Wcs } from "../../fits/wcs/wcs.js";
import type { PlaneConsumer } from "../plane-pass.js";
import { colourMap, ColourMapName } from "./colour-map.js";
import { displayUnit, drawFigure, type DisplayUnit, type FigureLayout, type SpectrumPanel } from "./figure.js";
import { almaBand, channelBeam, channelFrequency, channelSpectralValue, imageGeometry, mapSky, radioVelocity, type Beam, type ImageGeometry, type MapSky } from "./image-geometry.js";
import { PeakMapConsumer, type MapPeak } from "./peak-map.js";
import { encodeRgbPng, writePng } from "./png.js";
import { colourize, resampleMap } from "./raster.js";
import { robustStretch, type Stretch } from "./stretch.js";
import { formatAngle, formatDeclination, formatRightAscension } from "./ticks.js";

export interface PreviewPaths {
  /** The figure: map, axes, colour bar (and the spectrum of a cube). */
  readonly figure: string;
  /** The small picture of the map alone. */
  readonly thumbnail: string;
}

/** Where the previews of `fitsPath` go in `folder`: `<name>.preview.png` and `<name>.thumb.png`. */
export function previewPaths(folder: string, fitsPath: string): PreviewPaths {
  const name = basename(fitsPath).replace(/\.fits?(\.gz)?$/i, "");
  return { figure: join(folder, `${name}.preview.png`), thumbnail: join(folder, `${name}.thumb.png`) };
}

export interface PreviewInput {
  /** The FITS file, named in the footer and used as title when OBJECT is blank. */
  readonly file: string;
  /** The image HDU the planes come from. */
  readonly hdu: FitsHduInfo;
  /** Its WCS; `undefined` draws pixel axes and no beam or scale bar. */
  readonly wcs: Wcs | undefined;
  /** CASA's per-channel beams, when the file has a BEAMS table. */
  readonly beams?: BeamTable | undefined;
  readonly out: PreviewPaths;
  readonly colourMap?: ColourMapName;
  /** Longer side of the thumbnail, pixels (default 128). */
  readonly thumbnailSize?: number;
}

export interface WrittenPng {
  readonly path: string;
  readonly width: number;
  readonly height: number;
}

export interface PreviewSpectrum {
  /** Per channel, in file order: frequency (Hz) where the spectral axis gives one, else null. */
  readonly frequencyHz: readonly (number | null)[];
  /** Per channel, the value at the peak pixel, data units (BUNIT). */
  readonly values: readonly number[];
}

export interface PreviewProducts {
  readonly kind: "image" | "cube";
  readonly figure: WrittenPng;
  readonly thumbnail: WrittenPng;
  /** The brightest pixel of the map (0-based pixel and channel) and its sky position; `undefined` for an all-blank image. */
  readonly peak: (MapPeak & { readonly lon?: number; readonly lat?: number }) | undefined;
  readonly beam: Beam | undefined;
  readonly stretch: Stretch | undefined;
  /** The cube's spectrum at the peak pixel. */
  readonly spectrum: PreviewSpectrum | undefined;
  /** The unit values are written in on the figure (the spectrum's y axis and the colour bar). */
  readonly unit: DisplayUnit;
  /** Where things are on the figure, for anyone who needs to find them again. */
  readonly layout: FigureLayout;
}

export interface PreviewSet {
  readonly consumers: readonly PlaneConsumer[];
  finish(): Promise<PreviewProducts>;
}

export function previewConsumers(input: PreviewInput): PreviewSet {
  const geometry = imageGeometry(input.hdu, input.wcs);
  const maps = new PeakMapConsumer(geometry);
  return {
    consumers: [maps],
    finish: () => finishPreviews(input, geometry, maps),
  };
}

function frequencyText(hz: number): string {
  return hz >= 1e9 ? `${(hz / 1e9).toFixed(3)} GHz` : `${(hz / 1e6).toFixed(3)} MHz`;
}

function subtitleOf(input: PreviewInput, geometry: ImageGeometry, frequencies: readonly (number | undefined)[], beam: Beam | undefined, peakText: string): string {
  const parts: string[] = [];
  const telescope = (headerString(input.hdu.header, "TELESCOP") ?? "").trim();
  const known = frequencies.filter((f): f is number => f !== undefined);
  const first = known[0];
  if (telescope !== "") {
    const band = first !== undefined && telescope.toUpperCase().includes("ALMA") ? almaBand(first) : undefined;
    parts.push(band === undefined ? telescope : `${telescope} Band ${band}`);
  }
  if (known.length > 1) {
    const lo = Math.min(...known);
    const hi = Math.max(...known);
    const width = (hi - lo) / (known.length - 1);
    parts.push(`${frequencyText(lo)} \u2013 ${frequencyText(hi)}, ${geometry.channels} channels of ${width >= 1e6 ? `${(width / 1e6).toPrecision(3)} MHz` : `${(width / 1e3).toPrecision(3)} kHz`}`);
  } else if (first !== undefined) {
    parts.push(frequencyText(first));
  } else if (geometry.channels > 1) {
    parts.push(`${geometry.channels} channels`);
  }
  if (geometry.stokesName !== undefined) parts.push(`Stokes ${geometry.stokesName}`);
  if (beam !== undefined) parts.push(`beam ${formatAngle(beam.majorArcsec)} \u00d7 ${formatAngle(beam.minorArcsec)}, PA ${beam.positionAngle.toFixed(0)}\u00b0`);
  parts.push(peakText);
  return parts.join("  \u00b7  ");
}

function skyText(sky: MapSky | undefined, x: number, y: number): string {
  if (sky === undefined) return `pixel (${x + 1}, ${y + 1})`;
  const at = sky.at(x, y);
  if (sky.bottom === "ra" || sky.left === "ra") return `${formatRightAscension(at.lon, 0.01)} ${formatDeclination(at.lat, 0.1)}`;
  return `${at.lon.toFixed(4)}\u00b0 ${at.lat >= 0 ? "+" : "\u2212"}${Math.abs(at.lat).toFixed(4)}\u00b0`;
}

/** The unit of the spectrum's frequency axis: GHz for ALMA, MHz below 1 GHz. */
export function spectrumFrequencyScale(frequencies: readonly (number | undefined)[]): { readonly hz: number; readonly unit: string } {
  const highest = Math.max(0, ...frequencies.filter((f): f is number => f !== undefined));
  return highest >= 1e9 ? { hz: 1e9, unit: "GHz" } : { hz: 1e6, unit: "MHz" };
}

function spectrumPanel(input: PreviewInput, geometry: ImageGeometry, frequencies: readonly (number | undefined)[], values: Float64Array, peak: MapPeak, sky: MapSky | undefined): SpectrumPanel {
  const all = frequencies.every((f) => f !== undefined);
  const spectral = input.wcs?.spectral;
  const rest = spectral?.restFrequency;
  const title = `Spectrum at the peak, ${skyText(sky, peak.x, peak.y)}`;
  const peakChannel = peak.channel;
  if (all) {
    const frame = spectral?.specsys === undefined ? "" : `, ${spectral.specsys}`;
    const scale = spectrumFrequencyScale(frequencies);
    const x = frequencies.map((f) => (f ?? Number.NaN) / scale.hz);
    const panel: SpectrumPanel = { x, values: [...values], xTitle: `Frequency (${scale.unit}${frame})`, peakChannel, title };
    if (rest !== undefined && rest > 0) {
      return {
        ...panel,
        top: {
          title: `Radio velocity (km/s), rest frequency ${frequencyText(rest)}`,
          topOf: (f) => radioVelocity(f * scale.hz, rest) / 1e3,
          xOf: (kms) => (rest * (1 - (kms * 1e3) / SPEED_OF_LIGHT)) / scale.hz,
        },
      };
    }
    return panel;
  }
  // A velocity axis without a rest frequency: the spectrum against its own velocities.
  const velocities = Array.from({ length: geometry.channels }, (_, c) => channelSpectralValue(geometry, input.wcs, c));
  if (spectral !== undefined && spectral.kind !== "FREQ" && velocities.every((v) => v !== undefined)) {
    const convention = spectral.kind === "VRAD" ? "radio velocity" : spectral.kind === "VOPT" ? "optical velocity" : "velocity";
    const frame = spectral.specsys === undefined ? "" : `, ${spectral.specsys}`;
    return { x: velocities.map((v) => (v ?? Number.NaN) / 1e3), values: [...values], xTitle: `${convention[0]?.toUpperCase() ?? ""}${convention.slice(1)} (km/s${frame})`, peakChannel, title };
  }
  const x = Array.from({ length: geometry.channels }, (_, i) => i + 1);
  return { x, values: [...values], xTitle: "Channel", peakChannel, title };
}

async function finishPreviews(input: PreviewInput, geometry: ImageGeometry, maps: PeakMapConsumer): Promise<PreviewProducts> {
  const map = { data: maps.map, width: geometry.width, height: geometry.height };
  const stretch = robustStretch(maps.map);
  const peak = maps.peak;
  const sky = mapSky(geometry, input.wcs);
  const beam = channelBeam(input.hdu, geometry, input.beams, peak?.channel ?? 0);
  const frequencies = Array.from({ length: geometry.channels }, (_, c) => channelFrequency(geometry, input.wcs, c));
  const bunit = headerString(input.hdu.header, "BUNIT");
  const unit = displayUnit(bunit, Math.max(Math.abs(stretch?.low ?? 0), Math.abs(stretch?.high ?? 0)));
  const cube = maps.isCube;
  const object = (headerString(input.hdu.header, "OBJECT") ?? "").trim();
  const show = (v: number): string => `${Number((v * unit.factor).toPrecision(3))} ${unit.factor === 1 && bunit === undefined ? "(no BUNIT)" : unit.label}`;
  const peakText =
    peak === undefined || stretch === undefined ? "all pixels blank" : cube ? `peak ${show(peak.value)}` : `peak ${show(peak.value)}, rms ${show(stretch.noise)} (MAD)`;
  const btype = (headerString(input.hdu.header, "BTYPE") ?? "").trim();
  const quantity = cube ? `Peak ${btype === "" ? "intensity" : btype.toLowerCase()}` : btype === "" ? "Intensity" : btype;
  const name = basename(input.file);
  const figure = drawFigure({
    map,
    stretch,
    colourMap: colourMap(input.colourMap ?? ColourMapName.Inferno),
    sky,
    beam,
    unit,
    title: `${object === "" ? name : object}${cube ? "  \u2014  peak intensity and spectrum" : ""}`,
    subtitle: subtitleOf(input, geometry, frequencies, beam, peakText),
    footer: `${name}  \u00b7  ${cube ? `max over ${geometry.channels} channels per pixel` : "image"}, ${input.colourMap ?? "inferno"} colour map, asinh stretch from the 0.5th percentile to the peak  \u00b7  reimage`,
    quantity,
    marker: cube && peak !== undefined ? { x: peak.x, y: peak.y } : undefined,
    spectrum: cube && peak !== undefined && maps.hasSpectrum ? spectrumPanel(input, geometry, frequencies, maps.spectrum, peak, sky) : undefined,
  });
  const text = { Title: object === "" ? name : object, Source: name, Software: "reimage" };
  await writePng(input.out.figure, encodeRgbPng(figure.width, figure.height, figure.rgba, text));

  const size = input.thumbnailSize ?? 128;
  const zoom = size / Math.max(geometry.width, geometry.height, 1);
  const tw = Math.max(1, Math.round(geometry.width * zoom));
  const th = Math.max(1, Math.round(geometry.height * zoom));
  const thumb = colourize(resampleMap(map, zoom, tw, th), stretch, colourMap(input.colourMap ?? ColourMapName.Inferno));
  await writePng(input.out.thumbnail, encodeRgbPng(tw, th, thumb, text));

  const peakSky = peak === undefined || sky === undefined ? undefined : sky.at(peak.x, peak.y);
  return {
    kind: cube ? "cube" : "image",
    figure: { path: input.out.figure, width: figure.width, height: figure.height },
    thumbnail: { path: input.out.thumbnail, width: tw, height: th },
    peak: peak === undefined ? undefined : peakSky === undefined ? peak : { ...peak, lon: peakSky.lon, lat: peakSky.lat },
    beam,
    stretch,
    spectrum: cube && maps.hasSpectrum ? { frequencyHz: frequencies.map((f) => f ?? null), values: [...maps.spectrum] } : undefined,
    unit,
    layout: figure.layout,
  };
}

/** What `reimage products --json` says of the previews: the files, and the peak and beam they show. */
export interface PreviewSummary {
  readonly figure: string;
  readonly thumbnail: string;
  readonly kind: "image" | "cube";
  readonly figureSize: readonly [number, number];
  readonly thumbnailSize: readonly [number, number];
  /** 0-based pixel and channel of the map's brightest pixel, its value (BUNIT) and sky position (deg); null if all blank. */
  readonly peak: { readonly x: number; readonly y: number; readonly channel: number; readonly value: number; readonly lon: number | null; readonly lat: number | null } | null;
  readonly beam: Beam | null;
  /** Display limits of the colour map, BUNIT. */
  readonly stretch: { readonly low: number; readonly high: number; readonly softening: number } | null;
}

export function summarizePreviews(p: PreviewProducts): PreviewSummary {
  return {
    figure: p.figure.path,
    thumbnail: p.thumbnail.path,
    kind: p.kind,
    figureSize: [p.figure.width, p.figure.height],
    thumbnailSize: [p.thumbnail.width, p.thumbnail.height],
    peak: p.peak === undefined ? null : { x: p.peak.x, y: p.peak.y, channel: p.peak.channel, value: p.peak.value, lon: p.peak.lon ?? null, lat: p.peak.lat ?? null },
    beam: p.beam ?? null,
    stretch: p.stretch === undefined ? null : { low: p.stretch.low, high: p.stretch.high, softening: p.stretch.softening },
  };
}
