/**
 * The campaign's outcome as the seed reported its past campaign: success and failure by
 * category and by error class, with how many failures a retry recovered. A failed MOUS
 * counts once, under the class of its last error (what finally stopped it); errors that a
 * retry got past are counted apart, as "recovered". Pure, and the chart is plain SVG text.
 */
import { ErrorClass, MousState } from "../domain/campaign.js";
import type { CampaignReport } from "../store/store.js";

export interface OutcomeRow {
  readonly category: string;
  readonly mouses: number;
  readonly succeeded: number;
  readonly nothingToProcess: number;
  readonly failed: number;
  /** Pending or running. */
  readonly open: number;
  /** Failed MOUSs by the class of their last error. */
  readonly failedBy: Readonly<Partial<Record<ErrorClass, number>>>;
  /** Errors of MOUSs that went on to succeed, by class. */
  readonly recoveredBy: Readonly<Partial<Record<ErrorClass, number>>>;
}

export interface OutcomeTable {
  readonly rows: readonly OutcomeRow[];
  readonly total: OutcomeRow;
  /** The classes that occur, most frequent first. */
  readonly classes: readonly ErrorClass[];
}

const bump = (m: Partial<Record<ErrorClass, number>>, c: ErrorClass) => {
  m[c] = (m[c] ?? 0) + 1;
};

export function outcomeTable(report: CampaignReport): OutcomeTable {
  const groups = new Map<string, CampaignReport["mouses"][number][]>();
  for (const m of report.mouses) {
    const key = m.category ?? "?";
    groups.set(key, [...(groups.get(key) ?? []), m]);
  }
  const rowOf = (category: string, mouses: CampaignReport["mouses"]): OutcomeRow => {
    const failedBy: Partial<Record<ErrorClass, number>> = {};
    const recoveredBy: Partial<Record<ErrorClass, number>> = {};
    let succeeded = 0;
    let nothing = 0;
    let failed = 0;
    let open = 0;
    for (const m of mouses) {
      if (m.state === MousState.Succeeded) succeeded += 1;
      else if (m.state === MousState.NothingToProcess) nothing += 1;
      else if (m.state === MousState.Failed) failed += 1;
      else open += 1;
      const last = m.errors.at(-1);
      if (m.state === MousState.Failed && last) bump(failedBy, last.errorClass);
      for (const e of m.state === MousState.Failed ? m.errors.slice(0, -1) : m.errors) bump(recoveredBy, e.errorClass);
    }
    return { category, mouses: mouses.length, succeeded, nothingToProcess: nothing, failed, open, failedBy, recoveredBy };
  };
  const rows = [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([c, ms]) => rowOf(c, ms));
  const total = rowOf("all", report.mouses);
  const classes = (Object.values(ErrorClass) as ErrorClass[])
    .filter((c) => (total.failedBy[c] ?? 0) + (total.recoveredBy[c] ?? 0) > 0)
    .sort((a, b) => (total.failedBy[b] ?? 0) + (total.recoveredBy[b] ?? 0) - ((total.failedBy[a] ?? 0) + (total.recoveredBy[a] ?? 0)));
  return { rows, total, classes };
}

/** Colours that stay apart for the colour-blind (Okabe-Ito), one per error class. */
const CLASS_COLOURS: Readonly<Record<ErrorClass, string>> = {
  memory: "#D55E00",
  "casa-version": "#E69F00",
  "empty-selection": "#56B4E9",
  crash: "#CC79A7",
  "disk-full": "#0072B2",
  "time-limit": "#F0E442",
  "missing-data": "#999999",
  "pipeline-unavailable": "#882255",
  "measures-data": "#44AA99",
  unknown: "#000000",
};
const SUCCEEDED = "#009E73";
const NOTHING = "#BBBBBB";
const OPEN = "#FFFFFF";

