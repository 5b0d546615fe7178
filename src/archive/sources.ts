/**
 * Where deliveries come from. `ArchiveSource` is the one interface the campaign's fetch
 * step uses; `LocalMirrorSource` reads a folder of request-handler tars and/or delivery
 * trees. An HTTP source (DataLink + request handler) will implement the same interface.
 */
import { createReadStream } from "node:fs";
import { cp, lstat, mkdir, readFile, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { Parser, type ReadEntry } from "tar";
import { ErrorCode, ReimageError, coerceError, parseUid, type MousFileId } from "../domain/index.js";
import { findMemberTrees, type MemberTree } from "./delivery.js";
import { findMemberDir, unpackSafely } from "./tar.js";

export interface MousRef {
  readonly projectCode: string;
  readonly mous: MousFileId;
}

export interface FetchProgress {
  readonly mous: MousFileId;
  readonly phase: "download" | "unpack" | "copy";
  /** The tar or file being worked on. */
  readonly item: string;
  readonly bytesDone: number;
  readonly bytesTotal: number;
}

export interface FetchedDelivery {
  readonly ref: MousRef;
  /** The folder the delivery was placed in; `<project>/science_goal.../...` lies below it. */
  readonly destDir: string;
  readonly memberDir: string;
  /** The tars or tree it came from. */
  readonly from: readonly string[];
  readonly bytes: number;
  /** True when a finished earlier fetch was found and nothing was done. */
  readonly reused: boolean;
}

export interface FetchOptions {
  /** For sources that download; a local copy is quick enough to finish. */
  readonly signal?: AbortSignal;
}

export interface ArchiveSource {
  /** Names the source in logs and attempt records. */
  readonly name: string;
  listMous(): Promise<MousRef[]>;
  /**
   * The bytes a fetch of `mous` brings (tars, or the delivery tree), without fetching it;
   * `undefined` when the source cannot tell. Campaign estimates start from it.
   */
  deliveryBytes(mous: MousRef): Promise<number | undefined>;
  /**
   * Places the delivery of `mous` under `destDir`. Idempotent: a fetch that finished
   * earlier is detected and reused, a half-done one is redone from the start.
   */
  fetch(
    mous: MousRef,
    destDir: string,
    onProgress?: (progress: FetchProgress) => void,
    options?: FetchOptions,
  ): Promise<FetchedDelivery>;
}

/** The file a fetch writes last; its presence means the fetch finished. */
export function fetchMarkerPath(destDir: string, mous: MousFileId): string {
  return join(destDir, `.reimage-fetched.${mous}.json`);
}

interface MirrorEntry {
  readonly ref: MousRef;
  readonly tars: string[];
  tree?: MemberTree;
}

const PART = /^(.+)_(uid___A001_X[0-9a-fA-F]+_X[0-9a-fA-F]+)_(\d{3})_of_(\d{3})\.tar$/;
const AUXILIARY = /^(.+)_(uid___A001_X[0-9a-fA-F]+_X[0-9a-fA-F]+)_auxiliary\.tar$/;
const MEMBER_IN_PATH = /^([^/]+)\/science_goal\.[^/]+\/group\.[^/]+\/member\.(uid___A001_X[0-9a-fA-F]+_X[0-9a-fA-F]+)(\/|$)/;
const MAX_DEPTH = 4;

/**
 * The project and MOUS an archive tar belongs to: from its name when it is a numbered or
 * auxiliary tar, else from its first member's path (raw ASDM tars name only their EB).
 */
export async function mousOfArchiveTar(tarPath: string): Promise<MousRef | undefined> {
  const m = PART.exec(basename(tarPath)) ?? AUXILIARY.exec(basename(tarPath));
  const uid = m?.[2] === undefined ? undefined : parseUid(m[2]);
  if (m?.[1] !== undefined && uid !== undefined) return { projectCode: m[1], mous: uid.fileId };
  return mousOfFirstMember(tarPath);
}

/** The project and MOUS of a tar's first member inside a delivery tree. */
async function mousOfFirstMember(tarPath: string): Promise<MousRef | undefined> {
  return new Promise((resolvePromise, reject) => {
    const input = createReadStream(tarPath);
    const parser = new Parser();
    let done = false;
    const finish = (ref: MousRef | undefined): void => {
      if (done) return;
      done = true;
      input.destroy();
      resolvePromise(ref);
    };
    parser.on("entry", (entry: ReadEntry) => {
      const m = MEMBER_IN_PATH.exec(entry.path);
      const uid = m?.[2] === undefined ? undefined : parseUid(m[2]);
      if (m?.[1] !== undefined && uid !== undefined) finish({ projectCode: m[1], mous: uid.fileId });
      entry.resume();
    });
    parser.on("end", () => finish(undefined));
    input.on("error", (e) => {
      if (!done) reject(new ReimageError(ErrorCode.Archive, `cannot read ${tarPath}`, { cause: e }));
    });
    input.on("close", () => finish(undefined));
    input.pipe(parser);
  });
}

async function tarsUnder(dir: string, depth: number, out: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const path = join(dir, e.name);
    if (e.isFile() && e.name.endsWith(".tar")) out.push(path);
    // A project folder is a delivery tree, not a place archive tars are kept.
    else if (e.isDirectory() && depth < MAX_DEPTH && !/^\d{4}\.\w\.\d{5}\.\w$/.test(e.name)) {
      await tarsUnder(path, depth + 1, out);
    }
  }
}

