import { basename } from "node:path";
import type { CampaignRow, MousReport } from "../../store/store.js";
import { isScienceImage } from "../../publish/catalogue.js";
import { productUrlId } from "../../publish/obscore.js";
import { html, type Html } from "../html.js";
import { badge, bytes, duration, page, stateColour, when } from "./layout.js";
import { mousHref } from "./runs.js";

type Product = MousReport["products"][number];

/** PNG files a product's meta names (previews), in the order met: the server serves these and no others. */
export function previewPaths(meta: Readonly<Record<string, unknown>> | undefined): string[] {
  const found: string[] = [];
  const visit = (value: unknown, depth: number): void => {
    if (typeof value === "string") {
      if (/\.png$/i.test(value) && !found.includes(value)) found.push(value);
    } else if (Array.isArray(value)) {
      for (const v of value) visit(v, depth + 1);
    } else if (typeof value === "object" && value !== null && depth < 4) {
      for (const v of Object.values(value)) visit(v, depth + 1);
    }
  };
  visit(meta, 0);
  return found;
}

/** The statistics a product's meta holds (the products step's `analysis.statistics`), the
 * figures people look for first, then the rest of its plain values flattened one level. */
export function statisticsOf(meta: Readonly<Record<string, unknown>> | undefined): [string, number | string][] {
  const analysis = meta?.["analysis"];
  const stats = (typeof analysis === "object" && analysis !== null ? (analysis as Record<string, unknown>)["statistics"] : undefined) ?? meta?.["statistics"] ?? meta?.["stats"];
  if (typeof stats !== "object" || stats === null) return [];
  const rows: [string, number | string][] = [];
  for (const [k, v] of Object.entries(stats)) {
    if (typeof v === "number" || typeof v === "string") rows.push([k, v]);
    else if (typeof v === "object" && v !== null && !Array.isArray(v)) {
      for (const [k2, v2] of Object.entries(v as Record<string, unknown>)) if (typeof v2 === "number" || typeof v2 === "string") rows.push([`${k}.${k2}`, v2]);
    }
  }
  const rank = (k: string) => {
    const i = FIRST_STATISTICS.indexOf(k);
    return i < 0 ? FIRST_STATISTICS.length : i;
  };
  return rows.sort((a, b) => rank(a[0]) - rank(b[0]));
}

const FIRST_STATISTICS = ["unit", "peak.value", "fiducialRms", "rmsMad", "dynamicRange", "min", "max", "median", "validPixels"];

/** Why the products step could not analyse a product, when it says so. */
function analysisError(meta: Readonly<Record<string, unknown>> | undefined): string | undefined {
  const e = meta?.["analysisError"];
  return typeof e === "object" && e !== null && typeof (e as Record<string, unknown>)["message"] === "string" ? String((e as Record<string, unknown>)["message"]) : undefined;
}

function formatStat(v: number | string): string {
  if (typeof v === "string") return v;
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e6) ? v.toExponential(4) : v.toPrecision(6);
}

function timeline(mous: MousReport, now: number): Html {
  const spans = mous.steps.flatMap((s) =>
    s.attempts.map((a) => ({ step: s.name, a, start: Date.parse(a.startedAt), end: a.finishedAt === null ? now : Date.parse(a.finishedAt) })),
  );
  if (spans.length === 0) return html`<p class="muted">No step has started yet.</p>`;
  const t0 = Math.min(...spans.map((s) => s.start));
  const t1 = Math.max(...spans.map((s) => s.end), t0 + 1000);
  const pct = (t: number) => ((100 * (t - t0)) / (t1 - t0)).toFixed(2);
  return html`<div class="timeline" data-testid="timeline">
${mous.steps.map(
  (s) => html`<div class="row"><span>${s.name} ${s.attempts.length > 1 ? html`<span class="muted">×${s.attempts.length}</span>` : ""}</span><div class="track">${spans
    .filter((x) => x.step === s.name)
    .map(
      (x) =>
        html`<div class="bar" title="${s.name} attempt ${x.a.number}: ${x.a.state}, ${duration(x.a.wallSeconds)}" style="left:${pct(x.start)}%;width:${(Number(pct(x.end)) - Number(pct(x.start))).toFixed(2)}%;background:${stateColour(x.a.state)}"></div>`,
    )}</div></div>`,
)}
<div class="axis"><span>${when(new Date(t0).toISOString())}</span><span>${duration((t1 - t0) / 1000)}</span><span>${when(new Date(t1).toISOString())}</span></div>
</div>`;
}

