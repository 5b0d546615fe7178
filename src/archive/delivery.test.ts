import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ErrorCode, ReimageError, type MousFileId } from "../domain/index.js";
import { readDeliveries, readDelivery } from "./delivery.js";

async function withTemp(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "reimage-delivery-"));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Writes `files` (paths relative to the member folder; a trailing `/` makes an empty folder). */
async function member(root: string, project: string, mous: string, files: Record<string, string>): Promise<string> {
  const dir = join(root, project, "science_goal.uid___A001_X1284_X1ef0", "group.uid___A001_X1284_X1ef1", `member.${mous}`);
  await mkdir(dir, { recursive: true });
  for (const [rel, content] of Object.entries(files)) {
    if (rel.endsWith("/")) {
      await mkdir(join(dir, rel), { recursive: true });
    } else {
      await mkdir(join(dir, rel, ".."), { recursive: true });
      await writeFile(join(dir, rel), content);
    }
  }
  return dir;
}

const EB1 = "uid___A002_Xc6c0d5_X2a5d";
const EB2 = "uid___A002_Xc6d2f9_X52b";

test("a manual delivery: EBs from raw and their calibration scripts, scriptForPI, README", async () => {
  await withTemp(async (root) => {
    const dir = await member(root, "2016.1.00001.S", "uid___A001_X1284_X1ef2", {
      "member.uid___A001_X1284_X1ef2.README.txt": "ALMA Member ObsUnitSet README",
      "script/scriptForPI.py": "# PI",
      [`script/${EB1}.ms.scriptForCalibration.py`]: "# cal",
      [`script/${EB2}.ms.scriptForCalibration.py`]: "# cal",
      "script/scriptForImaging.py": "# img",
      "calibration/uid___A002_Xc6c0d5_X2a5d.calibration.tgz": "tgz",
      [`raw/${EB1}.asdm.sdm/ASDM.xml`]: "<ASDM/>",
      [`raw/${EB2}.asdm.sdm/ASDM.xml`]: "<ASDM/>",
      "product/": "",
      "qa/": "",
    });
    // Another tar's prefix folders: a member folder with nothing in it is not a MOUS.
    await mkdir(join(root, "2016.1.00001.S", "science_goal.uid___A001_X1284_X1ef0", "group.uid___A001_X1284_X1ef1", "member.uid___A001_X1284_X1ef4", "raw"), { recursive: true });

    const d = await readDelivery(root);
    assert.equal(d.projectCode, "2016.1.00001.S");
    assert.equal(d.scienceGoal, "uid___A001_X1284_X1ef0");
    assert.equal(d.group, "uid___A001_X1284_X1ef1");
    assert.deepEqual(d.mous, { uid: "uid://A001/X1284/X1ef2", fileId: "uid___A001_X1284_X1ef2" });
    assert.equal(d.memberDir, dir);
    assert.deepEqual(d.folders, {
      script: join(dir, "script"),
      calibration: join(dir, "calibration"),
      raw: join(dir, "raw"),
      product: join(dir, "product"),
      qa: join(dir, "qa"),
    });
    assert.deepEqual(d.executionBlocks, [
      {
        id: EB1,
        sources: ["raw", "calibration-script"],
        asdmPath: join(dir, "raw", `${EB1}.asdm.sdm`),
        calibrationScript: join(dir, "script", `${EB1}.ms.scriptForCalibration.py`),
      },
      {
        id: EB2,
        sources: ["raw", "calibration-script"],
        asdmPath: join(dir, "raw", `${EB2}.asdm.sdm`),
        calibrationScript: join(dir, "script", `${EB2}.ms.scriptForCalibration.py`),
      },
    ]);
    assert.equal(d.scriptForPI, join(dir, "script", "scriptForPI.py"));
    assert.equal(d.calibration.kind, "manual");
    assert.equal(d.calibration.evidence.length, 2);
    assert.deepEqual(d.readmes, [join(dir, "member.uid___A001_X1284_X1ef2.README.txt")]);
    assert.deepEqual(d.assumptions, []);
  });
});

