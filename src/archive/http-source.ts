/**
 * An archive reached over HTTP the way the ALMA request handler serves it: a DataLink
 * VOTable per MOUS says which files exist, and the files are plain GETs that honour byte
 * ranges. Downloads resume from a `.part` file after a cut connection, retry transient
 * failures with exponential back-off, and are checked for size and (when the server states
 * it) SHA-256 before they are unpacked.
 *
 * Server side: `http-server.ts`, whose header documents the MOUS index this source lists
 * from. Checksums: the `Repr-Digest` response header of RFC 9530 with a `sha-256` member,
 * the digest of the whole file whatever range a response carries. Without it only sizes are
 * checked (the real archive's DataLink states `content_length` and nothing stronger).
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, readdir, rename, rm, rmdir, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { ErrorCode, ReimageError, coerceError, parseUid, type MousFileId } from "../domain/index.js";
import { DataLinkRole, filesNeededForRestore, parseDataLink, type DataLinkRow } from "./datalink.js";
import {
  checkPartsComplete,
  finishedFetch,
  recordFinishedFetch,
  startMemberAfresh,
  unpackTars,
  type ArchiveSource,
  type FetchedDelivery,
  type FetchOptions,
  type FetchProgress,
  type MousRef,
} from "./sources.js";
import { findMemberDir } from "./tar.js";

/** A download or request that failed; `retryable` says whether trying again could help. */
export class DownloadError extends ReimageError {
  readonly url: string;
  /** The HTTP status, when the server answered. */
  readonly status: number | undefined;
  constructor(url: string, message: string, options: { status?: number; retryable: boolean; cause?: unknown }) {
    super(ErrorCode.ArchiveDownload, `${url}: ${message}`, options);
    this.name = "DownloadError";
    this.url = url;
    this.status = options.status;
  }
}

export interface RetryPolicy {
  /** Attempts in a row that bring no new bytes before giving up (an attempt that advances a download starts the count again). */
  readonly maxAttempts: number;
  /** The wait after the first failure; it doubles with every further one. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 1_000, maxDelayMs: 60_000 };

export interface RetryEvent {
  readonly url: string;
  /** Failed attempts in a row so far, 1 for the first retry. */
  readonly failures: number;
  readonly delayMs: number;
  readonly error: DownloadError;
}

export interface HttpArchiveSourceOptions {
  readonly retry?: Partial<RetryPolicy>;
  /** A response that brings no byte for this long is abandoned and retried. */
  readonly idleTimeoutMs?: number;
  /**
   * Keep the tars in `destDir/downloads/` once the delivery is unpacked. Off by default: raw
   * ASDM tars are gigabytes each, and keeping them doubles the disk a MOUS takes.
   */
  readonly keepDownloads?: boolean;
  /** The jitter's random numbers in [0, 1); tests pass a fixed one. */
  readonly random?: () => number;
  /** Told before each wait for a retry (logs, tests). */
  readonly onRetry?: (event: RetryEvent) => void;
}

export interface DownloadOptions {
  /** The size the archive states; a file of another size is refused. */
  readonly expectedLength?: number;
  readonly signal?: AbortSignal;
  readonly retry?: RetryPolicy;
  readonly idleTimeoutMs?: number;
  readonly random?: () => number;
  readonly onRetry?: (event: RetryEvent) => void;
  /** Bytes of the file on disk so far, and its size once the server has said it. */
  readonly onBytes?: (bytesDone: number, bytesTotal: number | undefined) => void;
}

export interface DownloadResult {
  readonly path: string;
  readonly bytes: number;
  /** The SHA-256 the server stated and the file matched; undefined when it stated none. */
  readonly sha256: string | undefined;
  /** HTTP requests made, the first included. */
  readonly requests: number;
  /** True when the file was already complete and nothing was requested. */
  readonly reused: boolean;
}

const DEFAULT_IDLE_TIMEOUT_MS = 60_000;
const SAFE_FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;

const indexSchema = z.object({
  format: z.literal("reimage-mous-index/1"),
  mous: z.array(z.object({ projectCode: z.string().min(1), mous: z.string(), datalink: z.string().min(1) })),
});

