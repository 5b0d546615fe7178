import { ErrorClass, MousState } from "../../domain/campaign.js";
import { parseUid } from "../../domain/glossary.js";
import type { CampaignRow, MousListPage, MousListQuery, MousSort } from "../../store/store.js";
import { html, queryString, type Html } from "../html.js";
import { badge, page, when } from "./layout.js";

export const PAGE_SIZES = [50, 100, 250, 500] as const;
const SORTS: readonly MousSort[] = ["mous", "project", "source", "category", "state", "updated"];

/** The MOUS list's query from the URL; anything out of range is a 400, never a guess. */
export function runsQuery(params: URLSearchParams): MousListQuery | string {
  const state = params.get("state") ?? "";
  if (state !== "" && !(Object.values(MousState) as string[]).includes(state)) return `state "${state}" is not one of ${Object.values(MousState).join(", ")}`;
  const error = params.get("error") ?? "";
  if (error !== "" && !(Object.values(ErrorClass) as string[]).includes(error)) return `error class "${error}" is not one of ${Object.values(ErrorClass).join(", ")}`;
  const sort = params.get("sort") ?? "mous";
  if (!(SORTS as readonly string[]).includes(sort)) return `sort "${sort}" is not one of ${SORTS.join(", ")}`;
  const size = Number(params.get("size") ?? PAGE_SIZES[0]);
  if (!(PAGE_SIZES as readonly number[]).includes(size)) return `page size ${params.get("size")} is not one of ${PAGE_SIZES.join(", ")}`;
  const pageNumber = Number(params.get("page") ?? 1);
  if (!Number.isInteger(pageNumber) || pageNumber < 1 || pageNumber > 1_000_000) return `page ${params.get("page")} is not a page number`;
  const search = (params.get("q") ?? "").trim();
  if (search.length > 200) return "the search text is longer than 200 characters";
  const category = params.get("category") ?? "";
  return {
    ...(state !== "" && { state: state as MousState }),
    ...(error !== "" && { errorClass: error as ErrorClass }),
    ...(category !== "" && { category }),
    ...(search !== "" && { search }),
    sort: sort as MousSort,
    descending: params.get("order") === "desc",
    offset: (pageNumber - 1) * size,
    limit: size,
  };
}

export function mousHref(mousUid: string): string {
  return `/mous/${parseUid(mousUid)?.fileId ?? encodeURIComponent(mousUid)}`;
}

export function runsPage(campaign: CampaignRow, query: MousListQuery, result: MousListPage, categories: readonly string[]): Html {
  const base = {
    state: query.state,
    error: query.errorClass,
    category: query.category,
    q: query.search,
    size: query.limit === PAGE_SIZES[0] ? undefined : query.limit,
  };
  const sortLink = (sort: MousSort, label: string, numeric = false) => {
    const current = query.sort === sort;
    const order = current && !query.descending ? "desc" : undefined;
    return html`<th class="${numeric ? "num" : ""}"><a class="${current ? "sorted" : ""}" href="/runs${queryString({ ...base, sort, order })}">${label}${current ? (query.descending ? " ▼" : " ▲") : ""}</a></th>`;
  };
  const pageNumber = Math.floor(query.offset / query.limit) + 1;
  const pages = Math.max(1, Math.ceil(result.total / query.limit));
  const at = (p: number) => `/runs${queryString({ ...base, sort: query.sort === "mous" ? undefined : query.sort, order: query.descending ? "desc" : undefined, page: p === 1 ? undefined : p })}`;
  const option = (value: string, label: string, selected: boolean) => html`<option value="${value}" ${selected ? html`selected` : ""}>${label}</option>`;
  const pager = html`<div class="pager" data-testid="pager">
    <span>${result.total === 0 ? "No MOUS matches" : html`MOUSs <b>${query.offset + 1}–${Math.min(result.total, query.offset + query.limit)}</b> of <b>${result.total}</b>`}</span>
    ${pageNumber > 1 ? html`<a href="${at(1)}">« first</a><a href="${at(pageNumber - 1)}">‹ previous</a>` : ""}
    <span>page ${pageNumber} of ${pages}</span>
    ${pageNumber < pages ? html`<a href="${at(pageNumber + 1)}">next ›</a><a href="${at(pages)}">last »</a>` : ""}
  </div>`;
  const body = html`
<h1>MOUSs</h1>
<form class="filters" method="get" action="/runs">
  <label>search<input type="search" name="q" value="${query.search ?? ""}" placeholder="uid, project or source"></label>
  <label>state<select name="state">${option("", "any", query.state === undefined)}${Object.values(MousState).map((s) => option(s, s, query.state === s))}</select></label>
  <label>error class<select name="error">${option("", "any", query.errorClass === undefined)}${Object.values(ErrorClass).map((e) => option(e, e, query.errorClass === e))}</select></label>
  <label>category<select name="category">${option("", "any", query.category === undefined)}${categories.map((c) => option(c, c, query.category === c))}</select></label>
  <label>per page<select name="size">${PAGE_SIZES.map((n) => option(String(n), String(n), query.limit === n))}</select></label>
  <input type="hidden" name="sort" value="${query.sort}">
  ${query.descending ? html`<input type="hidden" name="order" value="desc">` : ""}
  <button type="submit">Filter</button>
  <a href="/runs">clear</a>
</form>
${pager}
<div class="card" style="padding:0">
<table data-testid="runs-table">
<thead><tr>${sortLink("mous", "MOUS")}${sortLink("project", "project")}${sortLink("source", "source")}${sortLink("category", "category")}${sortLink("state", "state")}<th>error class</th>${sortLink("updated", "updated")}</tr></thead>
<tbody>
${result.rows.map(
  (r) => html`<tr>
<td><a class="mono" href="${mousHref(r.mousUid)}">${r.mousUid}</a></td>
<td class="mono">${r.projectCode}</td>
<td>${r.sourceName ?? ""}</td>
<td>${r.category ?? ""}</td>
<td>${badge(r.state)}</td>
<td>${r.errorClass === null ? "" : html`<a href="/runs${queryString({ error: r.errorClass })}">${r.errorClass}</a>`}</td>
<td>${when(r.updatedAt)}</td>
</tr>`,
)}
</tbody>
</table>
</div>
${pager}`;
  return page({ title: "MOUSs", campaign, section: "runs", body });
}