test("a pipeline delivery before its raw tars arrive: EBs from manifest, PPR and restore script", async () => {
  await withTemp(async (root) => {
    const mous = "uid___A001_X1284_X1ef2";
    const dir = await member(root, "2019.1.01234.S", mous, {
      "README": "readme",
      [`script/member.${mous}.scriptForPI.py`]: "# PI",
      [`script/member.${mous}.hifa_calimage.casa_piperestorescript.py`]:
        `h_init()\nhifa_restoredata (vis=['${EB1}', '${EB2}'], session=['session_1', 'session_2'], ocorr_mode='ca')\nh_save()\n`,
      [`script/PPR_${mous}.xml`]:
        "<SciPipeRequest><ProcessingRequests><ProcessingRequest><DataSet><SchedBlockSet><SchedBlockIdentifier>" +
        "<SESSION_1/><SESSION_2><AsdmIdentifier><AsdmRef><ExecBlockId>uid://A002/Xc6c0d5/X2a5d</ExecBlockId></AsdmRef></AsdmIdentifier></SESSION_2>" +
        "</SchedBlockIdentifier></SchedBlockSet></DataSet></ProcessingRequest></ProcessingRequests></SciPipeRequest>",
      [`calibration/${mous}.hifa_calimage.pipeline_manifest.xml`]:
        `<piperesults><ous name="${mous}"><casaversion name="6.1.1.15"/><pipeline_version name="2020.1.0.40"/>` +
        `<session name="session_1"><caltables name="x.caltables.tgz"/><asdm name="${EB1}"><finalflags name="f.tgz"/></asdm></session>` +
        `<session name="session_2"><asdm name="${EB2}"/></session></ous></piperesults>`,
    });

    const d = await readDelivery(root, mous as MousFileId);
    assert.equal(d.calibration.kind, "pipeline");
    assert.equal(d.calibration.evidence.length, 3);
    assert.equal(d.scriptForPI, join(dir, "script", `member.${mous}.scriptForPI.py`));
    assert.deepEqual(
      d.executionBlocks.map((e) => [e.id, e.sources, e.asdmPath]),
      [
        [EB1, ["pipeline-manifest", "ppr", "restore-script"], undefined],
        [EB2, ["pipeline-manifest", "restore-script"], undefined],
      ],
    );
    assert.equal(d.folders.raw, undefined);
    assert.deepEqual(d.readmes, [join(dir, "README")]);
    assert.ok(d.assumptions.some((a) => a.startsWith("scriptForPI found under a prefixed name")));
    assert.ok(d.assumptions.some((a) => a.startsWith("no ASDM in raw/")));
  });
});

test("a QA-only shell has nothing to restore, and says so as a value", async () => {
  await withTemp(async (root) => {
    await member(root, "2018.1.00002.S", "uid___A001_X1284_X1ef2", {
      "qa/member.uid___A001_X1284_X1ef2.qa2_report.pdf": "%PDF",
      "script/scriptForPI.py": "# PI",
      "Readme.TXT": "semipass",
    });
    const d = await readDelivery(root);
    assert.equal(d.calibration.kind, "none");
    assert.deepEqual(d.executionBlocks, []);
    assert.equal(d.readmes.length, 1);
    assert.ok(d.assumptions.some((a) => a.includes("QA-only shell")));
  });
});

test("a Cycle 0 project is recognised from its code", async () => {
  await withTemp(async (root) => {
    await member(root, "2011.0.00101.S", "uid___A001_X1284_X1ef2", { [`raw/${EB1}.asdm.sdm/ASDM.xml`]: "<ASDM/>" });
    const d = await readDelivery(root);
    assert.equal(d.calibration.kind, "cycle0");
    assert.deepEqual(d.executionBlocks.map((e) => e.id), [EB1]);
  });
});

test("no MOUS tree, or two where one was expected, is an error naming the folder", async () => {
  await withTemp(async (root) => {
    await mkdir(join(root, "just", "some", "folders"), { recursive: true });
    await assert.rejects(readDelivery(root), (e: unknown) => {
      assert.ok(e instanceof ReimageError);
      assert.equal(e.code, ErrorCode.BadInput);
      assert.ok(e.message.includes(root));
      return true;
    });

    await member(root, "2016.1.00001.S", "uid___A001_X1284_X1ef2", { "script/scriptForPI.py": "#" });
    await member(root, "2016.1.00001.S", "uid___A001_X1284_X1ef8", { "script/scriptForPI.py": "#" });
    await assert.rejects(readDelivery(root), (e: unknown) => {
      assert.ok(e instanceof ReimageError);
      assert.equal(e.code, ErrorCode.BadInput);
      assert.ok(e.message.includes(root) && e.message.includes("uid___A001_X1284_X1ef2") && e.message.includes("uid___A001_X1284_X1ef8"));
      return true;
    });
    // Naming the wanted MOUS, or asking for all of them, is fine.
    assert.equal((await readDelivery(root, "uid___A001_X1284_X1ef8" as MousFileId)).mous.fileId, "uid___A001_X1284_X1ef8");
    assert.equal((await readDeliveries(root)).length, 2);
  });
});
