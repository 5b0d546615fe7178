import { basename } from "node:path";
import type { CatalogueAnswer } from "../../publish/catalogue.js";
import { productUrlId } from "../../publish/obscore.js";
import type { CampaignRow } from "../../store/store.js";
import { html, type Html } from "../html.js";
import { page } from "./layout.js";
import { mousHref } from "./runs.js";

/** A product's name without the `member.uid___..._` prefix ALMA's names share with their MOUS. */
const shortName = (did: string): string => basename(did).replace(/^member\.uid___[A-Za-z0-9]+_[A-Za-z0-9]+_[A-Za-z0-9]+\./, "");

const fixed = (v: number | null, digits: number): string => (v === null ? "–" : v.toFixed(digits));

export function obscorePage(campaign: CampaignRow, answer: CatalogueAnswer): Html {
  const body = html`
<h1>ObsCore</h1>
<p class="sub">${answer.records.length} image product(s) as ObsCore records · <a href="/obscore">VOTable</a> · <a href="/obscore?FORMAT=csv">CSV</a> · <code>reimage obscore --out FILE</code> writes the same for ingestion.</p>
${
  answer.problems.length === 0
    ? ""
    : html`<div class="card"><h2>Products left out</h2>${answer.problems.map((p) => html`<div><code>${basename(p.path)}</code>: ${p.message}</div>`)}</div>`
}
<div class="card" style="padding:0;overflow-x:auto"><table data-testid="obscore-table">
<thead><tr><th>obs_id</th><th>product</th><th>type</th><th class="num">s_ra</th><th class="num">s_dec</th><th class="num" title="s_fov">fov (″)</th><th class="num" title="s_resolution">beam (″)</th><th class="num" title="em_min, em_max">λ (mm)</th><th class="num" title="em_res_power">R</th><th>pol</th><th></th></tr></thead>
<tbody>${answer.records.map(
  (r) => html`<tr><td><a class="mono" href="${mousHref(r.obs_id)}">${r.obs_id}</a></td><td class="mono" title="${basename(r.obs_publisher_did)}">${shortName(r.obs_publisher_did)}</td><td>${r.dataproduct_type}</td>
<td class="num">${r.s_ra.toFixed(5)}</td><td class="num">${r.s_dec.toFixed(5)}</td><td class="num">${(r.s_fov * 3600).toFixed(1)}</td><td class="num">${fixed(r.s_resolution, 2)}</td>
<td class="num">${r.em_min === null || r.em_max === null ? "–" : `${(r.em_min * 1000).toFixed(4)}–${(r.em_max * 1000).toFixed(4)}`}</td><td class="num">${fixed(r.em_res_power, 0)}</td><td>${r.pol_states ?? ""}</td>
<td style="white-space:nowrap"><a href="/soda/${productUrlId(r.productId)}">FITS</a> · <a href="/sky?product=${productUrlId(r.productId)}">sky</a></td></tr>`,
)}</tbody></table></div>`;
  return page({ title: "ObsCore", campaign, section: "obscore", body });
}
