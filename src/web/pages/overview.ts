import { ErrorClass, MousState } from "../../domain/campaign.js";
import type { CampaignRow, CampaignSummary } from "../../store/store.js";
import { barChart, stackedBar } from "../charts.js";
import { html, queryString, type Html } from "../html.js";
import { ERROR_COLOURS, STATE_COLOURS, duration, page, when } from "./layout.js";

const STATES = Object.values(MousState);

/** A run counts as alive while its heartbeat is fresh (the engine beats every few seconds). */
export function isLive(run: CampaignSummary["runs"][number], now: number): boolean {
  return run.state === "running" && now - Date.parse(run.heartbeatAt) < 120_000;
}

export function overviewPage(campaign: CampaignRow, summary: CampaignSummary, now: number): Html {
  const total = STATES.reduce((a, s) => a + summary.counts[s], 0);
  const live = summary.runs.filter((r) => isLive(r, now));
  const stepsPercent = summary.steps.total === 0 ? 0 : (100 * summary.steps.done) / summary.steps.total;
  const elapsed = summary.firstStartedAt === null ? null : ((live.length > 0 ? now : Date.parse(summary.lastFinishedAt ?? summary.firstStartedAt)) - Date.parse(summary.firstStartedAt)) / 1000;
  const rate = elapsed !== null && elapsed > 0 ? summary.steps.done / elapsed : 0;
  const remaining = rate > 0 && live.length > 0 ? (summary.steps.total - summary.steps.done) / rate : null;

  const stateBars = STATES.map((s) => ({ label: s, value: summary.counts[s], colour: STATE_COLOURS[s], href: `/runs${queryString({ state: s })}` }));
  const failedBars = [...summary.failedByClass]
    .sort((a, b) => b.mouses - a.mouses)
    .map((f) => ({ label: f.errorClass, value: f.mouses, colour: ERROR_COLOURS[f.errorClass] ?? "#6b7280", href: `/runs${queryString({ error: f.errorClass })}` }));
  const errorBars = [...summary.errorsByClass]
    .sort((a, b) => b.errors - a.errors)
    .map((f) => ({ label: f.errorClass, value: f.errors, colour: ERROR_COLOURS[f.errorClass] ?? "#6b7280" }));

  const categories = new Map<string, Record<MousState, number>>();
  for (const c of summary.categories) {
    const key = c.category ?? "(none)";
    const row = categories.get(key) ?? (Object.fromEntries(STATES.map((s) => [s, 0])) as Record<MousState, number>);
    row[c.state] += c.mouses;
    categories.set(key, row);
  }
  const categoryRows = [...categories.entries()].sort((a, b) => a[0].localeCompare(b[0]));

  const body = html`
<h1>${campaign.name}</h1>
<p class="sub">Campaign <code>${campaign.id}</code> · recipe ${campaign.recipe} · archive <code>${campaign.archive}</code> · created ${when(campaign.createdAt)}</p>
<div class="card">
  <h2>Progress ${live.length > 0 ? html`<span class="badge" style="background:${STATE_COLOURS.running}">running</span>` : ""}</h2>
  <div class="progress-text" data-testid="progress">${stepsPercent.toFixed(1)}% <span class="muted" style="font-size:14px;font-weight:400">of steps finished (${summary.steps.done} of ${summary.steps.total}) · ${total} MOUSs</span></div>
  ${stackedBar(stateBars, { title: "MOUSs by state" })}
  <div class="legend">${stateBars.map((b) => html`<span style="--c:${b.colour}">${b.label} ${b.value}</span>`)}</div>
  <p class="muted">${
    live.length > 0
      ? html`${live.length} run(s) alive: ${live.map((r) => html`<code>${r.host}:${r.pid}</code> (heartbeat ${when(r.heartbeatAt)}) `)} · ${(rate * 3600).toFixed(1)} steps/hour${remaining === null ? "" : html` · about ${duration(remaining)} to go`} · this page reloads every 10 s`
      : html`No run is going on now. ${summary.lastFinishedAt === null ? "Nothing has run yet." : html`Last step finished ${when(summary.lastFinishedAt)}; elapsed ${duration(elapsed)}.`}`
  }</p>
</div>
<div class="grid">
  <div class="card"><h2>MOUSs by state</h2>${barChart(stateBars, { title: "MOUSs by state" })}</div>
  <div class="card"><h2>Failed MOUSs by error class</h2>${barChart(failedBars, { title: "Failed MOUSs by error class" })}</div>
  <div class="card"><h2>Errors by class <span class="muted" style="font-weight:400">(all attempts)</span></h2>${barChart(errorBars, { title: "Errors by class" })}</div>
  <div class="card" style="grid-column:1/-1"><h2>Categories</h2>
    <table><thead><tr><th>category</th>${STATES.map((s) => html`<th class="num">${s}</th>`)}</tr></thead>
    <tbody>${categoryRows.map(
      ([name, row]) =>
        html`<tr><td><a href="/runs${queryString({ category: name === "(none)" ? undefined : name })}">${name}</a></td>${STATES.map(
          (s) => html`<td class="num">${row[s] === 0 ? html`<span class="muted">0</span>` : html`<a href="/runs${queryString({ category: name, state: s })}">${row[s]}</a>`}</td>`,
        )}</tr>`,
    )}</tbody></table>
  </div>
</div>`;
  return page({ title: "Overview", campaign, section: "overview", body, ...(live.length > 0 && { refreshSeconds: 10 }) });
}

export const KNOWN_ERROR_CLASSES: readonly ErrorClass[] = Object.values(ErrorClass);
