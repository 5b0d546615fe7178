/**
 * A small request handler over a folder of archive tars, speaking the way `HttpArchiveSource`
 * expects the ALMA archive to: `reimage serve-archive DIR` runs it for a demo archive, and
 * the download tests run it with faults switched on.
 *
 * What it answers (always on 127.0.0.1):
 *   GET /mous-index.json                the MOUS index (format below)
 *   GET /datalink/sync?ID=<mous uid>    a DataLink VOTable, in the columns and semantics of
 *                                       the real archive's answers (`#this`, `#auxiliary`,
 *                                       `#progenitor`, `#documentation`)
 *   GET|HEAD /dataPortal/<file>         a tar or README, with byte ranges, an ETag, and the
 *                                       whole file's SHA-256 as `Repr-Digest` (RFC 9530)
 *
 * The MOUS index is reimage's own, the real archive has none (it is searched through TAP):
 *   { "format": "reimage-mous-index/1",
 *     "mous": [ { "projectCode": "2024.1.00042.S", "mousUid": "uid://A001/X3001/X12",
 *                 "mous": "uid___A001_X3001_X12",
 *                 "datalink": "datalink/sync?ID=uid%3A%2F%2FA001%2FX3001%2FX12" } ] }
 * `datalink` is relative to the index's own URL.
 *
 * Files are read from `DIR/request-handler/` (the layout `reimage demo-archive` writes) or,
 * when that folder is absent, from `DIR` itself; the folder is scanned once, at start. Only
 * files found by that scan are served, so no request path can name anything else.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { ErrorCode, ReimageError, coerceError, parseUid, type MousFileId, type MousUid } from "../domain/index.js";
import { mousOfArchiveTar, type MousRef } from "./sources.js";

export const MOUS_INDEX_FORMAT = "reimage-mous-index/1";
export const MOUS_INDEX_PATH = "mous-index.json";

export interface MousIndexEntry {
  readonly projectCode: string;
  readonly mousUid: MousUid;
  readonly mous: MousFileId;
  /** The MOUS's DataLink answer, relative to the index's URL. */
  readonly datalink: string;
}

export interface MousIndex {
  readonly format: typeof MOUS_INDEX_FORMAT;
  readonly mous: readonly MousIndexEntry[];
}

/**
 * Misbehaviour on demand, for tests of the downloading side. Each fault applies to file
 * downloads (`/dataPortal/...`) only, and counts its own uses.
 */
export interface ServerFaults {
  /** Close the connection after `bytes` body bytes, for the first `times` (default 1) file responses. */
  readonly cutAfterBytes?: { readonly bytes: number; readonly times?: number };
  /** Answer the first `times` file requests with `status` (default 503) and no body. */
  readonly failStatus?: { readonly status?: number; readonly times: number };
  /** Flip one byte in the middle of the file in the first `times` full-file responses. */
  readonly corruptBody?: { readonly times: number };
  /** Added to every `content_length` the DataLink answers state, as an archive with stale sizes would. */
  readonly misstateLength?: number;
}

export interface ServedRequest {
  readonly method: string;
  /** Path and query, as received. */
  readonly url: string;
  readonly range: string | undefined;
  readonly status: number;
  /** Body bytes written. */
  readonly bytesSent: number;
  /** True when a fault closed the connection mid-body. */
  readonly cut: boolean;
}

export interface ArchiveServer {
  /** `http://127.0.0.1:<port>/`, ending in a slash so relative paths resolve below it. */
  readonly url: string;
  readonly port: number;
  /** The index's URL: what `HttpArchiveSource` is given. */
  readonly indexUrl: string;
  /** Every finished request, oldest first. */
  readonly requests: readonly ServedRequest[];
  /**
   * Resolves once no request is open. A client can finish (or give up) before the server
   * has recorded the response, so tests wait for this before reading `requests`.
   */
  settled(): Promise<void>;
  /** Replaces the faults in force and resets their counters. */
  setFaults(faults: ServerFaults): void;
  close(): Promise<void>;
}

export interface ArchiveServerOptions {
  readonly dir: string;
  /** 0 (the default) lets the OS choose a free port. */
  readonly port?: number;
  readonly faults?: ServerFaults;
  /** Told about each finished request (the CLI prints them). */
  readonly onRequest?: (request: ServedRequest) => void;
}

interface ServedFile {
  readonly name: string;
  readonly path: string;
  readonly semantics: "#this" | "#auxiliary" | "#progenitor" | "#documentation";
  readonly contentType: string;
}

interface ServedMous {
  readonly ref: MousRef;
  readonly uid: MousUid;
  readonly files: ServedFile[];
}

