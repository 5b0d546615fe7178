/**
 * `reimage serve`: a read-only dashboard over a campaign store, on 127.0.0.1 by default.
 * Plain node:http with a small table of routes; pages are HTML made on the server (no
 * build step, no client framework), the sky view alone runs Aladin Lite in the browser.
 *
 *   GET /                      overview: counts by state, error classes, categories, progress
 *   GET /runs                  the MOUS list: filtered, sorted and paged by the store
 *   GET /mous/<uid___A..>      one MOUS: steps on a timeline, attempts with logs, errors, products
 *   GET /mous/<uid>/attempts/<step>/<n>/<log|stdout|stderr>   a log the store recorded
 *   GET /sky                   Aladin Lite with the campaign's footprints; data at /sky/data.json
 *   GET /obscore               every image product as ObsCore (VOTable; FORMAT=csv for CSV)
 *   GET /obscore/table         the same records as a page
 *   GET /products/<id>/file    a product as stored; /products/<id>/preview/<n> its previews
 *   GET /soda/<id>?CIRCLE=ra dec r&BAND=lo hi    a FITS cut-out (IVOA SODA parameters)
 *
 * Files are served only when the store names them (a product's path, an attempt's log, a
 * preview in a product's record): no part of a URL is ever joined to a folder.
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { basename } from "node:path";
import { fileURLToPath } from "node:url";
import { ProductKind, StepName } from "../domain/campaign.js";
import { ErrorCode, ReimageError, coerceError } from "../domain/errors.js";
import { parseUid } from "../domain/glossary.js";
import { angularSeparation } from "../fits/wcs/index.js";
import { parseStcs, type StcsRegion } from "../products/footprint/stc-s.js";
import { ObsCoreCatalogue } from "../publish/catalogue.js";
import { parseSodaParameters, prepareCutout, writeCutout } from "../publish/cutout.js";
import { obscoreCsvChunks, obscoreVotableChunks, productIdFromUrl, productUrlId } from "../publish/obscore.js";
import type { CampaignRow, CampaignStore, ProductRow } from "../store/store.js";
import type { Html } from "./html.js";
import { errorPage } from "./pages/layout.js";
import { mousPage, previewPaths } from "./pages/mous-page.js";
import { obscorePage } from "./pages/obscore-page.js";
import { overviewPage } from "./pages/overview.js";
import { runsPage, runsQuery } from "./pages/runs.js";
import { skyPage } from "./pages/sky.js";
import { STYLE_SHEET } from "./style.js";

export interface DashboardOptions {
  readonly store: CampaignStore;
  /** The campaign to show; by default the newest in the store, looked up on each request. */
  readonly campaignId?: string | undefined;
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** The authority of ObsCore publisher DIDs (`ivo://<authority>/...`). */
  readonly authority?: string;
  readonly onRequest?: (line: { method: string; url: string; status: number; ms: number }) => void;
}

export interface Dashboard {
  /** `http://127.0.0.1:<port>/` */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** An answer other than 200, with the text the client sees. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Images the sky view loads under the footprints; each is a whole FITS file for the browser. */
const MAX_SKY_IMAGES = 6;

const ALADIN_SCRIPT = fileURLToPath(import.meta.resolve("aladin-lite"));

/** A field of view holding every image: about their mean direction, wide enough for the farthest with a margin. */
export function viewOf(images: readonly { ra: number; dec: number; fov: number }[]): { centre: { ra: number; dec: number }; fovDeg: number } {
  if (images.length === 0) return { centre: { ra: 0, dec: 0 }, fovDeg: 180 };
  const d2r = Math.PI / 180;
  let x = 0;
  let y = 0;
  let z = 0;
  for (const i of images) {
    x += Math.cos(i.dec * d2r) * Math.cos(i.ra * d2r);
    y += Math.cos(i.dec * d2r) * Math.sin(i.ra * d2r);
    z += Math.sin(i.dec * d2r);
  }
  const centre = { ra: ((Math.atan2(y, x) / d2r) % 360 + 360) % 360, dec: Math.atan2(z, Math.hypot(x, y)) / d2r };
  const reach = Math.max(...images.map((i) => angularSeparation(centre.ra, centre.dec, i.ra, i.dec) + i.fov / 2));
  return { centre, fovDeg: Math.min(180, Math.max(1.8 * reach, 0.002)) };
}

/** What Aladin Lite draws of an `s_region`: its polygons' outer rings and its circles (holes are left out). */
export function drawableShapes(sRegion: string): ({ polygon: [number, number][] } | { circle: [number, number, number] })[] {
  const out: ({ polygon: [number, number][] } | { circle: [number, number, number] })[] = [];
  const visit = (r: StcsRegion): void => {
    if (r.shape === "polygon") out.push({ polygon: r.vertices.map(([a, b]) => [a, b]) });
    else if (r.shape === "circle") out.push({ circle: [r.centre[0], r.centre[1], r.radius] });
    else if (r.shape === "union" || r.shape === "intersection") r.regions.forEach(visit);
  };
  visit(parseStcs(sRegion).region);
  return out;
}

export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const host = options.host ?? "127.0.0.1";
  let baseUrl = "";
  const catalogues = new Map<string, ObsCoreCatalogue>();
  const catalogue = (campaignId: string): ObsCoreCatalogue => {
    let c = catalogues.get(campaignId);
    if (c === undefined) {
      c = new ObsCoreCatalogue(options.store, { campaignId, baseUrl, authority: options.authority ?? "reimage.local" });
      catalogues.set(campaignId, c);
    }
    return c;
  };

