import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, lstatSync } from "node:fs";
import { mkdir, mkdtemp, readFile, readdir, readlink, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import * as tar from "tar";
import { ErrorCode, ReimageError, type MousFileId } from "../domain/index.js";
import { UnsafeArchiveError, packDelivery, unpackSafely } from "./tar.js";

const PROJECT = "2017.1.01185.S";
const MOUS = "uid___A001_X12a3_Xe9" as MousFileId;
const MEMBER_PATH = `${PROJECT}/science_goal.uid___A001_X12a3_Xe5/group.uid___A001_X12a3_Xe6/member.${MOUS}`;

async function withTemp(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "reimage-tar-"));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A small delivery: scripts, a binary calibration tarball, an ASDM folder, an empty folder. */
async function makeDelivery(base: string): Promise<string> {
  const member = join(base, MEMBER_PATH);
  const files: Record<string, string | Buffer> = {
    "README": "ALMA Member ObsUnitSet README\n",
    "script/scriptForPI.py": "# scriptForPI\n",
    "script/uid___A002_Xd28a9e_X71b8.ms.scriptForCalibration.py": "import re\n",
    "calibration/uid___A002_Xd28a9e_X71b8.calibration.tgz": randomBytes(150_000),
    "raw/uid___A002_Xd28a9e_X71b8.asdm.sdm/ASDM.xml": "<ASDM/>\n",
    "raw/uid___A002_Xd28a9e_X71b8.asdm.sdm/ASDMBinary/uid___A002_Xd28a9e_X71b8_X1": randomBytes(120_000),
    "qa/member.uid___A001_X12a3_Xe9.qa2_report.html": "<html></html>\n",
  };
  for (const [rel, content] of Object.entries(files)) {
    await mkdir(join(member, rel, ".."), { recursive: true });
    await writeFile(join(member, rel), content);
  }
  await mkdir(join(member, "log"), { recursive: true });
  return join(base, PROJECT);
}

/** Every folder and file below `root` with a sha256 of each file's bytes. */
async function fingerprint(root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const abs = join(dir, e.name);
      const rel = relative(root, abs);
      if (e.isDirectory()) {
        out.set(rel, "folder");
        await walk(abs);
      } else {
        out.set(rel, createHash("sha256").update(await readFile(abs)).digest("hex"));
      }
    }
  };
  await walk(root);
  return out;
}

test("a delivery packed and unpacked gives back the same files and bytes", async () => {
  await withTemp(async (dir) => {
    const projectDir = await makeDelivery(join(dir, "src"));
    const parts = await packDelivery(projectDir, MOUS, join(dir, "tars"));

    assert.deepEqual(parts.map((p) => relative(dir, p.path)), [`tars/${PROJECT}_${MOUS}_001_of_001.tar`]);
    const listed: string[] = [];
    await tar.list({ file: parts[0]?.path ?? "", onReadEntry: (e) => void listed.push(e.path) });
    assert.ok(listed.every((p) => p.startsWith(`${PROJECT}/`)), "paths start with the project folder");
    assert.ok(listed.includes(`${MEMBER_PATH}/raw/uid___A002_Xd28a9e_X71b8.asdm.sdm/ASDM.xml`));

    await unpackSafely(parts[0]?.path ?? "", join(dir, "out"));
    assert.deepEqual(await fingerprint(join(dir, "out")), await fingerprint(join(dir, "src")));
  });
});

test("a delivery over the part size is split into whole files per part, and the parts unpack to the same tree", async () => {
  await withTemp(async (dir) => {
    const projectDir = await makeDelivery(join(dir, "src"));
    const maxPartBytes = 160_000;
    const parts = await packDelivery(projectDir, MOUS, join(dir, "tars"), { maxPartBytes });

    assert.deepEqual(
      parts.map((p) => relative(join(dir, "tars"), p.path)),
      [1, 2, 3].map((i) => `${PROJECT}_${MOUS}_00${i}_of_003.tar`),
    );
    for (const p of parts) assert.ok((await stat(p.path)).size <= maxPartBytes, `${p.path} within the limit`);
    for (const p of parts) await unpackSafely(p.path, join(dir, "out"));
    assert.deepEqual(await fingerprint(join(dir, "out")), await fingerprint(join(dir, "src")));

    // Same tree, same parts: member order is sorted, and a pinned mtime makes the bytes equal.
    const mtime = new Date("2025-07-01T00:00:00Z");
    const a = await packDelivery(projectDir, MOUS, join(dir, "a"), { maxPartBytes, mtime });
    const b = await packDelivery(projectDir, MOUS, join(dir, "b"), { maxPartBytes, mtime });
    assert.deepEqual(a.map((p) => p.members), parts.map((p) => p.members));
    for (const [i, p] of a.entries()) {
      assert.deepEqual(await readFile(p.path), await readFile(b[i]?.path ?? ""));
    }
  });
});

interface RawMember {
  readonly path: string;
  readonly type: "0" | "1" | "2" | "3" | "5" | "6";
  readonly body?: string;
  readonly linkpath?: string;
}

