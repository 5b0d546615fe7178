/**
 * The analysis's pictures as PNG: line plots (statistics and spectra against frequency,
 * with the found lines shaded) and false-colour maps (moments, position-velocity slices).
 * Drawn with @napi-rs/canvas (Skia, prebuilt) in DejaVu Sans from @fontsource/dejavu-sans,
 * the libraries the previews use.
 */
import { createRequire } from "node:module";
import { createCanvas, GlobalFonts, type SKRSContext2D } from "@napi-rs/canvas";

const FAMILY = "DejaVu Sans (reimage analysis)";
let fontsReady = false;

function ensureFonts(): void {
  if (fontsReady) return;
  const require = createRequire(import.meta.url);
  GlobalFonts.registerFromPath(require.resolve("@fontsource/dejavu-sans/files/dejavu-sans-latin-400-normal.woff2"), FAMILY);
  fontsReady = true;
}

export interface Series {
  readonly label: string;
  readonly x: ArrayLike<number>;
  readonly y: ArrayLike<number>;
  readonly colour: string;
  /** Draw as steps (channels) rather than a polyline. */
  readonly steps?: boolean;
}

export interface Band {
  readonly from: number;
  readonly to: number;
  readonly label: string;
}

export interface LinePlot {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  readonly bands?: readonly Band[];
  /** Horizontal reference lines (a noise level...). */
  readonly levels?: readonly { readonly value: number; readonly label: string; readonly colour: string }[];
  readonly width?: number;
  readonly height?: number;
}

/** About five round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * magnitude >= raw) ?? 10) * magnitude;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Math.abs(t) < step * 1e-9 ? 0 : t);
  return ticks;
}

function label(value: number): string {
  const a = Math.abs(value);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return value.toExponential(1);
  return String(Number(value.toPrecision(6)));
}

function extent(values: Iterable<number>): [number, number] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (!Number.isFinite(lo)) return [0, 1];
  if (lo === hi) return [lo - 0.5, hi + 0.5];
  return [lo, hi];
}

export function drawLinePlot(plot: LinePlot): Buffer {
  ensureFonts();
  const width = plot.width ?? 800;
  const height = plot.height ?? 420;
  const canvas = createCanvas(width, height);
  const g = canvas.getContext("2d");
  g.fillStyle = "#ffffff";
  g.fillRect(0, 0, width, height);
  const left = 80;
  const right = width - 20;
  const top = 40;
  const bottom = height - 55;
  const [x0, x1] = extent(plot.series.flatMap((s) => Array.from(s.x)));
  const ys = [...plot.series.flatMap((s) => Array.from(s.y)), ...(plot.levels ?? []).map((l) => l.value)];
  let [y0, y1] = extent(ys);
  const pad = (y1 - y0) * 0.06;
  y0 -= pad;
  y1 += pad;
  const px = (x: number): number => left + ((x - x0) / (x1 - x0 || 1)) * (right - left);
  const py = (y: number): number => bottom - ((y - y0) / (y1 - y0 || 1)) * (bottom - top);
  g.font = `13px "${FAMILY}"`;
  for (const band of plot.bands ?? []) {
    const a = px(Math.min(band.from, band.to));
    const b = px(Math.max(band.from, band.to));
    g.fillStyle = "rgba(255, 160, 60, 0.25)";
    g.fillRect(a, top, Math.max(1, b - a), bottom - top);
    g.fillStyle = "#8a4b00";
    g.textAlign = "center";
    g.fillText(band.label, (a + b) / 2, top - 6);
  }
  axes(g, { left, right, top, bottom }, niceTicks(x0, x1, 6), niceTicks(y0, y1, 5), px, py);
  for (const level of plot.levels ?? []) {
    g.strokeStyle = level.colour;
    g.setLineDash([5, 4]);
    g.beginPath();
    g.moveTo(left, py(level.value));
    g.lineTo(right, py(level.value));
    g.stroke();
    g.setLineDash([]);
  }
  plot.series.forEach((s, k) => {
    g.strokeStyle = s.colour;
    g.lineWidth = 1.5;
    g.beginPath();
    let drawing = false;
    for (let i = 0; i < s.x.length; i += 1) {
      const x = s.x[i] ?? Number.NaN;
      const y = s.y[i] ?? Number.NaN;
      if (!Number.isFinite(x) || !Number.isFinite(y)) {
        drawing = false;
        continue;
      }
      if (!drawing) g.moveTo(px(x), py(y));
      else if (s.steps === true) g.lineTo(px(x), py(s.y[i - 1] ?? y));
      g.lineTo(px(x), py(y));
      drawing = true;
    }
    g.stroke();
    g.fillStyle = s.colour;
    g.textAlign = "right";
    g.fillText(s.label, right - 4, top + 16 + 16 * k);
  });
  g.fillStyle = "#222222";
  g.textAlign = "center";
  g.font = `15px "${FAMILY}"`;
  g.fillText(plot.title, (left + right) / 2, 18);
  g.font = `13px "${FAMILY}"`;
  g.fillText(plot.xLabel, (left + right) / 2, height - 12);
  g.save();
  g.translate(16, (top + bottom) / 2);
  g.rotate(-Math.PI / 2);
  g.fillText(plot.yLabel, 0, 0);
  g.restore();
  return canvas.toBuffer("image/png");
}

function axes(
  g: SKRSContext2D,
  box: { left: number; right: number; top: number; bottom: number },
  xTicks: readonly number[],
  yTicks: readonly number[],
  px: (x: number) => number,
  py: (y: number) => number,
): void {
  g.strokeStyle = "#333333";
  g.lineWidth = 1;
  g.strokeRect(box.left, box.top, box.right - box.left, box.bottom - box.top);
  g.fillStyle = "#222222";
  g.textAlign = "center";
  for (const t of xTicks) {
    const x = px(t);
    if (x < box.left - 0.5 || x > box.right + 0.5) continue;
    g.beginPath();
    g.moveTo(x, box.bottom);
    g.lineTo(x, box.bottom + 5);
    g.stroke();
    g.fillText(label(t), x, box.bottom + 20);
  }
  g.textAlign = "right";
  for (const t of yTicks) {
    const y = py(t);
    if (y < box.top - 0.5 || y > box.bottom + 0.5) continue;
    g.beginPath();
    g.moveTo(box.left - 5, y);
    g.lineTo(box.left, y);
    g.stroke();
    g.fillText(label(t), box.left - 8, y + 4);
  }
}

/** Viridis at nine evenly spaced stops (matplotlib's values), interpolated between them. */
const VIRIDIS = [
  [68, 1, 84],
  [71, 44, 122],
  [59, 81, 139],
  [44, 113, 142],
  [33, 144, 141],
  [39, 173, 129],
  [92, 200, 99],
  [170, 220, 50],
  [253, 231, 37],
] as const;