  async function campaign(): Promise<CampaignRow> {
    if (options.campaignId !== undefined) {
      const c = await options.store.getCampaign(options.campaignId);
      if (c === undefined) throw new HttpError(404, `the store holds no campaign "${options.campaignId}"`);
      return c;
    }
    const [newest] = await options.store.listCampaigns();
    if (newest === undefined) throw new HttpError(404, "the store holds no campaign yet: run `reimage demo` or `reimage run` first");
    return newest;
  }

  const sendHtml = (res: ServerResponse, status: number, body: Html): void => {
    res.writeHead(status, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
    res.end(body.text);
  };
  const sendText = (res: ServerResponse, status: number, type: string, body: string): void => {
    res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
    res.end(body);
  };
  const sendFile = async (res: ServerResponse, path: string, type: string, download?: string): Promise<void> => {
    let size: number;
    try {
      size = (await stat(path)).size;
    } catch {
      throw new HttpError(404, `the store names ${path}, but it is not on disk any more`);
    }
    res.writeHead(200, {
      "content-type": type,
      "content-length": size,
      ...(download !== undefined && { "content-disposition": `attachment; filename="${download.replace(/[^\w.-]/g, "_")}"` }),
    });
    await new Promise<void>((resolve, reject) => {
      const stream = createReadStream(path);
      stream.on("error", reject);
      res.on("close", () => {
        stream.destroy();
        resolve();
      });
      stream.pipe(res);
    });
  };
  const sendChunks = async (res: ServerResponse, type: string, chunks: Iterable<string>, download?: string): Promise<void> => {
    res.writeHead(200, { "content-type": type, ...(download !== undefined && { "content-disposition": `inline; filename="${download}"` }) });
    for (const chunk of chunks) {
      if (!res.write(chunk)) await new Promise((resolve) => res.once("drain", resolve));
    }
    res.end();
  };

  async function product(c: CampaignRow, urlId: string): Promise<ProductRow> {
    const id = productIdFromUrl(urlId);
    if (id === undefined) throw new HttpError(400, `"${urlId}" is not a product id (ids are the letters, digits, - and _ of the links this server gives)`);
    const found = await options.store.getProduct(c.id, id);
    if (found === undefined) throw new HttpError(404, `campaign "${c.id}" has no product with id ${urlId}`);
    return found;
  }

  async function route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const parts = url.pathname.split("/").slice(1).map((p) => {
      try {
        return decodeURIComponent(p);
      } catch {
        throw new HttpError(400, `the path ${url.pathname} is not valid percent-encoding`);
      }
    });
    if (parts.some((p) => p === ".." || p === "." || p.includes("/") || p.includes("\\") || p.includes("\0"))) {
      throw new HttpError(400, `the path ${url.pathname} has a segment that names a folder (.., /, \\): paths name pages and ids only`);
    }
    const [first = "", ...rest] = parts;
    if (first === "static") {
      if (rest[0] === "reimage.css" && rest.length === 1) return sendText(res, 200, "text/css; charset=utf-8", STYLE_SHEET);
      if (rest[0] === "aladin.js" && rest.length === 1) return sendFile(res, ALADIN_SCRIPT, "text/javascript; charset=utf-8");
      throw new HttpError(404, `no static file ${url.pathname}`);
    }
    if (first === "favicon.ico") throw new HttpError(404, "no icon");
    const c = await campaign();
    const now = Date.now();
    if (first === "" && rest.length === 0) return sendHtml(res, 200, overviewPage(c, await options.store.campaignSummary(c.id), now));
    if (first === "runs" && rest.length === 0) {
      const query = runsQuery(url.searchParams);
      if (typeof query === "string") throw new HttpError(400, query);
      const [result, summary] = await Promise.all([options.store.listMouses(c.id, query), options.store.campaignSummary(c.id)]);
      const categories = [...new Set(summary.categories.map((x) => x.category).filter((x): x is string => x !== null))].sort();
      return sendHtml(res, 200, runsPage(c, query, result, categories));
    }
    if (first === "mous" && rest.length >= 1) {
      const uid = parseUid(rest[0] ?? "");
      if (uid === undefined) throw new HttpError(400, `"${rest[0]}" is not a MOUS uid (uid___A001_X..._X... or uid://A001/X.../X...)`);
      const mous = await options.store.mousReport(c.id, uid.uid);
      if (mous === undefined) throw new HttpError(404, `campaign "${c.id}" has no MOUS ${uid.uid}`);
      if (rest.length === 1) {
        const products = await options.store.listProducts(c.id, { mousUid: uid.uid });
        return sendHtml(res, 200, mousPage(c, { ...mous, productIds: new Map(products.map((p) => [p.path, p.id])) }, now));
      }
      const [, attempts, stepName, n, which] = rest;
      if (attempts === "attempts" && rest.length === 5) {
        const step = mous.steps.find((s) => s.name === stepName);
        if (step === undefined) throw new HttpError(404, `no step "${stepName}" (steps: ${Object.values(StepName).join(", ")})`);
        const attempt = step.attempts.find((a) => String(a.number) === n);
        if (attempt === undefined) throw new HttpError(404, `step ${step.name} of ${uid.uid} has no attempt ${n}`);
        const path = which === "log" ? attempt.logPath : which === "stdout" ? attempt.stdoutPath : which === "stderr" ? attempt.stderrPath : undefined;
        if (path === undefined) throw new HttpError(404, `"${which}" is not log, stdout or stderr`);
        if (path === null) throw new HttpError(404, `attempt ${n} of ${step.name} recorded no ${which}`);
        return sendFile(res, path, "text/plain; charset=utf-8");
      }
      throw new HttpError(404, `no page ${url.pathname}`);
    }
    if (first === "sky" && rest.length === 0) {
      return sendHtml(res, 200, skyPage(c, `/sky/data.json${url.search}`));
    }
    if (first === "sky" && rest[0] === "data.json" && rest.length === 1) {
      return sendText(res, 200, "application/json", JSON.stringify(await skyData(c, url.searchParams)));
    }
    if (first === "obscore" && rest.length === 0) {
      const format = (url.searchParams.get("FORMAT") ?? url.searchParams.get("RESPONSEFORMAT") ?? "votable").toLowerCase();
      const { records } = await catalogue(c.id).answer();
      if (format === "csv" || format === "text/csv") return sendChunks(res, "text/csv; charset=utf-8", obscoreCsvChunks(records), `${c.id}-obscore.csv`);
      if (["votable", "application/x-votable+xml", "text/xml", "votable/td"].includes(format)) {
        return sendChunks(res, "application/x-votable+xml; charset=utf-8", obscoreVotableChunks(records, c.id), `${c.id}-obscore.xml`);
      }
      throw new HttpError(400, `FORMAT=${format} is not votable or csv`);
    }
    if (first === "obscore" && rest[0] === "table" && rest.length === 1) {
      const answer = await catalogue(c.id).answer();
      return sendHtml(res, 200, obscorePage(c, answer));
    }
    if (first === "products" && rest.length >= 2) {
      const p = await product(c, rest[0] ?? "");
      if (rest[1] === "file" && rest.length === 2) {
        return sendFile(res, p.path, /\.gz$/.test(p.path) ? "application/gzip" : /\.fits$/.test(p.path) ? "application/fits" : "application/octet-stream", basename(p.path));
      }
      if (rest[1] === "preview" && rest.length === 3) {
        const previews = previewPaths(p.meta);
        const path = /^\d{1,3}$/.test(rest[2] ?? "") ? previews[Number(rest[2])] : undefined;
        if (path === undefined) throw new HttpError(404, `product ${basename(p.path)} has no preview ${rest[2]} (it has ${previews.length})`);
        return sendFile(res, path, "image/png");
      }
      throw new HttpError(404, `no page ${url.pathname}`);
    }
    if (first === "soda" && rest.length === 1) {
      const p = await product(c, rest[0] ?? "");
      if (!([ProductKind.FitsImage, ProductKind.FitsCube, ProductKind.PrimaryBeam] as readonly ProductKind[]).includes(p.kind)) {
        throw new HttpError(400, `UsageFault: ${basename(p.path)} is a ${p.kind}, not a FITS image`);
      }
      const request = parseSodaParameters(url.searchParams);
      const prepared = await prepareCutout(p.path, request);
      const name = basename(p.path).replace(/\.fits(\.gz)?$/, ".cutout.fits");
      res.writeHead(200, { "content-type": "application/fits", "content-disposition": `attachment; filename="${name}"` });
      const sink = {
        write: async (bytes: Uint8Array) => {
          if (res.destroyed) throw new Error("the client went away");
          if (!res.write(bytes)) await new Promise((resolve) => res.once("drain", resolve));
        },
        close: () => new Promise<void>((resolve) => res.end(resolve)),
      };
      await writeCutout(p.path, prepared, sink, `cut-out of ${basename(p.path)} by reimage: ${url.search.slice(0, 120)}`);
      return;
    }
    throw new HttpError(404, `no page ${url.pathname}`);
  }

