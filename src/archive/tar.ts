/**
 * Request-handler tars: packing a MOUS delivery the way the ALMA archive does, and
 * unpacking archive tars without letting any member land outside the target folder.
 */
import { lstatSync } from "node:fs";
import { lstat, mkdir, readdir, realpath } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import * as tar from "tar";
import type { ReadEntry } from "tar";
import { ErrorCode, ReimageError, coerceError, type MousFileId } from "../domain/index.js";

/** A tar member that would escape its target folder, or is not a file, folder or link. */
export class UnsafeArchiveError extends ReimageError {
  readonly tarPath: string;
  readonly member: string;
  readonly reason: string;
  constructor(tarPath: string, member: string, reason: string) {
    super(ErrorCode.UnsafeArchive, `refusing ${tarPath}: member "${member}" ${reason}`);
    this.name = "UnsafeArchiveError";
    this.tarPath = tarPath;
    this.member = member;
    this.reason = reason;
  }
}

export interface PackOptions {
  /** Start a new part before a part would grow past this; a file is never split. */
  readonly maxPartBytes?: number;
  /** Written as every member's mtime, for byte-identical tars of the same tree. */
  readonly mtime?: Date;
}

export interface PackedPart {
  readonly path: string;
  /** Member paths in the order written, folders included. */
  readonly members: readonly string[];
}

const BLOCK = 512;
const padded = (n: number): number => Math.ceil(n / BLOCK) * BLOCK;

/** Where `member.<mous>` sits under a project folder, or an error naming the folder. */
export async function findMemberDir(projectDir: string, mous: MousFileId): Promise<string> {
  const found: string[] = [];
  for (const sg of await subfolders(projectDir, "science_goal.")) {
    for (const group of await subfolders(sg, "group.")) {
      const member = join(group, `member.${mous}`);
      if ((await lstat(member).catch(() => undefined))?.isDirectory()) found.push(member);
    }
  }
  const [only, ...more] = found;
  if (only === undefined) {
    throw new ReimageError(ErrorCode.BadInput, `no science_goal.*/group.*/member.${mous} folder under ${projectDir}`);
  }
  if (more.length > 0) {
    throw new ReimageError(ErrorCode.BadInput, `member.${mous} appears more than once under ${projectDir}: ${found.join(", ")}`);
  }
  return only;
}

async function subfolders(dir: string, prefix: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory() && e.name.startsWith(prefix))
    .map((e) => join(dir, e.name))
    .sort(byCodeUnit);
}

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

interface TreeItem {
  readonly path: string; // relative to the project folder's parent, `/`-separated
  readonly bytes: number; // estimated bytes in the tar
}

/** Folders and files under `dir`, sorted, folders before their contents. */
async function walkTree(root: string, dir: string, out: TreeItem[]): Promise<void> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => byCodeUnit(a.name, b.name));
  for (const e of entries) {
    const abs = join(dir, e.name);
    const rel = relative(root, abs).split(sep).join("/");
    if (e.isDirectory()) {
      out.push({ path: rel, bytes: headerBytes(rel) });
      await walkTree(root, abs, out);
    } else if (e.isFile()) {
      const { size } = await lstat(abs);
      out.push({ path: rel, bytes: headerBytes(rel) + padded(size) });
    } else {
      // Links and special files in a delivery tree would pack into exactly the members
      // unpackSafely refuses; a delivery is plain files and folders.
      throw new ReimageError(ErrorCode.BadInput, `${abs} is neither a file nor a folder; a delivery tree holds only those`);
    }
  }
}

// ustar holds 100-character names (255 when split at a slash); beyond that node-tar adds
// a pax header. Counting one for every long path keeps the estimate an upper bound.
function headerBytes(path: string): number {
  return BLOCK + (path.length > 100 ? 3 * BLOCK : 0);
}

