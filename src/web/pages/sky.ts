import type { CampaignRow } from "../../store/store.js";
import { html, raw, type Html } from "../html.js";
import { page } from "./layout.js";

/**
 * The sky view: Aladin Lite (served from the npm package, no external network) showing
 * the campaign's footprints (ObsCore `s_region`) over one of its own images. Until the
 * campaign has a HiPS, the background is a continuum image served as FITS by the cut-out
 * service; Aladin Lite is told about no external survey, so it fetches nothing outside.
 */
export function skyPage(campaign: CampaignRow, dataUrl: string): Html {
  const script = raw(`
import A from "/static/aladin.js";
const status = document.getElementById("sky-status");
const say = (text) => { status.textContent = text; };
try {
  const data = await (await fetch(${JSON.stringify(dataUrl)})).json();
  await A.init;
  // The campaign's own image is the base layer: with no survey named, Aladin Lite asks no
  // external HiPS server for anything.
  const background = data.background
    ? A.image(data.background.url, { name: data.background.name, successCallback: () => {}, errorCallback: (e) => say("background image failed: " + e) })
    : [];
  const aladin = A.aladin("#aladin", {
    target: data.centre.ra + " " + data.centre.dec,
    fov: data.fovDeg,
    cooFrame: "ICRS",
    projection: "SIN",
    survey: background,
    hipsList: [],
    log: false,
    showCooGrid: true,
    showLayersControl: false,
    showSimbadPointerControl: false,
    showShareControl: false,
    showSettingsControl: false,
    showFrame: true,
    showFov: true,
    showProjectionControl: false,
    showFullscreenControl: false,
  });
  const overlay = A.graphicOverlay({ color: "#fbbf24", lineWidth: 2, name: "footprints" });
  aladin.addOverlay(overlay);
  for (const f of data.footprints) {
    overlay.addFootprints(A.footprintsFromSTCS(f.region, { color: f.colour, lineWidth: 2 }));
  }
  window.reimageSky = { footprints: data.footprints.length, background: data.background ? data.background.name : null };
  say(data.footprints.length + " footprint(s)" + (data.background ? " over " + data.background.name : ", no image to show under them yet"));
} catch (error) {
  window.reimageSky = { error: String(error) };
  say("the sky view could not start: " + error);
}
`);
  const body = html`
<h1>Sky</h1>
<p class="sub">Footprints of the campaign's images (ObsCore <code>s_region</code>), drawn by Aladin Lite over the campaign's own data. <span id="sky-status" data-testid="sky-status">loading…</span></p>
<div id="aladin"></div>
<p class="muted">Yellow: continuum images; blue: cubes. A HiPS of the campaign will replace the single background image.</p>
<script type="module">${script}</script>`;
  return page({ title: "Sky", campaign, section: "sky", body });
}