const escapeXml = (s: string) => s.replace(/[<>&"']/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c] ?? c);

/**
 * One bar per category, as wide as its MOUS count: succeeded, nothing to process, failed
 * by class, still open; a legend below. Scales to the largest category.
 */
export function outcomeChartSvg(table: OutcomeTable, title: string): string {
  const rows = table.rows;
  const labelWidth = Math.min(320, 10 + 7 * Math.max(8, ...rows.map((r) => r.category.length)));
  const barWidth = 520;
  const rowHeight = 24;
  const top = 36;
  const maxCount = Math.max(1, ...rows.map((r) => r.mouses));
  const legendItems: [string, string][] = [
    ["succeeded", SUCCEEDED],
    ["nothing to process", NOTHING],
    ...table.classes.map((c): [string, string] => [`failed: ${c}`, CLASS_COLOURS[c]]),
    ["not finished", OPEN],
  ];
  const legendTop = top + rows.length * rowHeight + 16;
  const height = legendTop + Math.ceil(legendItems.length / 3) * 20 + 10;
  const width = labelWidth + barWidth + 60;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<text x="10" y="20" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  rows.forEach((r, i) => {
    const y = top + i * rowHeight;
    out.push(`<text x="${labelWidth - 6}" y="${y + 15}" text-anchor="end">${escapeXml(r.category)}</text>`);
    let x = labelWidth;
    const segment = (count: number, colour: string, what: string) => {
      if (count === 0) return;
      const w = (count / maxCount) * barWidth;
      out.push(`<rect x="${x.toFixed(1)}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowHeight - 6}" fill="${colour}" stroke="#333" stroke-width="0.5"><title>${escapeXml(`${r.category}: ${count} ${what}`)}</title></rect>`);
      x += w;
    };
    segment(r.succeeded, SUCCEEDED, "succeeded");
    segment(r.nothingToProcess, NOTHING, "nothing to process");
    for (const c of table.classes) segment(r.failedBy[c] ?? 0, CLASS_COLOURS[c], `failed (${c})`);
    segment(r.open, OPEN, "not finished");
    out.push(`<text x="${(x + 6).toFixed(1)}" y="${y + 15}">${r.succeeded}/${r.mouses}</text>`);
  });
  legendItems.forEach(([label, colour], i) => {
    const x = 10 + (i % 3) * 220;
    const y = legendTop + Math.floor(i / 3) * 20;
    out.push(`<rect x="${x}" y="${y}" width="12" height="12" fill="${colour}" stroke="#333" stroke-width="0.5"/>`);
    out.push(`<text x="${x + 18}" y="${y + 11}">${escapeXml(label)}</text>`);
  });
  out.push("</svg>");
  return out.join("\n");
}

/** The table as the columns of the seed's report: one row per category, one column per class. */
export function outcomeColumns(table: OutcomeTable): { headers: string[]; rows: string[][] } {
  const headers = ["category", "MOUSs", "succeeded", "nothing", "failed", ...table.classes.map((c) => `failed ${c}`), "recovered", "open"];
  const line = (r: OutcomeRow) => [
    r.category,
    String(r.mouses),
    String(r.succeeded),
    String(r.nothingToProcess),
    String(r.failed),
    ...table.classes.map((c) => String(r.failedBy[c] ?? 0)),
    Object.entries(r.recoveredBy).map(([c, n]) => `${c}:${n}`).join(" ") || "0",
    String(r.open),
  ];
  return { headers, rows: [...table.rows.map(line), line(table.total)] };
}

/** A page to keep beside the campaign: the chart, then the table. */
export function outcomeHtml(table: OutcomeTable, title: string): string {
  const { headers, rows } = outcomeColumns(table);
  const cell = (tag: string, text: string) => `<${tag}>${escapeXml(text)}</${tag}>`;
  return [
    "<!doctype html>",
    `<html lang="en"><head><meta charset="utf-8"><title>${escapeXml(title)}</title>`,
    "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}td:first-child,th:first-child{text-align:left}tr:last-child{font-weight:bold}</style>",
    "</head><body>",
    `<h1>${escapeXml(title)}</h1>`,
    outcomeChartSvg(table, "MOUSs by category and outcome"),
    "<table>",
    `<tr>${headers.map((h) => cell("th", h)).join("")}</tr>`,
    ...rows.map((r) => `<tr>${r.map((c) => cell("td", c)).join("")}</tr>`),
    "</table>",
    "<p>A failed MOUS counts under the class of its last error; <em>recovered</em> counts errors that a retry got past.</p>",
    "</body></html>",
    "",
  ].join("\n");
}