/**
 * Packs one MOUS delivery tree into `<project>_<mous>_001_of_00N.tar` files in `outDir`.
 * Member paths start with the project folder, as the archive's do; every part repeats the
 * `<project>/science_goal.../group.../member...` folder chain. Order is sorted by path, so
 * the same tree always gives the same members in the same parts.
 */
export async function packDelivery(
  projectDir: string,
  mous: MousFileId,
  outDir: string,
  options: PackOptions = {},
): Promise<PackedPart[]> {
  const project = basename(resolve(projectDir));
  const memberDir = await findMemberDir(projectDir, mous);
  const base = dirname(resolve(projectDir));
  const chainRel = relative(base, memberDir).split(sep);
  const chain = chainRel.map((_, i) => chainRel.slice(0, i + 1).join("/"));
  const chainBytes = chain.reduce((n, p) => n + headerBytes(p), 0);

  const items: TreeItem[] = [];
  await walkTree(base, memberDir, items);

  const limit = options.maxPartBytes ?? Number.POSITIVE_INFINITY;
  const endBytes = 2 * BLOCK;
  const groups: string[][] = [];
  let current: string[] = [];
  let size = chainBytes + endBytes;
  for (const item of items) {
    if (current.length > 0 && size + item.bytes > limit) {
      groups.push(current);
      current = [];
      size = chainBytes + endBytes;
    }
    current.push(item.path);
    size += item.bytes;
  }
  if (current.length > 0 || groups.length === 0) groups.push(current);

  await mkdir(outDir, { recursive: true });
  const total = groups.length;
  const pad3 = (n: number): string => String(n).padStart(3, "0");
  const parts: PackedPart[] = [];
  for (const [i, group] of groups.entries()) {
    const path = join(outDir, `${project}_${mous}_${pad3(i + 1)}_of_${pad3(total)}.tar`);
    const members = [...chain, ...group];
    await tar.create(
      {
        file: path,
        cwd: base,
        portable: true,
        noDirRecurse: true,
        ...(options.mtime === undefined ? {} : { mtime: options.mtime }),
      },
      members,
    );
    parts.push({ path, members });
  }
  return parts;
}

const ALLOWED_TYPES: ReadonlySet<string> = new Set([
  "File",
  "OldFile",
  "ContiguousFile",
  "Directory",
  "SymbolicLink",
  "Link",
]);

interface MemberFacts {
  readonly path: string;
  readonly type: string;
  readonly linkpath?: string | undefined;
}

/** Splits on both separators so `..\\..` is caught wherever the tar was written. */
function components(p: string): string[] {
  return p.split(/[\\/]+/).filter((c) => c.length > 0 && c !== ".");
}

function looksAbsolute(p: string): boolean {
  return isAbsolute(p) || /^[\\/]/.test(p) || /^[A-Za-z]:/.test(p);
}

/**
 * Walks `parts` from `startParts` (both relative to the target root) the way the kernel
 * would, and says why the walk is unsafe: it climbs above the root, or passes through a
 * symlink (one of this tar's, or one already on disk), whose target a lexical check
 * cannot see.
 */
function walkProblem(
  targetDir: string,
  startParts: readonly string[],
  parts: readonly string[],
  links: ReadonlySet<string>,
): string | undefined {
  const at = [...startParts];
  for (const [i, part] of parts.entries()) {
    if (part === "..") {
      if (at.length === 0) return "resolves outside the target folder";
      at.pop();
      continue;
    }
    at.push(part);
    // The last component itself may be a link (it is the member, or what a link names).
    if (i === parts.length - 1) break;
    const rel = at.join("/");
    if (links.has(rel)) return `passes through the link "${rel}"`;
    const onDisk = lstatSync(join(targetDir, ...at), { throwIfNoEntry: false });
    if (onDisk?.isSymbolicLink()) return `passes through the link "${rel}" already in the target folder`;
  }
  return undefined;
}