/** A ustar file written byte by byte, so it can hold members node-tar would never write. */
function rawTar(members: readonly RawMember[]): Buffer {
  const blocks: Buffer[] = [];
  for (const m of members) {
    const header = Buffer.alloc(512);
    const body = Buffer.from(m.body ?? "");
    const put = (text: string, at: number, len: number): void => void header.write(text.slice(0, len), at, len, "utf8");
    const octal = (n: number, len: number): string => `${n.toString(8).padStart(len - 1, "0")}\0`;
    put(m.path, 0, 100);
    put(octal(m.type === "5" ? 0o755 : 0o644, 8), 100, 8);
    put(octal(0, 8), 108, 8);
    put(octal(0, 8), 116, 8);
    put(octal(m.type === "0" ? body.length : 0, 12), 124, 12);
    put(octal(1_700_000_000, 12), 136, 12);
    put("        ", 148, 8);
    put(m.type, 156, 1);
    put(m.linkpath ?? "", 157, 100);
    put("ustar\0", 257, 6);
    put("00", 263, 2);
    const sum = header.reduce((a, b) => a + b, 0);
    put(`${sum.toString(8).padStart(6, "0")}\0 `, 148, 8);
    blocks.push(header);
    if (m.type === "0") blocks.push(Buffer.concat([body, Buffer.alloc((512 - (body.length % 512)) % 512)]));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

test("hostile members are refused by name, and nothing is written inside or outside the target", async () => {
  await withTemp(async (dir) => {
    const outside = join(dir, "outside.txt");
    const secret = join(dir, "secret.txt");
    await writeFile(secret, "keep me");
    const harmless: RawMember = { path: "first.txt", type: "0", body: "written before the bad member" };
    const cases: { name: string; members: RawMember[]; refused: string }[] = [
      { name: "absolute path", members: [{ path: outside, type: "0", body: "x" }], refused: outside },
      { name: "'..' component", members: [{ path: "../outside.txt", type: "0", body: "x" }], refused: "../outside.txt" },
      { name: "'..' after a folder", members: [{ path: "a/../../outside.txt", type: "0", body: "x" }], refused: "a/../../outside.txt" },
      {
        name: "symlink to the parent, then a file through it",
        members: [{ path: "evil", type: "2", linkpath: ".." }, { path: "evil/outside.txt", type: "0", body: "x" }],
        refused: "evil",
      },
      {
        name: "symlink to an absolute folder outside",
        members: [{ path: "evil", type: "2", linkpath: dir }, { path: "evil/outside.txt", type: "0", body: "x" }],
        refused: "evil",
      },
      {
        name: "symlink climbing out through another symlink",
        members: [{ path: "here", type: "2", linkpath: "." }, { path: "up", type: "2", linkpath: "here/.." }, { path: "up/outside.txt", type: "0", body: "x" }],
        refused: "up",
      },
      {
        name: "file written through an inside symlink",
        members: [{ path: "sub", type: "5" }, { path: "alias", type: "2", linkpath: "sub" }, { path: "alias/outside.txt", type: "0", body: "x" }],
        refused: "alias/outside.txt",
      },
      { name: "hard link to a file outside", members: [{ path: "h", type: "1", linkpath: "../secret.txt" }], refused: "h" },
      { name: "hard link to an absolute path", members: [{ path: "h", type: "1", linkpath: secret }], refused: "h" },
      { name: "character device", members: [{ path: "tty", type: "3" }], refused: "tty" },
      { name: "fifo", members: [{ path: "pipe", type: "6" }], refused: "pipe" },
    ];
    for (const c of cases) {
      const tarPath = join(dir, "hostile.tar");
      const target = join(dir, "target");
      await writeFile(tarPath, rawTar([harmless, ...c.members]));
      await assert.rejects(unpackSafely(tarPath, target), (e: unknown) => {
        assert.ok(e instanceof UnsafeArchiveError, c.name);
        assert.ok(e instanceof ReimageError);
        assert.equal(e.code, ErrorCode.UnsafeArchive, c.name);
        assert.equal(e.member, c.refused, c.name);
        assert.equal(e.tarPath, tarPath);
        assert.match(e.message, /hostile\.tar/);
        return true;
      });
      assert.equal(existsSync(outside), false, `${c.name}: nothing outside`);
      assert.deepEqual(await readdir(target), [], `${c.name}: nothing inside either`);
      assert.equal(await readFile(secret, "utf8"), "keep me");
      assert.equal(lstatSync(secret).nlink, 1, `${c.name}: no new link to the secret`);
      await rm(target, { recursive: true });
    }
  });
});

test("links that stay inside the target are extracted", async () => {
  await withTemp(async (dir) => {
    const tarPath = join(dir, "links.tar");
    await writeFile(
      tarPath,
      rawTar([
        { path: "calibration", type: "5" },
        { path: "calibration/flux.csv", type: "0", body: "3C279,1.2\n" },
        { path: "script", type: "5" },
        { path: "script/flux.csv", type: "2", linkpath: "../calibration/flux.csv" },
        { path: "script/copy.csv", type: "1", linkpath: "calibration/flux.csv" },
      ]),
    );
    const target = join(dir, "target");
    const result = await unpackSafely(tarPath, target);
    assert.equal(result.members, 5);
    assert.equal(await readlink(join(target, "script/flux.csv")), "../calibration/flux.csv");
    assert.equal(await readFile(join(target, "script/flux.csv"), "utf8"), "3C279,1.2\n");
    assert.equal(await readFile(join(target, "script/copy.csv"), "utf8"), "3C279,1.2\n");
  });
});

test("a file that is not a tar is an archive error, not a crash", async () => {
  await withTemp(async (dir) => {
    const notTar = join(dir, "broken.tar");
    await writeFile(notTar, "this is not a tar file at all, just some text that is long enough".repeat(20));
    await assert.rejects(unpackSafely(notTar, join(dir, "target")), (e: unknown) => {
      assert.ok(e instanceof ReimageError);
      assert.equal(e.code, ErrorCode.Archive);
      return true;
    });
  });
});
