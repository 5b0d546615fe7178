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
  // The campaign's own images are the layers: with no survey named, Aladin Lite asks no
  // external HiPS server for anything.
  let pending = data.backgrounds.length;
  const loaded = (ok, name, error) => {
    pending -= 1;
    if (!ok) { window.reimageSkyBackground = "failed"; say("image " + name + " failed: " + error); }
    else if (pending === 0 && window.reimageSkyBackground === undefined) window.reimageSkyBackground = "loaded";
  };
  const layers = data.backgrounds.map((b) => A.image(b.url, {
    name: b.name,
    successCallback: () => loaded(true, b.name),
    errorCallback: (e) => loaded(false, b.name, e),
  }));
  const box = document.getElementById("aladin");
  const aladin = A.aladin("#aladin", {
    target: data.centre.ra + " " + data.centre.dec,
    // Aladin's field of view is the view's width: widen it so the height holds every footprint.
    fov: data.fovDeg * Math.max(1, box.clientWidth / box.clientHeight),
    cooFrame: "ICRS",
    projection: "SIN",
    survey: layers.length > 0 ? layers[0] : [],
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
  layers.slice(1).forEach((layer, i) => aladin.setOverlayImageLayer(layer, "image-" + (i + 1)));
  const overlay = A.graphicOverlay({ color: "#fbbf24", lineWidth: 2, name: "footprints" });
  aladin.addOverlay(overlay);
  for (const f of data.footprints) {
    for (const s of f.shapes) {
      overlay.add(s.polygon ? A.polygon(s.polygon, { color: f.colour, lineWidth: 2 }) : A.circle(s.circle[0], s.circle[1], s.circle[2], { color: f.colour, lineWidth: 2 }));
    }
  }
  window.reimageSky = { footprints: data.footprints.length, images: data.backgrounds.map((b) => b.name) };
  say(data.footprints.length + " footprint(s)" + (data.backgrounds.length > 0 ? " over " + data.backgrounds.length + " image(s): " + data.backgrounds.map((b) => b.name).join(", ") : ", no image to show under them yet"));
} catch (error) {
  window.reimageSky = { error: String(error) };
  say("the sky view could not start: " + error);
}
`);
  const body = html`
<h1>Sky</h1>
<p class="sub">Footprints of the campaign's images (ObsCore <code>s_region</code>), drawn by Aladin Lite over the campaign's own data. <span id="sky-status" data-testid="sky-status">loading…</span></p>
<div id="aladin"></div>
<p class="muted">Yellow: images; blue: cubes. Under them, one image per MOUS, served as FITS by the cut-out service; a HiPS of the campaign will take their place.</p>
<script type="module">${script}</script>`;
  return page({ title: "Sky", campaign, section: "sky", body });
}