function cancelled(url: string, signal: AbortSignal | undefined): ReimageError {
  return new ReimageError(ErrorCode.Cancelled, `download of ${url} cancelled`, { cause: signal?.reason });
}

/** Equal jitter: half the exponential delay, plus up to the other half at random. */
export function backoffDelay(failures: number, policy: RetryPolicy, random: () => number): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, failures - 1));
  return Math.round(exponential / 2 + (exponential / 2) * random());
}

/** Statuses worth another try: the server's trouble, or a request it asked us to repeat later. */
function transientStatus(status: number): boolean {
  // 408 and 429 are the two 4xx answers that say "later", not "never".
  return status >= 500 || status === 408 || status === 429;
}

function retryAfterMs(header: string | null): number | undefined {
  if (header === null) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** The `sha-256` member of an RFC 9530 `Repr-Digest` header, as hex. */
export function sha256FromReprDigest(header: string | null): string | undefined {
  if (header === null) return undefined;
  for (const member of header.split(",")) {
    const m = /^\s*sha-256\s*=\s*:([A-Za-z0-9+/=]+):\s*$/i.exec(member);
    if (m?.[1] !== undefined) {
      const bytes = Buffer.from(m[1], "base64");
      if (bytes.length === 32) return bytes.toString("hex");
    }
  }
  return undefined;
}

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

async function sizeOf(path: string): Promise<number | undefined> {
  return (await stat(path).catch(() => undefined))?.size;
}

/**
 * Runs `attempt` until it succeeds, a failure is final, or `maxAttempts` attempts in a row
 * made no progress. Waits between attempts honour `signal`.
 */
type Attempt<T> =
  | { readonly done: true; readonly value: T }
  | {
      readonly done: false;
      /** True when the attempt added bytes to the download before it failed. */
      readonly progressed: boolean;
      readonly error: DownloadError;
      /** The server's `Retry-After`, when it gave one. */
      readonly retryAfterMs?: number | undefined;
    };

async function withRetries<T>(
  url: string,
  options: { retry: RetryPolicy; random: () => number; signal: AbortSignal | undefined; onRetry: ((e: RetryEvent) => void) | undefined },
  attempt: () => Promise<Attempt<T>>,
): Promise<T> {
  let failures = 0;
  for (;;) {
    if (options.signal?.aborted === true) throw cancelled(url, options.signal);
    const outcome = await attempt();
    if (outcome.done) return outcome.value;
    failures = outcome.progressed ? 1 : failures + 1;
    if (!outcome.error.retryable) throw outcome.error;
    if (failures >= options.retry.maxAttempts) {
      throw new DownloadError(url, `gave up after ${failures} attempt(s) without progress: ${outcome.error.message}`, {
        ...(outcome.error.status === undefined ? {} : { status: outcome.error.status }),
        retryable: true,
        cause: outcome.error,
      });
    }
    // A server's Retry-After is heeded, within the back-off's cap.
    const delayMs = Math.min(Math.max(backoffDelay(failures, options.retry, options.random), outcome.retryAfterMs ?? 0), options.retry.maxDelayMs);
    options.onRetry?.({ url, failures, delayMs, error: outcome.error });
    try {
      await sleep(delayMs, undefined, options.signal === undefined ? {} : { signal: options.signal });
    } catch {
      throw cancelled(url, options.signal);
    }
  }
}

interface RequestState {
  readonly signal: AbortSignal;
  /** Restarts the idle clock; call on every received chunk. */
  readonly touch: () => void;
  readonly timedOut: () => boolean;
  readonly dispose: () => void;
}

function requestState(signal: AbortSignal | undefined, idleTimeoutMs: number): RequestState {
  const idle = new AbortController();
  let fired = false;
  const timer = setTimeout(() => {
    fired = true;
    idle.abort(new Error(`no data for ${idleTimeoutMs} ms`));
  }, idleTimeoutMs);
  return {
    signal: signal === undefined ? idle.signal : AbortSignal.any([signal, idle.signal]),
    touch: () => timer.refresh(),
    timedOut: () => fired,
    dispose: () => clearTimeout(timer),
  };
}

/** What a failed `fetch()` or body read means: the caller's cancellation, an idle timeout, or a network failure. */
function networkFailure(url: string, caught: unknown, state: RequestState, outer: AbortSignal | undefined): ReimageError {
  if (outer?.aborted === true) return cancelled(url, outer);
  if (state.timedOut()) return new DownloadError(url, "the server sent nothing for too long", { retryable: true, cause: coerceError(caught) });
  const err = coerceError(caught);
  const detail = err.cause instanceof Error ? `${err.message} (${err.cause.message})` : err.message;
  return new DownloadError(url, `the connection failed: ${detail}`, { retryable: true, cause: err });
}

/**
 * Downloads `url` to `target`, through `target.part`: a cut connection is resumed with a
 * Range request from the part's size, transient failures are retried with back-off, and
 * the finished file is checked against `expectedLength`, the server's length and its
 * `Repr-Digest` before it is renamed into place. A complete `target` is reused untouched.
 * Within one call a resumed request carries `If-Range` with the server's ETag; a `.part`
 * left by an earlier process is resumed on trust, and the total length and digest checks
 * catch a file that changed in between (the download then starts again).
 */
export async function downloadFile(url: string, target: string, options: DownloadOptions = {}): Promise<DownloadResult> {
  const { signal, expectedLength } = options;
  const part = `${target}.part`;
  const existing = await sizeOf(target);
  // Only a verified download is ever renamed to `target`, so one of the right size is done.
  if (existing !== undefined && (expectedLength === undefined || existing === expectedLength)) {
    options.onBytes?.(existing, existing);
    return { path: target, bytes: existing, sha256: undefined, requests: 0, reused: true };
  }

  let requests = 0;
  let total: number | undefined;
  let sha256: string | undefined;
  let etag: string | undefined;

  const restart = async (): Promise<void> => {
    await rm(part, { force: true });
    etag = undefined;
  };

  const attempt = async (): Promise<Attempt<DownloadResult>> => {
    const before = (await sizeOf(part)) ?? 0;
    const fail = async (error: ReimageError): Promise<{ done: false; progressed: boolean; error: DownloadError }> => {
      if (!(error instanceof DownloadError)) throw error;
      return { done: false, progressed: ((await sizeOf(part)) ?? 0) > before, error };
    };
    const state = requestState(signal, options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS);
    try {
      // Identity encoding: byte ranges and lengths must count the file's bytes, not gzip's.
      const headers: Record<string, string> = { "Accept-Encoding": "identity" };
      if (before > 0) {
        headers["Range"] = `bytes=${before}-`;
        if (etag !== undefined) headers["If-Range"] = etag;
      }
      requests += 1;
      let res: Response;
      try {
        res = await fetch(url, { headers, signal: state.signal, redirect: "follow" });
      } catch (caught) {
        return await fail(networkFailure(url, caught, state, signal));
      }

      const statedDigest = sha256FromReprDigest(res.headers.get("repr-digest"));
      if (statedDigest !== undefined && sha256 !== undefined && statedDigest !== sha256) {
        // The file changed on the server: what we have belongs to the old one.
        await res.body?.cancel();
        await restart();
        sha256 = statedDigest;
        return await fail(new DownloadError(url, "the file changed on the server during the download; starting again", { retryable: true }));
      }
      sha256 = statedDigest ?? sha256;
      etag = res.headers.get("etag") ?? etag;

      let offset: number;
      let responseTotal: number | undefined;
      if (res.status === 206) {
        const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(res.headers.get("content-range") ?? "");
        if (m === null || Number(m[1]) !== before) {
          await res.body?.cancel();
          await restart();
          return await fail(new DownloadError(url, `the server answered the range ${before}- with "${res.headers.get("content-range")}"; starting again`, { status: 206, retryable: true }));
        }
        offset = before;
        responseTotal = m[3] === "*" ? undefined : Number(m[3]);
      } else if (res.status === 200) {
        // A server that ignores Range (or an If-Range that no longer matches) sends it all.
        offset = 0;
        const length = res.headers.get("content-length");
        responseTotal = length === null ? undefined : Number(length);
      } else if (res.status === 416) {
        await res.body?.cancel();
        const m = /^bytes \*\/(\d+)$/.exec(res.headers.get("content-range") ?? "");
        if (m !== null && Number(m[1]) === before) {
          total = before;
          offset = before;
          responseTotal = before;
        } else {
          await restart();
          return await fail(new DownloadError(url, `the server refused the range ${before}-; starting again`, { status: 416, retryable: true }));
        }
      } else {
        await res.body?.cancel();
        const retryable = transientStatus(res.status);
        const error = new DownloadError(url, `the server answered ${res.status} ${res.statusText}`, { status: res.status, retryable });
        return { ...(await fail(error)), retryAfterMs: retryAfterMs(res.headers.get("retry-after")) };
      }

      if (responseTotal !== undefined) {
        if (expectedLength !== undefined && responseTotal !== expectedLength) {
          await res.body?.cancel();
          await restart();
          return await fail(
            new DownloadError(url, `the server offers ${responseTotal} bytes but the archive lists ${expectedLength}; refusing the file`, {
              status: res.status,
              retryable: false,
            }),
          );
        }
        total = responseTotal;
      }
      total ??= expectedLength;

      if (res.status !== 416 && res.body !== null) {
        const reader = res.body.getReader() as ReadableStreamDefaultReader<Uint8Array>;
        const file = await open(part, offset === 0 ? "w" : "a");
        let written = offset;
        try {
          options.onBytes?.(written, total);
          for (;;) {
            let next: Awaited<ReturnType<typeof reader.read>>;
            try {
              next = await reader.read();
            } catch (caught) {
              return await fail(networkFailure(url, caught, state, signal));
            }
            if (next.done) break;
            state.touch();
            // A failing disk is not the network's fault: it ends the fetch, untried again.
            await file.write(next.value).catch((caught: unknown) => {
              throw new ReimageError(ErrorCode.Archive, `cannot write ${part}`, { cause: coerceError(caught) });
            });
            written += next.value.length;
            options.onBytes?.(written, total);
          }
        } finally {
          await file.close();
          reader.releaseLock();
        }
      }
    } finally {
      state.dispose();
    }

    const have = (await sizeOf(part)) ?? 0;
    if (total !== undefined && have < total) {
      return await fail(new DownloadError(url, `the response ended after ${have} of ${total} bytes`, { retryable: true }));
    }
    if (total !== undefined && have > total) {
      await restart();
      return await fail(new DownloadError(url, `the file grew to ${have} bytes, more than the ${total} stated; starting again`, { retryable: true }));
    }
    if (sha256 !== undefined) {
      const actual = await sha256OfFile(part);
      if (actual !== sha256) {
        await restart();
        // Counted as no progress: a server that keeps sending corrupt data is given up on.
        return { done: false, progressed: false, error: new DownloadError(url, `SHA-256 ${actual} differs from the server's ${sha256}; starting again`, { retryable: true }) };
      }
    }
    await rename(part, target);
    return { done: true, value: { path: target, bytes: have, sha256, requests, reused: false } };
  };

  return withRetries(
    url,
    { retry: options.retry ?? DEFAULT_RETRY, random: options.random ?? Math.random, signal, onRetry: options.onRetry },
    attempt,
  );
}

/**
 * What a restore downloads from a DataLink answer. The real archive gives each MOUS an
 * auxiliary tar and one raw ASDM tar per execution block, and the numbered `_NNN_of_MMM`
 * tars hold only products. The demo archive (`reimage demo-archive`) packs a whole delivery,
 * raw data included, into one `_001_of_001.tar`; a MOUS with no auxiliary or raw rows is
 * taken to be such a package, and its numbered tars are what a restore needs.
 */
export function filesToDownload(rows: readonly DataLinkRow[]): DataLinkRow[] {
  const needed = filesNeededForRestore(rows);
  if (needed.length > 0) return needed;
  return rows.filter((r) => r.accessUrl !== undefined && r.role === DataLinkRole.Product && r.fileName?.endsWith(".tar") === true);
}

interface IndexEntry {
  readonly ref: MousRef;
  readonly datalink: string;
}

/** An archive served over HTTP: a MOUS index and a DataLink answer per MOUS below `baseUrl`. */
export class HttpArchiveSource implements ArchiveSource {
  readonly name: string;
  readonly #base: URL;
  readonly #options: HttpArchiveSourceOptions;
  readonly #retry: RetryPolicy;
  #index: Map<MousFileId, IndexEntry> | undefined;

  constructor(baseUrl: string | URL, options: HttpArchiveSourceOptions = {}) {
    const base = new URL(baseUrl);
    if (!base.pathname.endsWith("/")) base.pathname += "/";
    if (base.protocol !== "http:" && base.protocol !== "https:") {
      throw new ReimageError(ErrorCode.BadInput, `${base.href} is not an http(s) URL`);
    }
    this.#base = base;
    this.#options = options;
    this.#retry = { ...DEFAULT_RETRY, ...options.retry };
    this.name = `HTTP archive ${base.href}`;
  }

  async listMous(): Promise<MousRef[]> {
    return [...(await this.#load(undefined)).values()].map((e) => e.ref).sort((a, b) => (a.mous < b.mous ? -1 : a.mous > b.mous ? 1 : 0));
  }

  /** What a restore downloads (auxiliary and raw), as the DataLink answer states the sizes. */
  async deliveryBytes(mous: MousRef): Promise<number | undefined> {
    const needed = filesNeededForRestore(await this.dataLink(mous.mous));
    if (needed.some((r) => r.contentLength === undefined)) return undefined;
    return needed.reduce((sum, r) => sum + (r.contentLength ?? 0), 0);
  }

  /** The MOUS's DataLink answer, parsed; an answer that only reports an error is thrown as one. */
  async dataLink(mous: MousFileId, signal?: AbortSignal): Promise<DataLinkRow[]> {
    const entry = (await this.#load(signal)).get(mous);
    if (entry === undefined) throw new ReimageError(ErrorCode.BadInput, `${mous} is not in ${this.name}`);
    const url = entry.datalink;
    const rows = parseDataLink(await this.#getText(url, signal), url);
    const errors = rows.filter((r) => r.errorMessage !== undefined && r.accessUrl === undefined && r.serviceDef === undefined);
    if (errors.length > 0 && errors.length === rows.length) {
      throw new ReimageError(ErrorCode.Archive, `the DataLink answer ${url} reports: ${errors.map((r) => r.errorMessage).join("; ")}`);
    }
    return rows;
  }

  async fetch(
    mous: MousRef,
    destDir: string,
    onProgress?: (progress: FetchProgress) => void,
    options: FetchOptions = {},
  ): Promise<FetchedDelivery> {
    const dest = resolve(destDir);
    const earlier = await finishedFetch(dest, mous.mous);
    if (earlier !== undefined) return earlier;
    const { signal } = options;

    const entry = (await this.#load(signal)).get(mous.mous);
    if (entry === undefined) throw new ReimageError(ErrorCode.BadInput, `${mous.mous} is not in ${this.name}`);
    const rows = filesToDownload(await this.dataLink(mous.mous, signal));
    if (rows.length === 0) {
      throw new ReimageError(ErrorCode.BadInput, `${entry.datalink} lists no auxiliary, raw or delivery tar for ${mous.mous}`);
    }

    const downloads = join(dest, "downloads");
    await mkdir(downloads, { recursive: true });
    const files = [...new Map(rows.map((r) => [r.fileName ?? "", r])).values()].map((r) => {
      const name = r.fileName ?? "";
      // The name comes from the server; it must not be able to point outside `downloads`.
      if (!SAFE_FILE_NAME.test(name)) {
        throw new ReimageError(ErrorCode.Archive, `refusing ${r.accessUrl ?? "a DataLink row"}: "${name}" is not a plain file name`);
      }
      return { url: r.accessUrl ?? "", path: join(downloads, name), name, expected: r.contentLength };
    });
    checkPartsComplete(files.map((f) => f.path), mous.mous);

    const bytesTotal = files.reduce((n, f) => n + (f.expected ?? 0), 0);
    let finished = 0;
    for (const f of files) {
      await downloadFile(f.url, f.path, {
        ...(f.expected === undefined ? {} : { expectedLength: f.expected }),
        ...(signal === undefined ? {} : { signal }),
        ...this.#downloadOptions(),
        onBytes: (done) =>
          onProgress?.({ mous: mous.mous, phase: "download", item: f.name, bytesDone: finished + done, bytesTotal: Math.max(bytesTotal, finished + done) }),
      });
      finished += (await sizeOf(f.path)) ?? 0;
    }

    if (signal?.aborted === true) throw cancelled(entry.datalink, signal);
    await startMemberAfresh(dest, entry.ref);
    const tars = files.map((f) => f.path);
    const bytes = await unpackTars(entry.ref, dest, tars, onProgress);
    const memberDir = await findMemberDir(join(dest, entry.ref.projectCode), mous.mous);
    const fetched: FetchedDelivery = { ref: entry.ref, destDir: dest, memberDir, from: files.map((f) => f.url), bytes, reused: false };
    await recordFinishedFetch(fetched);

    if (this.#options.keepDownloads !== true) {
      for (const tar of tars) await rm(tar, { force: true });
      if ((await readdir(downloads)).length === 0) await rmdir(downloads);
    }
    return fetched;
  }

  #downloadOptions(): Pick<DownloadOptions, "retry" | "idleTimeoutMs" | "random" | "onRetry"> {
    const o = this.#options;
    return {
      retry: this.#retry,
      ...(o.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: o.idleTimeoutMs }),
      ...(o.random === undefined ? {} : { random: o.random }),
      ...(o.onRetry === undefined ? {} : { onRetry: o.onRetry }),
    };
  }

  async #load(signal: AbortSignal | undefined): Promise<Map<MousFileId, IndexEntry>> {
    if (this.#index !== undefined) return this.#index;
    const url = new URL("mous-index.json", this.#base).href;
    const text = await this.#getText(url, signal);
    let parsed: z.infer<typeof indexSchema>;
    try {
      parsed = indexSchema.parse(JSON.parse(text));
    } catch (caught) {
      throw new ReimageError(ErrorCode.Archive, `${url} is not a reimage MOUS index (reimage-mous-index/1)`, { cause: coerceError(caught) });
    }
    const index = new Map<MousFileId, IndexEntry>();
    for (const m of parsed.mous) {
      const ids = parseUid(m.mous);
      if (ids === undefined) throw new ReimageError(ErrorCode.Archive, `${url}: "${m.mous}" is not a MOUS uid`);
      index.set(ids.fileId, { ref: { projectCode: m.projectCode, mous: ids.fileId }, datalink: new URL(m.datalink, url).href });
    }
    this.#index = index;
    return index;
  }

  /** A small text answer (index, DataLink), with the same retries as a download. */
  async #getText(url: string, signal: AbortSignal | undefined): Promise<string> {
    const o = this.#options;
    return withRetries(url, { retry: this.#retry, random: o.random ?? Math.random, signal, onRetry: o.onRetry }, async () => {
      const state = requestState(signal, o.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS);
      try {
        const res = await fetch(url, { signal: state.signal, headers: { Accept: "application/json, application/x-votable+xml, */*" } });
        const body = await res.text();
        if (res.ok) return { done: true, value: body };
        const retryable = transientStatus(res.status);
        return { done: false, progressed: false, error: new DownloadError(url, `the server answered ${res.status} ${res.statusText}`, { status: res.status, retryable }) };
      } catch (caught) {
        const error = networkFailure(url, caught, state, signal);
        if (!(error instanceof DownloadError)) throw error;
        return { done: false, progressed: false, error };
      } finally {
        state.dispose();
      }
    });
  }
}