function productCard(p: Product & { readonly id: string }): Html {
  const id = productUrlId(p.id);
  const previews = previewPaths(p.meta);
  const stats = statisticsOf(p.meta);
  const problem = analysisError(p.meta);
  const name = basename(p.path);
  return html`<div class="product" data-testid="product">
${
  previews.length > 0
    ? html`<a href="/products/${id}/preview/0"><img src="/products/${id}/preview/0" alt="preview of ${name}"></a>`
    : problem !== undefined
      ? html`<div class="noprev">no preview: the products step could not analyse this file<br>${problem}</div>`
      : html`<div class="noprev">no preview recorded for this product yet<br>(the products step writes previews into its record)</div>`
}
<div class="name">${name}</div>
<div>${badge(p.kind)} <span class="muted">${bytes(p.sizeBytes)}</span></div>
${
  stats.length > 0
    ? html`<table style="margin-top:6px">${stats.slice(0, 8).map(([k, v]) => html`<tr><td class="muted">${k}</td><td class="num mono">${formatStat(v)}</td></tr>`)}</table>`
    : html`<p class="muted" style="margin:6px 0 0">no statistics recorded</p>`
}
<p style="margin:6px 0 0"><a href="/products/${id}/file">download</a> · <a href="/soda/${id}">FITS (SODA)</a> · <a href="/sky?product=${id}">on the sky</a></p>
</div>`;
}

export function mousPage(campaign: CampaignRow, mous: MousReport & { readonly productIds: ReadonlyMap<string, string> }, now: number): Html {
  const withIds = mous.products.map((p) => ({ ...p, id: mous.productIds.get(p.path) ?? "" }));
  const science = withIds.filter((p) => isScienceImage(p));
  const others = withIds.filter((p) => !isScienceImage(p));
  const logLink = (step: string, n: number, which: "log" | "stdout" | "stderr", path: string | null) =>
    path === null ? "" : html`<a href="${mousHref(mous.mousUid)}/attempts/${step}/${n}/${which}">${which}</a> `;
  const body = html`
<h1 class="mono">${mous.mousUid} ${badge(mous.state)}</h1>
<p class="sub">project <code>${mous.projectCode}</code>${mous.sourceName === null ? "" : html` · source <b>${mous.sourceName}</b>`}${mous.category === null ? "" : html` · category ${mous.category}`}</p>
<div class="card"><h2>Steps</h2>${timeline(mous, now)}</div>
<div class="card"><h2>Attempts</h2>
<table data-testid="attempts"><thead><tr><th>step</th><th>#</th><th>state</th><th>started</th><th class="num">wall</th><th class="num">peak memory</th><th class="num">limit</th><th>exit</th><th>logs</th></tr></thead>
<tbody>${mous.steps.flatMap((s) =>
  s.attempts.length === 0
    ? [html`<tr><td>${s.name}</td><td></td><td>${badge(s.state)}</td><td colspan="6" class="muted">not started</td></tr>`]
    : s.attempts.map(
        (a) => html`<tr><td>${s.name}</td><td>${a.number}</td><td>${badge(a.state)}</td><td>${when(a.startedAt)}</td><td class="num">${duration(a.wallSeconds)}</td><td class="num">${bytes(a.peakRssBytes)}</td><td class="num">${bytes(a.memoryLimitBytes)}</td><td>${a.exitCode ?? a.signal ?? ""}</td><td>${logLink(s.name, a.number, "log", a.logPath)}${logLink(s.name, a.number, "stdout", a.stdoutPath)}${logLink(s.name, a.number, "stderr", a.stderrPath)}</td></tr>`,
      ),
)}</tbody></table></div>
${
  mous.errors.length === 0
    ? ""
    : html`<div class="card" data-testid="errors"><h2>Errors</h2>${mous.errors.map(
        (e) => html`<div style="margin-bottom:12px"><b>${e.step}</b> attempt ${e.attempt}: <span class="badge" style="background:#b91c1c">${e.errorClass}</span> ${e.message}
${e.evidenceLine === null ? "" : html`<pre class="evidence">${e.evidenceLine}</pre>`}
${e.evidenceFile === null ? "" : html`<div class="muted">evidence in <code>${e.evidenceFile}</code></div>`}
${e.decision === null ? "" : html`<div>retry decision: ${e.decision}</div>`}</div>`,
      )}</div>`
}
<div class="card"><h2>Images <span class="muted">(${science.length})</span></h2>
${science.length === 0 ? html`<p class="muted">No image product${mous.state === "failed" ? ": the MOUS failed before imaging finished" : " yet"}.</p>` : html`<div class="products" data-testid="products">${science.map(productCard)}</div>`}
</div>
${
  others.length === 0
    ? ""
    : html`<div class="card"><h2>Other products <span class="muted">(${others.length})</span></h2><table><thead><tr><th>file</th><th>kind</th><th class="num">size</th><th>sha256</th></tr></thead><tbody>${others.map(
        (p) => html`<tr><td class="mono">${p.id === "" ? basename(p.path) : html`<a href="/products/${productUrlId(p.id)}/file">${basename(p.path)}</a>`}</td><td>${p.kind}</td><td class="num">${bytes(p.sizeBytes)}</td><td class="mono muted">${p.sha256.slice(0, 16)}…</td></tr>`,
      )}</tbody></table></div>`
}`;
  const running = mous.steps.some((s) => s.state === "running");
  return page({ title: mous.mousUid, campaign, section: "runs", body, ...(running && { refreshSeconds: 10 }) });
}