  async function skyData(c: CampaignRow, params: URLSearchParams) {
    const { records } = await catalogue(c.id).answer();
    const wanted = params.get("product");
    const focusId = wanted === null ? undefined : productIdFromUrl(wanted);
    const focus = records.find((r) => r.productId === focusId) ?? records.find((r) => r.dataproduct_type === "image") ?? records[0];
    // Under the footprints, one image per MOUS (its continuum image when it has one), the
    // focused product's own first; at most a few, each is a whole FITS image for the browser.
    const images = records.filter((r) => r.dataproduct_type === "image");
    const perMous = new Map<string, (typeof records)[number]>();
    for (const r of images) {
      const known = perMous.get(r.member_ous_uid);
      if (known === undefined || (/\.cont\./.test(r.obs_publisher_did) && !/\.cont\./.test(known.obs_publisher_did))) perMous.set(r.member_ous_uid, r);
    }
    const focused = focus !== undefined && focus.productId === focusId;
    const focusImage = !focused ? undefined : (images.find((r) => r.productId === focus.productId) ?? perMous.get(focus.member_ous_uid));
    const others = [...perMous.values()].filter((r) => r.member_ous_uid !== focusImage?.member_ous_uid);
    const backgrounds = [...(focusImage === undefined ? [] : [focusImage]), ...others].slice(0, MAX_SKY_IMAGES);
    // Focused on one product: that image. Otherwise every footprint, about their mean direction.
    const shown = focused ? [focus] : records;
    const view = viewOf(shown.map((r) => ({ ra: r.s_ra, dec: r.s_dec, fov: r.s_fov })));
    return {
      centre: view.centre,
      fovDeg: view.fovDeg,
      backgrounds: backgrounds.map((r) => ({ url: `/soda/${productUrlId(r.productId)}`, name: basename(r.obs_publisher_did) })),
      footprints: records.map((r) => ({
        mous: r.member_ous_uid,
        name: basename(r.obs_publisher_did),
        region: r.s_region,
        shapes: drawableShapes(r.s_region),
        colour: r.dataproduct_type === "cube" ? "#60a5fa" : "#fbbf24",
      })),
    };
  }