/** Why this member must not be extracted into `targetDir`, or undefined when it is safe. */
function memberProblem(targetDir: string, m: MemberFacts, links: ReadonlySet<string>): string | undefined {
  if (!ALLOWED_TYPES.has(m.type)) return `is a ${m.type} entry; only files, folders and links are allowed`;
  if (looksAbsolute(m.path)) return "has an absolute path";
  const parts = components(m.path);
  if (parts.includes("..")) return "has a '..' component";
  const pathProblem = walkProblem(targetDir, [], parts, links);
  if (pathProblem !== undefined) return `is written through a link: it ${pathProblem}`;
  if (m.type === "SymbolicLink" || m.type === "Link") {
    const target = m.linkpath ?? "";
    if (target.length === 0) return "is a link without a target";
    const kind = m.type === "Link" ? "hard link" : "symlink";
    if (looksAbsolute(target)) {
      const inside = relative(targetDir, resolve(target));
      if (inside.startsWith("..") || isAbsolute(inside)) return `is a ${kind} to ${target}, outside the target folder`;
      return `is a ${kind} to the absolute path ${target}; links inside a delivery are relative`;
    }
    // A symlink's target is relative to its own folder, a hard link's to the tar's root.
    const from = m.type === "Link" ? [] : parts.slice(0, -1);
    const problem = walkProblem(targetDir, from, components(target), links);
    if (problem !== undefined) return `is a ${kind} to "${target}", which ${problem}`;
  }
  return undefined;
}

async function listMembers(tarPath: string): Promise<MemberFacts[]> {
  const members: MemberFacts[] = [];
  try {
    await tar.list({
      file: tarPath,
      strict: true,
      onReadEntry: (e: ReadEntry) => {
        members.push({ path: e.path, type: e.type, linkpath: e.linkpath });
      },
    });
  } catch (caught) {
    throw new ReimageError(ErrorCode.Archive, `cannot read the tar ${tarPath}`, { cause: coerceError(caught) });
  }
  return members;
}

export interface UnpackResult {
  readonly members: number;
  readonly bytes: number;
}

/**
 * Extracts `tarPath` into `targetDir`, refusing the whole tar (before writing anything) when
 * any member has an absolute path, a `..` component, is written through a link, is a link
 * resolving outside `targetDir`, or is a device or fifo. The same check runs again on every
 * entry during extraction, and node-tar's own path guards stay on (strict mode).
 */
export async function unpackSafely(
  tarPath: string,
  targetDir: string,
  onEntry?: (path: string, bytes: number) => void,
): Promise<UnpackResult> {
  await mkdir(targetDir, { recursive: true });
  // Compare against the real folder, so a target reached through a symlink still works.
  const target = await realpath(targetDir);
  const members = await listMembers(tarPath);
  const links = new Set(
    members.filter((m) => m.type === "SymbolicLink").map((m) => components(m.path).join("/")),
  );
  for (const m of members) {
    const problem = memberProblem(target, m, links);
    if (problem !== undefined) throw new UnsafeArchiveError(tarPath, m.path, problem);
  }

  let refused: UnsafeArchiveError | undefined;
  let count = 0;
  let bytes = 0;
  try {
    await tar.extract({
      file: tarPath,
      cwd: target,
      strict: true,
      preservePaths: false,
      // As root node-tar would chown to the archive's uids; the files are ours to process.
      preserveOwner: false,
      filter: (path, entry) => {
        if (!("type" in entry)) return false;
        // Guards a tar that changed between the check above and this read.
        const problem = memberProblem(target, { path, type: entry.type, linkpath: entry.linkpath }, links);
        if (problem !== undefined) {
          refused ??= new UnsafeArchiveError(tarPath, path, problem);
          return false;
        }
        count += 1;
        bytes += entry.size;
        onEntry?.(path, entry.size);
        return true;
      },
    });
  } catch (caught) {
    throw new ReimageError(ErrorCode.Archive, `extracting ${tarPath} into ${target} failed`, { cause: coerceError(caught) });
  }
  if (refused !== undefined) throw refused;
  return { members: count, bytes };
}

