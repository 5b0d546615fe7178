/**
 * Draws a preview figure: the map with sky axes, colour bar, beam and scale bar, and for a
 * cube the spectrum at the peak beside it. Drawing uses @napi-rs/canvas (Skia, shipped
 * prebuilt in the npm package, nothing to compile) for antialiased lines and real text in
 * DejaVu Sans, matplotlib's default face, vendored from @fontsource/dejavu-sans (Bitstream
 * Vera licence). The map pixels themselves are coloured here, not by the canvas, so each
 * is exactly the colour of its value.
 *
 * Returns the RGBA pixels and where everything was put (the layout), so callers and tests
 * can find a map pixel, the beam or a channel of the spectrum on the picture.
 */
import { createRequire } from "node:module";
import { createCanvas, GlobalFonts, type SKRSContext2D } from "@napi-rs/canvas";
import { colourIndex, type ColourMap } from "./colour-map.js";
import { beamOutline, type Beam, type MapSky } from "./image-geometry.js";
import { colourize, displayZoom, resampleMap, type MapRaster } from "./raster.js";
import { stretchValue, type Stretch } from "./stretch.js";
import { formatTickNumber, linearTicks, sampleEdge, scaleBarLength, skyEdgeTicks, type SkyAxisKind, type Tick } from "./ticks.js";

const FAMILY = "DejaVu Sans (reimage preview)";
let fontsReady = false;

function ensureFonts(): void {
  if (fontsReady) return;
  const require = createRequire(import.meta.url);
  for (const weight of ["400", "700"]) {
    const path = require.resolve(`@fontsource/dejavu-sans/files/dejavu-sans-latin-${weight}-normal.woff2`);
    GlobalFonts.registerFromPath(path, FAMILY);
  }
  fontsReady = true;
}

const INK = "#222222";
const MUTED = "#5a5a5a";
const FRAME = "#333333";
export const SPECTRUM_RGB = [31, 119, 180] as const;
const SPECTRUM_COLOUR = `rgb(${SPECTRUM_RGB.join(",")})`;
const PEAK_COLOUR = "#d62728";
/** Fill of the beam ellipse, dark on the light box behind it. */
export const BEAM_RGB = [40, 40, 40] as const;

/** How values are written on the picture: BUNIT as astronomers spell it, mJy when the values are small. */
export interface DisplayUnit {
  readonly label: string;
  /** Multiplies a data value into the unit of the label. */
  readonly factor: number;
}

export function displayUnit(bunit: string | undefined, largestMagnitude: number): DisplayUnit {
  const raw = (bunit ?? "").trim();
  const key = raw.toUpperCase().replaceAll(" ", "");
  if (key === "JY/BEAM" || key === "JY/PIXEL" || key === "JY") {
    const per = key === "JY" ? "" : `/${key.slice(3).toLowerCase()}`;
    if (largestMagnitude < 0.5e-3) return { label: `\u00b5Jy${per}`, factor: 1e6 };
    return largestMagnitude < 0.5 ? { label: `mJy${per}`, factor: 1000 } : { label: `Jy${per}`, factor: 1 };
  }
  return { label: raw === "" ? "no BUNIT" : raw, factor: 1 };
}

export interface SpectrumPanel {
  /** One x value per channel (GHz, km/s or channel number, as `xTitle` says); NaN values break the line. */
  readonly x: readonly number[];
  /** One value per channel, in data units. */
  readonly values: readonly number[];
  readonly xTitle: string;
  readonly peakChannel: number;
  readonly title: string;
  /** A second x axis along the top, e.g. radio velocity: its title and the bottom x of a top value. */
  readonly top?: { readonly title: string; readonly xOf: (topValue: number) => number; readonly topOf: (x: number) => number };
}