  const server = createServer((req, res) => {
    const started = Date.now();
    const url = new URL(req.url ?? "/", "http://localhost");
    const done = () => options.onRequest?.({ method: req.method ?? "", url: req.url ?? "", status: res.statusCode, ms: Date.now() - started });
    res.on("finish", done);
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" });
      res.end("this dashboard is read-only: GET only\n");
      return;
    }
    route(req, res, url).catch(async (caught: unknown) => {
      const error = coerceError(caught);
      const status = error instanceof HttpError ? error.status : error instanceof ReimageError && error.code === ErrorCode.BadInput ? 400 : 500;
      if (res.headersSent) {
        // A streamed answer (a cut-out) failed midway: the client sees a cut connection, not a short file.
        res.destroy(error);
        return;
      }
      const machine = url.pathname.startsWith("/soda/") || url.pathname.startsWith("/obscore") || url.pathname.startsWith("/sky/data") || url.pathname.startsWith("/products/");
      if (machine) {
        sendText(res, status, "text/plain; charset=utf-8", `${error.message}\n`);
        return;
      }
      let c: CampaignRow | undefined;
      try {
        c = await campaign();
      } catch {
        c = undefined;
      }
      sendHtml(res, status, errorPage(status, error.message, c));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (e) => reject(new ReimageError(ErrorCode.BadInput, `cannot listen on ${host}:${options.port}: ${e.message}`, { cause: e })));
    server.listen(options.port, host, resolve);
  });
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://${host}:${port}/`;
  return {
    url: baseUrl,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