function viridis(t: number): [number, number, number] {
  const u = Math.min(1, Math.max(0, t)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(u));
  const f = u - i;
  const a = VIRIDIS[i] ?? VIRIDIS[0];
  const b = VIRIDIS[i + 1] ?? VIRIDIS[0];
  return [Math.round(a[0] + f * (b[0] - a[0])), Math.round(a[1] + f * (b[1] - a[1])), Math.round(a[2] + f * (b[2] - a[2]))];
}

export interface MapPicture {
  readonly title: string;
  readonly unit: string;
  /** Row-major, x fastest, first row at the bottom (FITS order). */
  readonly data: ArrayLike<number>;
  readonly width: number;
  readonly height: number;
  readonly xLabel?: string;
  readonly yLabel?: string;
}

/** A false-colour map with a colour bar; the range is the 1st to 99.5th percentile of the finite values; blanks are grey. */
export function drawMap(picture: MapPicture): Buffer {
  ensureFonts();
  const finite = Array.from(picture.data).filter(Number.isFinite).sort((a, b) => a - b);
  const lo = finite[Math.floor(0.01 * (finite.length - 1))] ?? 0;
  const hi = finite[Math.floor(0.995 * (finite.length - 1))] ?? 1;
  const zoom = Math.max(1, Math.floor(480 / Math.max(picture.width, picture.height)));
  const mapW = picture.width * zoom;
  const mapH = picture.height * zoom;
  const left = 60;
  const top = 36;
  const width = left + mapW + 110;
  const height = top + mapH + 50;
  const canvas = createCanvas(width, height);
  const g = canvas.getContext("2d");
  g.fillStyle = "#ffffff";
  g.fillRect(0, 0, width, height);
  const image = g.createImageData(mapW, mapH);
  for (let y = 0; y < picture.height; y += 1) {
    for (let x = 0; x < picture.width; x += 1) {
      const v = picture.data[y * picture.width + x] ?? Number.NaN;
      const rgb: readonly number[] = Number.isFinite(v) ? viridis((v - lo) / (hi - lo || 1)) : [200, 200, 200];
      for (let zy = 0; zy < zoom; zy += 1) {
        const row = (picture.height - 1 - y) * zoom + zy;
        for (let zx = 0; zx < zoom; zx += 1) {
          const o = (row * mapW + x * zoom + zx) * 4;
          image.data[o] = rgb[0] ?? 0;
          image.data[o + 1] = rgb[1] ?? 0;
          image.data[o + 2] = rgb[2] ?? 0;
          image.data[o + 3] = 255;
        }
      }
    }
  }
  g.putImageData(image, left, top);
  g.strokeStyle = "#333333";
  g.strokeRect(left, top, mapW, mapH);
  const barX = left + mapW + 20;
  for (let j = 0; j < mapH; j += 1) {
    const [r, gg, b] = viridis(1 - j / (mapH - 1));
    g.fillStyle = `rgb(${r},${gg},${b})`;
    g.fillRect(barX, top + j, 16, 1);
  }
  g.strokeRect(barX, top, 16, mapH);
  g.font = `12px "${FAMILY}"`;
  g.fillStyle = "#222222";
  g.textAlign = "left";
  for (const t of niceTicks(lo, hi, 5)) {
    const y = top + (1 - (t - lo) / (hi - lo || 1)) * mapH;
    if (y < top - 0.5 || y > top + mapH + 0.5) continue;
    g.fillText(label(t), barX + 22, y + 4);
  }
  g.fillText(picture.unit, barX, top + mapH + 20);
  g.textAlign = "center";
  g.font = `14px "${FAMILY}"`;
  g.fillText(picture.title, left + mapW / 2, 20);
  g.font = `12px "${FAMILY}"`;
  g.fillText(picture.xLabel ?? "x (pixels)", left + mapW / 2, top + mapH + 24);
  g.save();
  g.translate(20, top + mapH / 2);
  g.rotate(-Math.PI / 2);
  g.fillText(picture.yLabel ?? "y (pixels)", 0, 0);
  g.restore();
  return canvas.toBuffer("image/png");
}