export interface FigureSpec {
  readonly map: MapRaster;
  readonly stretch: Stretch | undefined;
  readonly colourMap: ColourMap;
  readonly sky: MapSky | undefined;
  readonly beam: Beam | undefined;
  readonly unit: DisplayUnit;
  readonly title: string;
  readonly subtitle: string;
  readonly footer: string;
  /** What the colour bar measures, e.g. "Peak intensity". */
  readonly quantity: string;
  /** Marked with a ring on the map (the pixel the spectrum comes from). */
  readonly marker: { readonly x: number; readonly y: number } | undefined;
  readonly spectrum: SpectrumPanel | undefined;
}

export interface Box {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

export interface FigureLayout {
  readonly width: number;
  readonly height: number;
  /** Where the map is: display pixels per map pixel, and the display box. */
  readonly map: Box & { readonly zoom: number };
  readonly colourBar: Box;
  /** The beam's box and the display centre of its ellipse; `undefined` if no beam was drawn. */
  readonly beam: (Box & { readonly centreX: number; readonly centreY: number }) | undefined;
  readonly scaleBar: (Box & { readonly arcsec: number; readonly lengthPx: number }) | undefined;
  readonly spectrum: (Box & { readonly xMin: number; readonly xMax: number; readonly yMin: number; readonly yMax: number }) | undefined;
}

export interface Figure {
  readonly width: number;
  readonly height: number;
  readonly rgba: Uint8ClampedArray;
  readonly layout: FigureLayout;
}

/** Display position (pixel centre) of map pixel (x, y) under a layout. */
export function mapPixelOnFigure(layout: FigureLayout, x: number, y: number): { px: number; py: number } {
  const m = layout.map;
  return { px: m.left + (x + 0.5) * m.zoom, py: m.top + m.height - (y + 0.5) * m.zoom };
}

/** Display position of a spectrum point (x as on the axis, value in the display unit) under a layout. */
export function spectrumPointOnFigure(layout: FigureLayout, x: number, value: number): { px: number; py: number } {
  const s = layout.spectrum;
  if (s === undefined) return { px: Number.NaN, py: Number.NaN };
  return { px: s.left + ((x - s.xMin) / (s.xMax - s.xMin)) * s.width, py: s.top + s.height - ((value - s.yMin) / (s.yMax - s.yMin)) * s.height };
}

function font(size: number, bold = false): string {
  return `${bold ? "bold " : ""}${size}px "${FAMILY}"`;
}

function text(g: SKRSContext2D, s: string, x: number, y: number, o: { size: number; bold?: boolean; align?: SKRSContext2D["textAlign"]; baseline?: SKRSContext2D["textBaseline"]; colour?: string; rotate?: number }): void {
  g.save();
  g.font = font(o.size, o.bold);
  g.fillStyle = o.colour ?? INK;
  g.textAlign = o.align ?? "left";
  g.textBaseline = o.baseline ?? "alphabetic";
  g.translate(x, y);
  if (o.rotate !== undefined) g.rotate(o.rotate);
  g.fillText(s, 0, 0);
  g.restore();
}

function textWidth(g: SKRSContext2D, s: string, size: number, bold = false): number {
  g.font = font(size, bold);
  return g.measureText(s).width;
}

function line(g: SKRSContext2D, x0: number, y0: number, x1: number, y1: number, colour: string, width = 1, dash: number[] = []): void {
  g.save();
  g.strokeStyle = colour;
  g.lineWidth = width;
  g.setLineDash(dash);
  g.beginPath();
  g.moveTo(x0, y0);
  g.lineTo(x1, y1);
  g.stroke();
  g.restore();
}

function roundedBox(g: SKRSContext2D, b: Box): void {
  g.save();
  g.fillStyle = "rgba(255,255,255,0.88)";
  g.strokeStyle = "rgba(60,60,60,0.8)";
  g.lineWidth = 0.8;
  g.beginPath();
  g.roundRect(b.left, b.top, b.width, b.height, 4);
  g.fill();
  g.stroke();
  g.restore();
}

/** A number with at most three significant digits and a true minus sign. */
function shortNumber(v: number): string {
  if (v === 0) return "0";
  const t = String(Number(v.toPrecision(3)));
  return t.startsWith("-") ? `\u2212${t.slice(1)}` : t;
}

const MAP_TARGET = 520;
const TITLE_HEIGHT = 74;
const MAP_LEFT = 122;
const AXIS_BOTTOM = 64;
const FOOTER = 22;
const COLOUR_BAR_GAP = 16;
const COLOUR_BAR_WIDTH = 18;
const SPECTRUM_WIDTH = 500;
const SPECTRUM_GAP = 116;
const MIN_PANEL_HEIGHT = 200;

/** Splits a subtitle of "  ·  "-separated parts into lines no wider than `width`. */
function wrapParts(g: SKRSContext2D, textLine: string, size: number, width: number): string[] {
  const separator = "  \u00b7  ";
  const lines: string[] = [];
  let current = "";
  for (const part of textLine.split(separator)) {
    const candidate = current === "" ? part : `${current}${separator}${part}`;
    if (current !== "" && textWidth(g, candidate, size) > width) {
      lines.push(current);
      current = part;
    } else {
      current = candidate;
    }
  }
  if (current !== "") lines.push(current);
  return lines;
}

export function drawFigure(spec: FigureSpec): Figure {
  ensureFonts();
  const { map } = spec;
  const zoom = displayZoom(map.width, map.height, MAP_TARGET, true);
  const dw = Math.max(1, Math.round(map.width * zoom));
  const dh = Math.max(1, Math.round(map.height * zoom));
  const colourBarRight = MAP_LEFT + dw + COLOUR_BAR_GAP + COLOUR_BAR_WIDTH + 92;
  const width = Math.ceil((spec.spectrum === undefined ? colourBarRight : colourBarRight + SPECTRUM_GAP + SPECTRUM_WIDTH) + 28);
  const subtitleLines = wrapParts(createCanvas(1, 1).getContext("2d"), spec.subtitle, 14, width - 40);
  const titleHeight = TITLE_HEIGHT + 20 * (subtitleLines.length - 1);
  // A long thin map is centred in a panel tall enough for its axis titles and a readable colour bar.
  const panelTop = titleHeight + 18;
  const panelHeight = Math.max(dh, MIN_PANEL_HEIGHT);
  const mapTop = panelTop + Math.round((panelHeight - dh) / 2);
  const mapBox = { left: MAP_LEFT, top: mapTop, width: dw, height: dh, zoom };
  const barBox: Box = { left: MAP_LEFT + dw + COLOUR_BAR_GAP, top: panelTop, width: COLOUR_BAR_WIDTH, height: panelHeight };
  const spectrumBox: Box | undefined =
    spec.spectrum === undefined ? undefined : { left: colourBarRight + SPECTRUM_GAP, top: panelTop + 62, width: SPECTRUM_WIDTH, height: Math.max(220, panelHeight - 62) };
  const height = Math.ceil(panelTop + Math.max(panelHeight, spectrumBox === undefined ? 0 : spectrumBox.top + spectrumBox.height - panelTop) + AXIS_BOTTOM + FOOTER);

  const canvas = createCanvas(width, height);
  const g = canvas.getContext("2d");
  g.fillStyle = "#ffffff";
  g.fillRect(0, 0, width, height);

  // Title block.
  text(g, spec.title, 20, 34, { size: 22, bold: true });
  subtitleLines.forEach((l, i) => text(g, l, 20, 60 + 20 * i, { size: 14, colour: MUTED }));

  // The map, pixel by pixel.
  const values = resampleMap(map, zoom, dw, dh);
  const image = g.createImageData(dw, dh);
  image.data.set(colourize(values, spec.stretch, spec.colourMap));
  g.putImageData(image, mapBox.left, mapBox.top);
  g.strokeStyle = FRAME;
  g.lineWidth = 1;
  g.strokeRect(mapBox.left - 0.5, mapBox.top - 0.5, dw + 1, dh + 1);

  drawMapAxes(g, spec, mapBox);
  const beam = drawBeam(g, spec, mapBox);
  const scaleBar = drawScaleBar(g, spec, mapBox, beam);
  if (spec.marker !== undefined) {
    const cx = mapBox.left + (spec.marker.x + 0.5) * zoom;
    const cy = mapBox.top + dh - (spec.marker.y + 0.5) * zoom;
    // A ring around the pixel, open in the middle so the pixel itself stays visible.
    const r = Math.min(14, Math.max(7, zoom * 0.5 + 5));
    g.save();
    g.beginPath();
    g.arc(cx, cy, r, 0, 2 * Math.PI);
    g.strokeStyle = "rgba(0,0,0,0.75)";
    g.lineWidth = 3.5;
    g.stroke();
    g.strokeStyle = "#ffffff";
    g.lineWidth = 1.6;
    g.stroke();
    g.restore();
  }
  drawColourBar(g, spec, barBox);

  let spectrumLayout: FigureLayout["spectrum"];
  if (spec.spectrum !== undefined && spectrumBox !== undefined) spectrumLayout = drawSpectrum(g, spec.spectrum, spec.unit, spectrumBox);

  text(g, spec.footer, 20, height - 10, { size: 11, colour: "#8a8a8a" });

  const pixels = g.getImageData(0, 0, width, height).data;
  return {
    width,
    height,
    rgba: new Uint8ClampedArray(pixels.buffer, pixels.byteOffset, pixels.byteLength),
    layout: { width, height, map: mapBox, colourBar: barBox, beam, scaleBar, spectrum: spectrumLayout },
  };
}

function skyValue(kind: SkyAxisKind, at: { lon: number; lat: number }): number {
  return kind === "ra" || kind === "lon-degrees" ? at.lon : at.lat;
}

function drawMapAxes(g: SKRSContext2D, spec: FigureSpec, box: Box & { zoom: number }): void {
  const { map, sky } = spec;
  const toX = (at: number): number => box.left + (at + 0.5) * box.zoom;
  const toY = (at: number): number => box.top + box.height - (at + 0.5) * box.zoom;
  const tick = 5;
  let bottom: Tick[];
  let left: Tick[];
  let top: Tick[];
  let right: Tick[];
  let bottomTitle: string;
  let leftTitle: string;
  const maxBottom = Math.max(2, Math.min(7, Math.floor(box.width / 85)));
  const maxLeft = Math.max(2, Math.min(8, Math.floor(box.height / 64)));
  if (sky !== undefined) {
    const edge = (kind: SkyAxisKind, horizontal: boolean, fixed: number, length: number, maxTicks: number): Tick[] =>
      skyEdgeTicks(
        sampleEdge(-0.5, length - 0.5, 256, (at) => skyValue(kind, horizontal ? sky.at(at, fixed) : sky.at(fixed, at)), kind === "ra" || kind === "lon-degrees"),
        kind,
        maxTicks,
      );
    bottom = edge(sky.bottom, true, -0.5, map.width, maxBottom);
    top = edge(sky.bottom, true, map.height - 0.5, map.width, maxBottom);
    left = edge(sky.left, false, -0.5, map.height, maxLeft);
    right = edge(sky.left, false, map.width - 0.5, map.height, maxLeft);
    bottomTitle = sky.bottomTitle;
    leftTitle = sky.leftTitle;
  } else {
    const pixelTicks = (length: number, maxTicks: number): Tick[] => {
      const { step, values } = linearTicks(1, length, maxTicks);
      return values.map((v) => ({ at: v - 1, value: v, label: formatTickNumber(v, step) }));
    };
    bottom = pixelTicks(map.width, maxBottom);
    left = pixelTicks(map.height, maxLeft);
    top = bottom;
    right = left;
    bottomTitle = "x (pixel)";
    leftTitle = "y (pixel)";
  }
  const inside = (v: number, lo: number, hi: number): boolean => v >= lo - 0.5 && v <= hi + 0.5;
  for (const t of bottom) {
    const x = toX(t.at);
    if (!inside(x, box.left, box.left + box.width)) continue;
    line(g, x, box.top + box.height, x, box.top + box.height + tick, FRAME);
    text(g, t.label, x, box.top + box.height + tick + 15, { size: 13, align: "center" });
  }
  for (const t of top) {
    const x = toX(t.at);
    if (inside(x, box.left, box.left + box.width)) line(g, x, box.top, x, box.top - tick, FRAME);
  }
  for (const t of left) {
    const y = toY(t.at);
    if (!inside(y, box.top, box.top + box.height)) continue;
    line(g, box.left, y, box.left - tick, y, FRAME);
    text(g, t.label, box.left - tick - 4, y, { size: 13, align: "right", baseline: "middle" });
  }
  for (const t of right) {
    const y = toY(t.at);
    if (inside(y, box.top, box.top + box.height)) line(g, box.left + box.width, y, box.left + box.width + tick, y, FRAME);
  }
  text(g, bottomTitle, box.left + box.width / 2, box.top + box.height + 48, { size: 14, align: "center" });
  text(g, leftTitle, box.left - 100, box.top + box.height / 2, { size: 14, align: "center", rotate: -Math.PI / 2 });
}

function drawBeam(g: SKRSContext2D, spec: FigureSpec, box: Box & { zoom: number }): FigureLayout["beam"] {
  if (spec.beam === undefined || spec.sky === undefined) return undefined;
  const outline = beamOutline(spec.beam, spec.sky).map((p) => ({ x: p.dx * box.zoom, y: -p.dy * box.zoom }));
  if (outline.some((p) => !Number.isFinite(p.x) || !Number.isFinite(p.y))) return undefined;
  const extent = Math.max(...outline.map((p) => Math.max(Math.abs(p.x), Math.abs(p.y)))) * 2;
  // A beam larger than a third of the map is no longer a corner symbol; it is said in the subtitle instead.
  if (extent > Math.min(box.width, box.height) / 3) return undefined;
  const size = Math.max(22, Math.ceil(extent) + 14);
  if (size + 16 > box.height || size + 16 > box.width) return undefined;
  const beamBox = { left: box.left + 8, top: box.top + box.height - 8 - size, width: size, height: size };
  roundedBox(g, beamBox);
  const centreX = beamBox.left + size / 2;
  const centreY = beamBox.top + size / 2;
  g.save();
  g.beginPath();
  outline.forEach((p, i) => (i === 0 ? g.moveTo(centreX + p.x, centreY + p.y) : g.lineTo(centreX + p.x, centreY + p.y)));
  g.closePath();
  g.fillStyle = `rgb(${BEAM_RGB.join(",")})`;
  g.fill();
  g.restore();
  return { ...beamBox, centreX, centreY };
}

function drawScaleBar(g: SKRSContext2D, spec: FigureSpec, box: Box & { zoom: number }, beam: FigureLayout["beam"]): FigureLayout["scaleBar"] {
  const sky = spec.sky;
  if (sky === undefined || !(sky.pixelArcsec > 0)) return undefined;
  const { arcsec, label } = scaleBarLength(spec.map.width * sky.pixelArcsec, 0.25);
  const lengthPx = (arcsec / sky.pixelArcsec) * box.zoom;
  if (!(lengthPx >= 8)) return undefined;
  const labelWidth = textWidth(g, label, 13);
  const w = Math.ceil(Math.max(lengthPx, labelWidth) + 16);
  const h = 36;
  if (h + 16 > box.height) return undefined;
  const right = box.left + box.width - 8;
  const barBox = { left: right - w, top: box.top + box.height - 8 - h, width: w, height: h };
  if (beam !== undefined && barBox.left < beam.left + beam.width + 4) return undefined;
  roundedBox(g, barBox);
  const y = barBox.top + h - 10;
  const x0 = barBox.left + (w - lengthPx) / 2;
  line(g, x0, y, x0 + lengthPx, y, INK, 3);
  line(g, x0, y - 4, x0, y + 4, INK, 1.2);
  line(g, x0 + lengthPx, y - 4, x0 + lengthPx, y + 4, INK, 1.2);
  text(g, label, barBox.left + w / 2, y - 8, { size: 13, align: "center" });
  return { ...barBox, arcsec, lengthPx };
}

/** Tick values for the colour bar: round numbers in the display unit, kept where they are at least `gap` pixels apart along the stretch. */
function colourBarTicks(stretch: Stretch, unit: DisplayUnit, height: number, gap = 24): number[] {
  const lo = stretch.low * unit.factor;
  const hi = stretch.high * unit.factor;
  const candidates: number[] = [0];
  const top = Math.ceil(Math.log10(Math.max(Math.abs(lo), Math.abs(hi))));
  for (const m of [1, 5, 2]) for (let p = top; p > top - 7; p -= 1) for (const s of [1, -1]) candidates.push(s * m * 10 ** p);
  for (const k of linearTicks(lo, hi, 5).values) candidates.push(k);
  const chosen: number[] = [];
  const positions: number[] = [];
  for (const v of candidates) {
    if (v < lo || v > hi) continue;
    const y = stretchValue(stretch, v / unit.factor) * height;
    if (positions.some((p) => Math.abs(p - y) < gap)) continue;
    chosen.push(v);
    positions.push(y);
  }
  return chosen.sort((a, b) => a - b);
}

function drawColourBar(g: SKRSContext2D, spec: FigureSpec, box: Box): void {
  const image = g.createImageData(box.width, box.height);
  for (let r = 0; r < box.height; r += 1) {
    const k = colourIndex(1 - (r + 0.5) / box.height) * 3;
    for (let c = 0; c < box.width; c += 1) {
      const o = (r * box.width + c) * 4;
      image.data[o] = spec.colourMap.rgb[k] ?? 0;
      image.data[o + 1] = spec.colourMap.rgb[k + 1] ?? 0;
      image.data[o + 2] = spec.colourMap.rgb[k + 2] ?? 0;
      image.data[o + 3] = 255;
    }
  }
  g.putImageData(image, box.left, box.top);
  g.strokeStyle = FRAME;
  g.lineWidth = 1;
  g.strokeRect(box.left - 0.5, box.top - 0.5, box.width + 1, box.height + 1);
  let widest = 0;
  if (spec.stretch !== undefined) {
    for (const v of colourBarTicks(spec.stretch, spec.unit, box.height)) {
      const y = box.top + box.height - stretchValue(spec.stretch, v / spec.unit.factor) * box.height;
      line(g, box.left + box.width, y, box.left + box.width + 4, y, FRAME);
      const label = shortNumber(v);
      widest = Math.max(widest, textWidth(g, label, 12));
      text(g, label, box.left + box.width + 7, y, { size: 12, baseline: "middle" });
    }
  }
  text(g, `${spec.quantity} (${spec.unit.label})`, box.left + box.width + 14 + Math.max(widest, 30) + 6, box.top + box.height / 2, {
    size: 14,
    align: "center",
    baseline: "top",
    rotate: -Math.PI / 2,
  });
}

function drawSpectrum(g: SKRSContext2D, s: SpectrumPanel, unit: DisplayUnit, box: Box): FigureLayout["spectrum"] {
  const points = s.x.map((x, i) => ({ x, v: (s.values[i] ?? Number.NaN) * unit.factor, channel: i })).filter((p) => Number.isFinite(p.x));
  points.sort((a, b) => a.x - b.x);
  const xs = points.map((p) => p.x);
  const finite = points.filter((p) => Number.isFinite(p.v)).map((p) => p.v);
  const half = xs.length > 1 ? Math.abs((xs[xs.length - 1] ?? 0) - (xs[0] ?? 0)) / (xs.length - 1) / 2 : 0.5;
  const xMin = (xs[0] ?? 0) - half;
  const xMax = (xs[xs.length - 1] ?? 1) + half;
  let yLo = Math.min(0, ...finite);
  let yHi = Math.max(0, ...finite);
  if (!(yHi > yLo)) yHi = yLo + 1;
  const pad = (yHi - yLo) * 0.08;
  yLo -= pad;
  yHi += pad;
  const px = (x: number): number => box.left + ((x - xMin) / (xMax - xMin)) * box.width;
  const py = (v: number): number => box.top + box.height - ((v - yLo) / (yHi - yLo)) * box.height;

  g.save();
  g.beginPath();
  g.rect(box.left, box.top, box.width, box.height);
  g.clip();
  line(g, box.left, py(0), box.left + box.width, py(0), "#9a9a9a", 1, [4, 3]);
  const peak = points.find((p) => p.channel === s.peakChannel);
  if (peak !== undefined) line(g, px(peak.x), box.top, px(peak.x), box.top + box.height, PEAK_COLOUR, 1, [5, 3]);
  // A step line: each channel is a flat segment as wide as the channel, as radio spectra are drawn.
  g.strokeStyle = SPECTRUM_COLOUR;
  g.lineWidth = 1.6;
  g.lineJoin = "miter";
  g.beginPath();
  let drawing = false;
  points.forEach((p, i) => {
    if (!Number.isFinite(p.v)) {
      drawing = false;
      return;
    }
    const prev = points[i - 1];
    const next = points[i + 1];
    const x0 = prev === undefined ? p.x - half : (prev.x + p.x) / 2;
    const x1 = next === undefined ? p.x + half : (p.x + next.x) / 2;
    if (drawing) g.lineTo(px(x0), py(p.v));
    else g.moveTo(px(x0), py(p.v));
    g.lineTo(px(x1), py(p.v));
    drawing = true;
  });
  g.stroke();
  g.restore();

  g.strokeStyle = FRAME;
  g.lineWidth = 1;
  g.strokeRect(box.left - 0.5, box.top - 0.5, box.width + 1, box.height + 1);
  const xt = linearTicks(xMin, xMax, Math.max(2, Math.floor(box.width / 95)));
  for (const v of xt.values) {
    const x = px(v);
    line(g, x, box.top + box.height, x, box.top + box.height + 5, FRAME);
    text(g, formatTickNumber(v, xt.step), x, box.top + box.height + 20, { size: 13, align: "center" });
  }
  const yt = linearTicks(yLo, yHi, Math.max(2, Math.floor(box.height / 50)));
  for (const v of yt.values) {
    const y = py(v);
    line(g, box.left, y, box.left - 5, y, FRAME);
    text(g, formatTickNumber(v, yt.step), box.left - 8, y, { size: 13, align: "right", baseline: "middle" });
  }
  if (s.top !== undefined) {
    const a = s.top.topOf(xMin);
    const b = s.top.topOf(xMax);
    const tt = linearTicks(a, b, Math.max(2, Math.floor(box.width / 95)));
    for (const v of tt.values) {
      const x = px(s.top.xOf(v));
      if (x < box.left - 0.5 || x > box.left + box.width + 0.5) continue;
      line(g, x, box.top, x, box.top - 5, FRAME);
      text(g, formatTickNumber(v, tt.step), x, box.top - 9, { size: 13, align: "center" });
    }
    text(g, s.top.title, box.left + box.width / 2, box.top - 30, { size: 14, align: "center" });
  }
  text(g, s.xTitle, box.left + box.width / 2, box.top + box.height + 48, { size: 14, align: "center" });
  text(g, `Intensity (${unit.label})`, box.left - 74, box.top + box.height / 2, { size: 14, align: "center", rotate: -Math.PI / 2 });
  text(g, s.title, box.left + box.width / 2, box.top - 50, { size: 15, bold: true, align: "center" });
  return { ...box, xMin, xMax, yMin: yLo, yMax: yHi };
}
