import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tar from "tar";
import { ErrorCode, ReimageError, type MousFileId } from "../domain/index.js";
import { readDelivery } from "./delivery.js";
import { LocalMirrorSource, fetchMarkerPath, type FetchProgress } from "./sources.js";
import { packDelivery } from "./tar.js";

const PROJECT = "2017.1.01185.S";
const TARRED = "uid___A001_X12a3_Xe9" as MousFileId;
const TREE = "uid___A001_X12a3_Xf1" as MousFileId;
const EB = "uid___A002_Xd28a9e_X71b8";
const memberRel = (mous: string): string =>
  join(PROJECT, "science_goal.uid___A001_X12a3_Xe5", "group.uid___A001_X12a3_Xe6", `member.${mous}`);

async function withTemp(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "reimage-sources-"));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function write(path: string, content: string | Buffer): Promise<void> {
  await mkdir(join(path, ".."), { recursive: true });
  await writeFile(path, content);
}

/**
 * A mirror as the archive hands it out: one MOUS as split product/auxiliary tars plus a raw
 * ASDM tar named only by its EB, and another MOUS kept as a plain tree.
 */
async function makeMirror(dir: string): Promise<string> {
  const staging = join(dir, "staging");
  const aux = join(staging, memberRel(TARRED));
  await write(join(aux, "script", "scriptForPI.py"), "# PI");
  await write(join(aux, "script", `${EB}.ms.scriptForCalibration.py`), "# cal");
  await write(join(aux, "calibration", `${EB}.calibration.tgz`), randomBytes(90_000));
  await write(join(aux, "qa", "qa2_report.html"), "<html/>");
  const mirror = join(dir, "mirror");
  await packDelivery(join(staging, PROJECT), TARRED, mirror, { maxPartBytes: 60_000 });

  const rawStaging = join(dir, "raw-staging");
  await write(join(rawStaging, memberRel(TARRED), "raw", `${EB}.asdm.sdm`, "ASDM.xml"), "<ASDM/>");
  await tar.create({ file: join(mirror, `${PROJECT}_${EB}.asdm.sdm.tar`), cwd: rawStaging, portable: true }, [PROJECT]);

  const tree = join(mirror, "trees", memberRel(TREE));
  await write(join(tree, "script", "scriptForPI.py"), "# PI");
  await write(join(tree, "qa", "qa2_report.pdf"), "%PDF");
  return mirror;
}

test("a local mirror lists the MOUSs of its tars and trees, and a fetch unpacks one that reads back", async () => {
  await withTemp(async (dir) => {
    const source = new LocalMirrorSource(await makeMirror(dir));
    assert.deepEqual(await source.listMous(), [
      { projectCode: PROJECT, mous: TARRED },
      { projectCode: PROJECT, mous: TREE },
    ]);

    const dest = join(dir, "work");
    const progress: FetchProgress[] = [];
    const fetched = await source.fetch({ projectCode: PROJECT, mous: TARRED }, dest, (p) => progress.push(p));
    assert.equal(fetched.reused, false);
    assert.equal(fetched.memberDir, join(dest, memberRel(TARRED)));
    assert.ok(fetched.from.length >= 3, "several product parts and the raw tar");
    assert.ok(existsSync(fetchMarkerPath(dest, TARRED)));
    assert.ok(progress.length > 0 && progress.every((p) => p.phase === "unpack" && p.bytesDone <= p.bytesTotal));

    const delivery = await readDelivery(dest, TARRED);
    assert.equal(delivery.calibration.kind, "manual");
    assert.deepEqual(delivery.executionBlocks.map((e) => [e.id, e.sources]), [[EB, ["raw", "calibration-script"]]]);
  });
});

test("a finished fetch is reused; one without its marker is redone from nothing", async () => {
  await withTemp(async (dir) => {
    const source = new LocalMirrorSource(await makeMirror(dir));
    const ref = { projectCode: PROJECT, mous: TARRED };
    const dest = join(dir, "work");
    const first = await source.fetch(ref, dest);

    let calls = 0;
    const again = await source.fetch(ref, dest, () => (calls += 1));
    assert.equal(again.reused, true);
    assert.equal(calls, 0);
    assert.equal(again.memberDir, first.memberDir);

    // Interrupted: the marker is missing and a stray file from the broken attempt is left.
    await unlink(fetchMarkerPath(dest, TARRED));
    const stray = join(first.memberDir, "calibration", "half-written.tgz");
    await writeFile(stray, "partial");
    const redone = await source.fetch(ref, dest);
    assert.equal(redone.reused, false);
    assert.equal(existsSync(stray), false);
    assert.equal(await readFile(join(redone.memberDir, "script", "scriptForPI.py"), "utf8"), "# PI");
  });
});

test("a MOUS kept as a tree is copied, and reads as a QA-only shell", async () => {
  await withTemp(async (dir) => {
    const source = new LocalMirrorSource(await makeMirror(dir));
    const dest = join(dir, "work");
    const fetched = await source.fetch({ projectCode: PROJECT, mous: TREE }, dest);
    assert.equal(await readFile(join(fetched.memberDir, "qa", "qa2_report.pdf"), "utf8"), "%PDF");
    assert.equal((await readDelivery(dest, TREE)).calibration.kind, "none");
  });
});

test("a missing part or an unknown MOUS is an error, before anything is unpacked", async () => {
  await withTemp(async (dir) => {
    const mirror = await makeMirror(dir);
    await unlink(join(mirror, `${PROJECT}_${TARRED}_002_of_003.tar`));
    const source = new LocalMirrorSource(mirror);
    const dest = join(dir, "work");
    await assert.rejects(source.fetch({ projectCode: PROJECT, mous: TARRED }, dest), (e: unknown) => {
      assert.ok(e instanceof ReimageError);
      assert.equal(e.code, ErrorCode.BadInput);
      assert.match(e.message, /parts 002/);
      return true;
    });
    assert.equal(existsSync(join(dest, PROJECT)), false);
    await assert.rejects(
      source.fetch({ projectCode: PROJECT, mous: "uid___A001_X1_X2" as MousFileId }, dest),
      (e: unknown) => e instanceof ReimageError && e.code === ErrorCode.BadInput,
    );
  });
});