/** Only 127.0.0.1: the server is for tests and a local demo, never for a network. */
const HOST = "127.0.0.1";
const README = /^member\.(uid___A001_X[0-9a-fA-F]+_X[0-9a-fA-F]+)\.README\.txt$/;

async function scanFolder(dir: string): Promise<Map<MousFileId, ServedMous>> {
  const rh = join(dir, "request-handler");
  const folder = (await stat(rh).catch(() => undefined))?.isDirectory() ? rh : dir;
  let names: string[];
  try {
    names = (await readdir(folder, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name).sort();
  } catch (caught) {
    throw new ReimageError(ErrorCode.BadInput, `cannot read the archive folder ${folder}`, { cause: coerceError(caught) });
  }
  const byMous = new Map<MousFileId, ServedMous>();
  const readmes: string[] = [];
  for (const name of names) {
    if (README.test(name)) readmes.push(name);
    if (!name.endsWith(".tar")) continue;
    const path = join(folder, name);
    const ref = await mousOfArchiveTar(path);
    const ids = ref === undefined ? undefined : parseUid(ref.mous);
    if (ref === undefined || ids === undefined) continue;
    const semantics = /_auxiliary\.tar$/.test(name) ? "#auxiliary" : /\.asdm\.sdm\.tar$/.test(name) ? "#progenitor" : "#this";
    const entry = byMous.get(ref.mous) ?? { ref, uid: ids.uid, files: [] };
    entry.files.push({ name, path, semantics, contentType: "application/x-tar" });
    byMous.set(ref.mous, entry);
  }
  for (const name of readmes) {
    const mous = README.exec(name)?.[1] as MousFileId | undefined;
    const entry = mous === undefined ? undefined : byMous.get(mous);
    entry?.files.unshift({ name, path: join(folder, name), semantics: "#documentation", contentType: "text/plain" });
  }
  return byMous;
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

const FIELDS = `      <FIELD name="ID" datatype="char" arraysize="*" ucd="meta.id;meta.main" />
      <FIELD name="access_url" datatype="char" arraysize="*" ucd="meta.ref.url" />
      <FIELD name="service_def" datatype="char" arraysize="*" ucd="meta.ref" />
      <FIELD name="error_message" datatype="char" arraysize="*" ucd="meta.code.error" />
      <FIELD name="semantics" datatype="char" arraysize="*" ucd="meta.code" />
      <FIELD name="description" datatype="char" arraysize="*" ucd="meta.note" />
      <FIELD name="content_type" datatype="char" arraysize="*" ucd="meta.code.mime" />
      <FIELD name="content_length" datatype="long" ucd="phys.size;meta.file" unit="byte" />
      <FIELD name="readable" datatype="boolean">
        <DESCRIPTION>the caller is allowed to use this link with the current authenticated identity</DESCRIPTION>
      </FIELD>`;

/** One TABLEDATA row in the column order of `FIELDS`; undefined cells are written empty, as the archive does. */
function row(cells: readonly (string | number | undefined)[]): string {
  const tds = cells.map((c) => (c === undefined ? "            <TD />" : `            <TD>${xmlEscape(String(c))}</TD>`));
  return `          <TR>\n${tds.join("\n")}\n          </TR>`;
}

/** A DataLink answer in the shape of the ALMA archive's (see /work/shared/real/alma-archive/). */
export function dataLinkVotable(rows: readonly string[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<VOTABLE xmlns="http://www.ivoa.net/xml/VOTable/v1.3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" version="1.4">
  <RESOURCE type="results">
    <TABLE>
${FIELDS}
      <DATA>
        <TABLEDATA>
${rows.join("\n")}
        </TABLEDATA>
      </DATA>
    </TABLE>
  </RESOURCE>
</VOTABLE>
`;
}

function description(file: ServedFile): string {
  if (file.semantics === "#documentation") return `Download documentation for ./${file.name}|README.`;
  return file.semantics === "#progenitor" ? "Download dataset of type: , and class: N/A." : "Download dataset of type: null, and class: N/A.";
}

interface Digest {
  readonly size: number;
  readonly mtimeMs: number;
  readonly sha256: Buffer;
}

async function sha256Of(path: string): Promise<Buffer> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest();
}

type ByteRange = { readonly start: number; readonly end: number } | "unsatisfiable" | undefined;

/** One `bytes=` range of RFC 9110; several ranges, or a header it cannot read, mean "the whole file". */
function parseRange(header: string | undefined, size: number): ByteRange {
  const m = header === undefined ? null : /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (m === null) return undefined;
  const [, first = "", last = ""] = m;
  if (first === "" && last === "") return undefined;
  if (first === "") {
    const suffix = Number(last);
    if (suffix === 0) return "unsatisfiable";
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === "" ? size - 1 : Math.min(Number(last), size - 1);
  if (start >= size || end < start) return "unsatisfiable";
  return { start, end };
}

/** Waits until `res` can take more, or is gone (a client that hung up never drains). */
async function drained(res: ServerResponse): Promise<void> {
  await new Promise<void>((resolvePromise) => {
    const done = (): void => {
      res.off("drain", done);
      res.off("close", done);
      resolvePromise();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

/** Serves the archive folder `options.dir` on 127.0.0.1 until `close()`. */
export async function startArchiveServer(options: ArchiveServerOptions): Promise<ArchiveServer> {
  const byMous = await scanFolder(options.dir);
  const files = new Map<string, ServedFile>();
  for (const m of byMous.values()) for (const f of m.files) files.set(f.name, f);
  const digests = new Map<string, Digest>();
  const requests: ServedRequest[] = [];

  let faults: ServerFaults = options.faults ?? {};
  let uses = { cut: 0, status: 0, corrupt: 0 };
  let base = "";

  async function digestOf(file: ServedFile, size: number, mtimeMs: number): Promise<Buffer> {
    const known = digests.get(file.name);
    if (known !== undefined && known.size === size && known.mtimeMs === mtimeMs) return known.sha256;
    const sha256 = await sha256Of(file.path);
    digests.set(file.name, { size, mtimeMs, sha256 });
    return sha256;
  }

  function index(): MousIndex {
    const mous = [...byMous.values()]
      .sort((a, b) => (a.ref.mous < b.ref.mous ? -1 : a.ref.mous > b.ref.mous ? 1 : 0))
      .map((m) => ({
        projectCode: m.ref.projectCode,
        mousUid: m.uid,
        mous: m.ref.mous,
        datalink: `datalink/sync?ID=${encodeURIComponent(m.uid)}`,
      }));
    return { format: MOUS_INDEX_FORMAT, mous };
  }

  async function dataLink(id: string): Promise<string> {
    const ids = parseUid(id);
    const m = ids === undefined ? undefined : byMous.get(ids.fileId);
    if (m === undefined) {
      // DataLink reports an unknown ID as a row with an error message, not as an HTTP error.
      return dataLinkVotable([row([id, undefined, undefined, `NotFoundFault: ${id}`, "#this", undefined, undefined, undefined, undefined])]);
    }
    const rows: string[] = [];
    for (const f of m.files) {
      const size = (await stat(f.path)).size + (faults.misstateLength ?? 0);
      const url = `${base}dataPortal/${encodeURIComponent(f.name)}`;
      rows.push(row([m.uid, url, undefined, undefined, f.semantics, description(f), f.contentType, size, "true"]));
    }
    return dataLinkVotable(rows);
  }

  async function sendFile(req: IncomingMessage, res: ServerResponse, file: ServedFile, record: { bytesSent: number; cut: boolean }): Promise<void> {
    if (faults.failStatus !== undefined && uses.status < faults.failStatus.times) {
      uses.status += 1;
      const status = faults.failStatus.status ?? 503;
      res.writeHead(status, { "Content-Type": "text/plain", ...(status === 503 ? { "Retry-After": "1" } : {}) });
      res.end();
      return;
    }
    const s = await stat(file.path);
    const size = s.size;
    const etag = `"${size.toString(16)}-${Math.floor(s.mtimeMs).toString(16)}"`;
    const sha256 = await digestOf(file, size, s.mtimeMs);
    const ifRange = req.headers["if-range"];
    const range = ifRange === undefined || ifRange === etag ? parseRange(req.headers.range, size) : undefined;
    const common = {
      "Accept-Ranges": "bytes",
      "Content-Type": file.contentType,
      ETag: etag,
      "Repr-Digest": `sha-256=:${sha256.toString("base64")}:`,
    };
    if (range === "unsatisfiable") {
      res.writeHead(416, { ...common, "Content-Range": `bytes */${size}` });
      res.end();
      return;
    }
    const start = range?.start ?? 0;
    const end = range?.end ?? size - 1;
    const length = end - start + 1;
    res.writeHead(range === undefined ? 200 : 206, {
      ...common,
      "Content-Length": String(length),
      ...(range === undefined ? {} : { "Content-Range": `bytes ${start}-${end}/${size}` }),
    });
    if (req.method === "HEAD" || length === 0) {
      res.end();
      return;
    }

    const cut = faults.cutAfterBytes !== undefined && uses.cut < (faults.cutAfterBytes.times ?? 1) ? faults.cutAfterBytes.bytes : undefined;
    if (cut !== undefined) uses.cut += 1;
    const corruptAt = faults.corruptBody !== undefined && uses.corrupt < faults.corruptBody.times && range === undefined ? Math.floor(size / 2) : undefined;
    if (corruptAt !== undefined) uses.corrupt += 1;
    const sendUpTo = cut === undefined ? length : Math.min(cut, length);

    let offset = start;
    let flushed: Promise<void> = Promise.resolve();
    for await (const data of createReadStream(file.path, { start, end: start + sendUpTo - 1 })) {
      const chunk = Buffer.from(data as Buffer);
      if (corruptAt !== undefined && corruptAt >= offset && corruptAt < offset + chunk.length) {
        chunk[corruptAt - offset] = (chunk[corruptAt - offset] ?? 0) ^ 0xff;
      }
      offset += chunk.length;
      record.bytesSent += chunk.length;
      let ok = true;
      flushed = new Promise<void>((r) => {
        ok = res.write(chunk, () => r());
      });
      if (!ok) await drained(res);
      if (res.destroyed) return;
    }
    if (cut !== undefined && sendUpTo < length) {
      record.cut = true;
      // The bytes written so far reach the kernel first, so the client receives exactly `cut` of them.
      await flushed;
      res.socket?.destroy();
      return;
    }
    res.end();
  }

  async function handle(req: IncomingMessage, res: ServerResponse, record: { bytesSent: number; cut: boolean }): Promise<void> {
    const url = new URL(req.url ?? "/", base);
    const method = req.method ?? "GET";
    if (method !== "GET" && method !== "HEAD") {
      res.writeHead(405, { Allow: "GET, HEAD" });
      res.end();
      return;
    }
    const sendText = (status: number, type: string, body: string): void => {
      const bytes = Buffer.from(body, "utf8");
      res.writeHead(status, { "Content-Type": type, "Content-Length": String(bytes.length) });
      if (method === "HEAD") {
        res.end();
        return;
      }
      record.bytesSent += bytes.length;
      res.end(bytes);
    };
    if (url.pathname === `/${MOUS_INDEX_PATH}`) {
      sendText(200, "application/json", JSON.stringify(index(), null, 2) + "\n");
      return;
    }
    if (url.pathname === "/datalink/sync") {
      const id = url.searchParams.get("ID");
      if (id === null) {
        sendText(400, "text/plain", "UsageFault: the ID parameter is missing\n");
        return;
      }
      sendText(200, "application/x-votable+xml;content=datalink", await dataLink(id));
      return;
    }
    const prefix = "/dataPortal/";
    if (url.pathname.startsWith(prefix)) {
      let name: string;
      try {
        name = decodeURIComponent(url.pathname.slice(prefix.length));
      } catch {
        name = "";
      }
      // Looked up among the scanned names only: `..`, slashes and links never reach the disk.
      const file = files.get(name);
      if (file !== undefined) {
        await sendFile(req, res, file, record);
        return;
      }
    }
    sendText(404, "text/plain", `no such file or service: ${url.pathname}\n`);
  }

  let open = 0;
  let waiting: (() => void)[] = [];
  const server: Server = createServer((req, res) => {
    const record = { bytesSent: 0, cut: false };
    open += 1;
    res.on("close", () => {
      open -= 1;
      const done: ServedRequest = {
        method: req.method ?? "",
        url: req.url ?? "",
        range: req.headers.range,
        status: res.statusCode,
        bytesSent: record.bytesSent,
        cut: record.cut,
      };
      requests.push(done);
      options.onRequest?.(done);
      if (open === 0) {
        for (const wake of waiting) wake();
        waiting = [];
      }
    });
    handle(req, res, record).catch((caught: unknown) => {
      const err = coerceError(caught);
      if (!res.headersSent) {
        res.writeHead(500, { "Content-Type": "text/plain" });
        res.end(`${err.message}\n`);
      } else {
        res.destroy(err);
      }
    });
  });

  await new Promise<void>((resolvePromise, reject) => {
    server.once("error", (e) => reject(new ReimageError(ErrorCode.BadInput, `cannot listen on ${HOST}:${options.port ?? 0}`, { cause: e })));
    server.listen(options.port ?? 0, HOST, () => resolvePromise());
  });
  const port = (server.address() as AddressInfo).port;
  base = `http://${HOST}:${port}/`;

  return {
    url: base,
    port,
    indexUrl: `${base}${MOUS_INDEX_PATH}`,
    requests,
    async settled(): Promise<void> {
      if (open > 0) await new Promise<void>((wake) => waiting.push(wake));
    },
    setFaults(next: ServerFaults): void {
      faults = next;
      uses = { cut: 0, status: 0, corrupt: 0 };
    },
    async close(): Promise<void> {
      await new Promise<void>((resolvePromise, reject) => {
        server.close((e) => (e === undefined ? resolvePromise() : reject(e)));
        server.closeAllConnections();
      });
    },
  };
}
