import { ErrorClass, MousState } from "../../domain/campaign.js";
import type { CampaignRow } from "../../store/store.js";
import { html, raw, type Html } from "../html.js";

export const STATE_COLOURS: Readonly<Record<MousState, string>> = {
  [MousState.Pending]: "#9ca3af",
  [MousState.Running]: "#2563eb",
  [MousState.Succeeded]: "#16a34a",
  [MousState.Failed]: "#dc2626",
  [MousState.NothingToProcess]: "#8b5cf6",
};

export const ERROR_COLOURS: Readonly<Record<ErrorClass, string>> = {
  [ErrorClass.Memory]: "#ea580c",
  [ErrorClass.CasaVersion]: "#7c3aed",
  [ErrorClass.EmptySelection]: "#0891b2",
  [ErrorClass.Crash]: "#b91c1c",
  [ErrorClass.DiskFull]: "#a16207",
  [ErrorClass.TimeLimit]: "#c026d3",
  [ErrorClass.MissingData]: "#4d7c0f",
  [ErrorClass.PipelineUnavailable]: "#be185d",
  [ErrorClass.MeasuresData]: "#0f766e",
  [ErrorClass.Unknown]: "#6b7280",
};

/** Any state of a step, attempt or MOUS, coloured alike. */
export function stateColour(state: string): string {
  const map: Readonly<Record<string, string>> = { ...STATE_COLOURS, skipped: "#c4b5fd", interrupted: "#f59e0b" };
  return map[state] ?? "#6b7280";
}

export function badge(state: string): Html {
  return html`<span class="badge" style="background:${stateColour(state)}">${state}</span>`;
}

export type Section = "overview" | "runs" | "sky" | "obscore";

export function page(options: {
  readonly title: string;
  readonly campaign: CampaignRow | undefined;
  readonly section: Section | undefined;
  readonly body: Html;
  readonly head?: Html;
  /** Seconds between reloads while a campaign runs; omitted, the page stays. */
  readonly refreshSeconds?: number;
}): Html {
  const link = (href: string, label: string, section: Section) => html`<a href="${href}" class="${options.section === section ? "here" : ""}">${label}</a>`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${options.refreshSeconds === undefined ? "" : html`<meta http-equiv="refresh" content="${options.refreshSeconds}">`}
<title>${options.title} · reimage</title>
<link rel="stylesheet" href="/static/reimage.css">
${options.head ?? ""}
</head>
<body>
<header class="top">
  <a class="brand" href="/">reimage</a>
  <nav>${link("/", "Overview", "overview")}${link("/runs", "MOUSs", "runs")}${link("/sky", "Sky", "sky")}${link("/obscore/table", "ObsCore", "obscore")}</nav>
  <span class="campaign">${options.campaign === undefined ? "no campaign" : html`campaign <b>${options.campaign.id}</b> · ${options.campaign.recipe}`}</span>
</header>
<main>
${options.body}
</main>
</body>
</html>
`;
}

export function errorPage(status: number, message: string, campaign: CampaignRow | undefined): Html {
  return page({
    title: `${status}`,
    campaign,
    section: undefined,
    body: html`<h1>${status === 404 ? "Not found" : status === 400 ? "Bad request" : "Error"}</h1><p class="sub">${message}</p><p><a href="/">Back to the overview</a></p>`,
  });
}

export function bytes(n: number | null): string {
  if (n === null) return "–";
  const units = ["B", "kB", "MB", "GB", "TB"];
  let v = n;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u += 1;
  }
  return `${v < 10 && u > 0 ? v.toFixed(1) : Math.round(v)} ${units[u]}`;
}

export function duration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return "–";
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
}

export function when(iso: string | null): Html {
  if (iso === null) return html`<span class="muted">–</span>`;
  return html`<time datetime="${iso}">${iso.replace("T", " ").replace(/\.\d+Z$/, "Z")}</time>`;
}

export { raw };