async function treeBytes(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) total += await treeBytes(path);
    else if (e.isFile()) total += (await stat(path)).size;
  }
  return total;
}

/** A folder holding request-handler tars (`*_001_of_00N.tar`, `*_auxiliary.tar`, raw ASDM tars) and/or delivery trees. */
export class LocalMirrorSource implements ArchiveSource {
  readonly name: string;
  readonly #root: string;
  #index: Map<MousFileId, MirrorEntry> | undefined;

  constructor(root: string) {
    this.#root = resolve(root);
    this.name = `local mirror ${this.#root}`;
  }

  async listMous(): Promise<MousRef[]> {
    const index = await this.#load();
    return [...index.values()].map((e) => e.ref).sort((a, b) => (a.mous < b.mous ? -1 : a.mous > b.mous ? 1 : 0));
  }

  async #load(): Promise<Map<MousFileId, MirrorEntry>> {
    if (this.#index !== undefined) return this.#index;
    const index = new Map<MousFileId, MirrorEntry>();
    const entryFor = (ref: MousRef): MirrorEntry => {
      const existing = index.get(ref.mous);
      if (existing !== undefined) return existing;
      const created: MirrorEntry = { ref, tars: [] };
      index.set(ref.mous, created);
      return created;
    };
    const tars: string[] = [];
    try {
      await tarsUnder(this.#root, 0, tars);
    } catch (caught) {
      throw new ReimageError(ErrorCode.Archive, `cannot list the mirror ${this.#root}`, { cause: coerceError(caught) });
    }
    for (const tar of tars) {
      const ref = await mousOfArchiveTar(tar);
      if (ref !== undefined) entryFor(ref).tars.push(tar);
    }
    for (const tree of await findMemberTrees(this.#root)) {
      entryFor({ projectCode: tree.projectCode, mous: tree.mous }).tree = tree;
    }
    this.#index = index;
    return index;
  }

  async deliveryBytes(ref: MousRef): Promise<number | undefined> {
    const entry = (await this.#load()).get(ref.mous);
    if (entry === undefined) return undefined;
    if (entry.tars.length > 0) {
      let total = 0;
      for (const tar of entry.tars) total += (await stat(tar)).size;
      return total;
    }
    return entry.tree === undefined ? undefined : treeBytes(entry.tree.memberDir);
  }

  async fetch(
    ref: MousRef,
    destDir: string,
    onProgress?: (progress: FetchProgress) => void,
    _options?: FetchOptions,
  ): Promise<FetchedDelivery> {
    const dest = resolve(destDir);
    const earlier = await finishedFetch(dest, ref.mous);
    if (earlier !== undefined) return earlier;

    const entry = (await this.#load()).get(ref.mous);
    if (entry === undefined) {
      throw new ReimageError(ErrorCode.BadInput, `${ref.mous} is not in ${this.name}`);
    }
    checkPartsComplete(entry.tars, ref.mous);
    await startMemberAfresh(dest, entry.ref);

    let bytes: number;
    let from: string[];
    if (entry.tars.length > 0) {
      from = entry.tars;
      bytes = await unpackTars(entry.ref, dest, from, onProgress);
    } else if (entry.tree !== undefined) {
      const tree = entry.tree;
      from = [tree.memberDir];
      bytes = await copyTree(tree, dest, (item, done) =>
        onProgress?.({ mous: ref.mous, phase: "copy", item, bytesDone: done, bytesTotal: done }),
      );
    } else {
      throw new ReimageError(ErrorCode.BadInput, `${ref.mous} has neither tars nor a tree in ${this.name}`);
    }

    const memberDir = await findMemberDir(join(dest, entry.ref.projectCode), ref.mous);
    const fetched: FetchedDelivery = { ref: entry.ref, destDir: dest, memberDir, from, bytes, reused: false };
    await recordFinishedFetch(fetched);
    return fetched;
  }
}

// The steps every source shares once its tars are on this machine: reuse a finished fetch,
// clear a half-done one, unpack safely, and mark the fetch finished last.

/** An earlier fetch of `mous` into `destDir` that finished, when its member folder is still there. */
export async function finishedFetch(destDir: string, mous: MousFileId): Promise<FetchedDelivery | undefined> {
  const earlier = await readMarker(fetchMarkerPath(destDir, mous));
  if (earlier !== undefined && (await stat(earlier.memberDir).catch(() => undefined))?.isDirectory()) {
    return { ...earlier, reused: true };
  }
  return undefined;
}

/** Creates `destDir` and removes what an interrupted fetch of `ref` left there (a fetch without its marker). */
export async function startMemberAfresh(destDir: string, ref: MousRef): Promise<void> {
  await mkdir(destDir, { recursive: true });
  await removeMember(destDir, ref);
}

/** Unpacks `tars` in order into `destDir` with `unpackSafely`; returns their total size in bytes. */
export async function unpackTars(
  ref: MousRef,
  destDir: string,
  tars: readonly string[],
  onProgress?: (progress: FetchProgress) => void,
): Promise<number> {
  const sizes = await Promise.all(tars.map(async (t) => (await stat(t)).size));
  const bytesTotal = sizes.reduce((a, b) => a + b, 0);
  let bytesDone = 0;
  for (const [i, tar] of tars.entries()) {
    let inThisTar = 0;
    await unpackSafely(tar, destDir, (item, bytes) => {
      inThisTar += bytes;
      onProgress?.({ mous: ref.mous, phase: "unpack", item, bytesDone: bytesDone + inThisTar, bytesTotal });
    });
    bytesDone += sizes[i] ?? 0;
  }
  return bytesDone;
}

/** Writes the fetch's marker, last and atomically: its presence is what "finished" means. */
export async function recordFinishedFetch(fetched: FetchedDelivery): Promise<void> {
  const marker = fetchMarkerPath(fetched.destDir, fetched.ref.mous);
  await writeFile(`${marker}.tmp`, JSON.stringify(fetched, null, 2));
  await rename(`${marker}.tmp`, marker);
}

async function readMarker(marker: string): Promise<FetchedDelivery | undefined> {
  const text = await readFile(marker, "utf8").catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === "object" && parsed !== null && "memberDir" in parsed && typeof parsed.memberDir === "string") {
      return parsed as FetchedDelivery;
    }
  } catch {
    // A marker that does not parse is treated as absent: the fetch is redone.
  }
  return undefined;
}

/** Refuses a set of `_NNN_of_MMM.tar` parts with a number missing. */
export function checkPartsComplete(tars: readonly string[], mous: MousFileId): void {
  const byTotal = new Map<string, Set<string>>();
  for (const t of tars) {
    const m = PART.exec(basename(t));
    if (m?.[3] === undefined || m[4] === undefined) continue;
    const key = `${m[1]}_${m[2]}_of_${m[4]}`;
    byTotal.set(key, (byTotal.get(key) ?? new Set()).add(m[3]));
  }
  for (const [key, have] of byTotal) {
    const total = Number(key.slice(-3));
    const missing: string[] = [];
    for (let i = 1; i <= total; i += 1) {
      const n = String(i).padStart(3, "0");
      if (!have.has(n)) missing.push(n);
    }
    if (missing.length > 0) {
      throw new ReimageError(ErrorCode.BadInput, `${mous}: parts ${missing.join(", ")} of ${key.replace("_of_", "_NNN_of_")}.tar are missing`);
    }
  }
}

async function removeMember(dest: string, ref: MousRef): Promise<void> {
  const projectDir = join(dest, ref.projectCode);
  const sgs = await readdir(projectDir).catch(() => [] as string[]);
  for (const sg of sgs.filter((n) => n.startsWith("science_goal."))) {
    for (const group of (await readdir(join(projectDir, sg)).catch(() => [] as string[])).filter((n) => n.startsWith("group."))) {
      await rm(join(projectDir, sg, group, `member.${ref.mous}`), { recursive: true, force: true });
    }
  }
}

/** Copies a member tree under `dest`, files and folders only; returns the bytes copied. */
async function copyTree(tree: MemberTree, dest: string, onFile: (item: string, bytesDone: number) => void): Promise<number> {
  const target = join(dest, tree.projectCode, `science_goal.${tree.scienceGoal}`, `group.${tree.group}`, `member.${tree.mous}`);
  let bytes = 0;
  await cp(tree.memberDir, target, {
    recursive: true,
    filter: async (src) => {
      const s = await lstat(src);
      if (!s.isFile() && !s.isDirectory()) {
        // The tree's links could point anywhere; the same rule as for tars applies.
        throw new ReimageError(ErrorCode.UnsafeArchive, `refusing ${tree.memberDir}: "${src}" is neither a file nor a folder`);
      }
      if (s.isFile()) {
        bytes += s.size;
        onFile(src, bytes);
      }
      return true;
    },
  });
  return bytes;
}
