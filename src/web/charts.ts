/**
 * Charts as inline SVG, drawn on the server: no script, they print, and a screenshot shows
 * them as they are. Labels go through the HTML escaper like any other text.
 */
import { html, type Html } from "./html.js";

export interface Bar {
  readonly label: string;
  readonly value: number;
  readonly colour: string;
  /** Where clicking the bar leads (the runs table filtered to it). */
  readonly href?: string | undefined;
}

/** Horizontal bars, one per row, scaled to the largest value; values printed at the bar's end. */
export function barChart(bars: readonly Bar[], options: { readonly title: string; readonly width?: number }): Html {
  const width = options.width ?? 360;
  const labelWidth = 130;
  const rowHeight = 24;
  const barRoom = width - labelWidth - 50;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const height = Math.max(1, bars.length) * rowHeight + 8;
  const rows = bars.map((b, i) => {
    const y = 4 + i * rowHeight;
    const w = b.value === 0 ? 0 : Math.max(2, (b.value / max) * barRoom);
    const body = html`<text x="${labelWidth - 8}" y="${y + 16}" text-anchor="end" class="chart-label">${b.label}</text>
<rect x="${labelWidth}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowHeight - 8}" rx="3" fill="${b.colour}"/>
<text x="${(labelWidth + w + 6).toFixed(1)}" y="${y + 16}" class="chart-value">${b.value}</text>`;
    return b.href === undefined ? body : html`<a href="${b.href}">${body}</a>`;
  });
  const empty = bars.length === 0 ? html`<text x="8" y="18" class="chart-label">none</text>` : "";
  return html`<svg class="chart" role="img" aria-label="${options.title}" width="100%" style="max-width:${width * 1.4}px" viewBox="0 0 ${width} ${height}">
<title>${options.title}</title>${rows}${empty}</svg>`;
}

/** One bar split into parts (progress by state), with a legend under it. */
export function stackedBar(parts: readonly Bar[], options: { readonly title: string; readonly width?: number }): Html {
  const width = options.width ?? 640;
  const total = parts.reduce((a, p) => a + p.value, 0);
  let x = 0;
  const rects = parts
    .filter((p) => p.value > 0)
    .map((p) => {
      const w = total === 0 ? 0 : (p.value / total) * width;
      const rect = html`<rect x="${x.toFixed(2)}" y="0" width="${w.toFixed(2)}" height="22" fill="${p.colour}"><title>${p.label}: ${p.value}</title></rect>`;
      x += w;
      return rect;
    });
  return html`<svg class="chart" role="img" aria-label="${options.title}" width="100%" height="22" viewBox="0 0 ${width} 22" preserveAspectRatio="none">
<title>${options.title}</title><rect x="0" y="0" width="${width}" height="22" fill="#e5e7eb"/>${rects}</svg>`;
}
