import { sharedDir } from "../paths.js";
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { ErrorCode, ReimageError } from "../domain/index.js";
import { filesNeededForRestore, parseDataLink } from "./datalink.js";

// Real answers of the ALMA archive (see /work/shared/real/README.md). Expected values below
// were read from the XML files by eye, not from this module's output.
const REAL = join(sharedDir, "real", "alma-archive");
const read = async (name: string): Promise<string> => readFile(join(REAL, name), "utf8");
const PORTAL = "https://almascience.org/dataPortal/";

test("a MOUS's DataLink answer: README, product tar, auxiliary tar and four raw ASDM tars", async () => {
  const rows = parseDataLink(await read("alma-datalink.xml"), "alma-datalink.xml");
  assert.equal(rows.length, 9);

  const withUrl = rows.filter((r) => r.accessUrl !== undefined);
  assert.deepEqual(
    withUrl.map((r) => [r.fileName, r.semantics, r.role, r.contentLength]),
    [
      ["member.uid___A001_X12a3_Xe9.README.txt", "#documentation", "readme", 3523],
      ["2017.1.01185.S_uid___A001_X12a3_Xe9_001_of_001.tar", "#this", "product", 556278784],
      ["2017.1.01185.S_uid___A001_X12a3_Xe9_auxiliary.tar", "#auxiliary", "auxiliary", 135479296],
      ["2017.1.01185.S_uid___A002_Xd28a9e_X71b8.asdm.sdm.tar", "#progenitor", "raw-asdm", 2343569408],
      ["2017.1.01185.S_uid___A002_Xd28a9e_X7b4d.asdm.sdm.tar", "#progenitor", "raw-asdm", 2343861248],
      ["2017.1.01185.S_uid___A002_Xd29c1f_X1f74.asdm.sdm.tar", "#progenitor", "raw-asdm", 2616798208],
      ["2017.1.01185.S_uid___A002_Xd29c1f_X5cf.asdm.sdm.tar", "#progenitor", "raw-asdm", 2680167424],
    ],
  );
  const readme = withUrl[0];
  assert.equal(readme?.id, "uid://A001/X12a3/Xe9");
  assert.equal(readme?.accessUrl, `${PORTAL}member.uid___A001_X12a3_Xe9.README.txt`);
  assert.equal(readme?.contentType, "text/plain");
  assert.equal(readme?.description, "Download documentation for ./uid://A001/X12a3/Xe9|README.");
  assert.equal(readme?.readable, true);

  // The two rows that point at further DataLink answers (the contents of each tar).
  const links = rows.filter((r) => r.accessUrl === undefined);
  assert.deepEqual(
    links.map((r) => [r.serviceDef, r.semantics, r.role, r.contentLength]),
    [
      ["DataLink.2017.1.01185.S_uid___A001_X12a3_Xe9_001_of_001.tar", "#this", "other", undefined],
      ["DataLink.2017.1.01185.S_uid___A001_X12a3_Xe9_auxiliary.tar", "#auxiliary", "other", undefined],
    ],
  );
});

test("a restore needs the auxiliary tar and the raw ASDM tars, not the product tar", async () => {
  const rows = parseDataLink(await read("alma-datalink.xml"), "alma-datalink.xml");
  const needed = filesNeededForRestore(rows);
  assert.deepEqual(
    needed.map((r) => r.fileName),
    [
      "2017.1.01185.S_uid___A001_X12a3_Xe9_auxiliary.tar",
      "2017.1.01185.S_uid___A002_Xd28a9e_X71b8.asdm.sdm.tar",
      "2017.1.01185.S_uid___A002_Xd28a9e_X7b4d.asdm.sdm.tar",
      "2017.1.01185.S_uid___A002_Xd29c1f_X1f74.asdm.sdm.tar",
      "2017.1.01185.S_uid___A002_Xd29c1f_X5cf.asdm.sdm.tar",
    ],
  );
  const bytes = needed.reduce((n, r) => n + (r.contentLength ?? 0), 0);
  assert.equal(bytes, 135479296 + 2343569408 + 2343861248 + 2616798208 + 2680167424);
});

test("the auxiliary tar's answer: calibration and scripts are auxiliary, logs are not READMEs", async () => {
  const rows = parseDataLink(await read("alma-datalink-recurse-aux.xml"), "alma-datalink-recurse-aux.xml");
  assert.equal(rows.length, 48);
  const byName = new Map(rows.map((r) => [r.fileName, r]));

  const calibration = byName.get("uid___A002_Xd28a9e_X71b8.calibration.tgz");
  assert.equal(calibration?.role, "auxiliary");
  assert.equal(calibration?.contentLength, 10746450);
  assert.equal(calibration?.id, "2017.1.01185.S_uid___A001_X12a3_Xe9_auxiliary.tar");

  const scriptForPI = byName.get("member.uid___A001_X12a3_Xe9.scriptForPI.py");
  assert.equal(scriptForPI?.role, "auxiliary");
  assert.equal(scriptForPI?.contentLength, 19441);

  const log = byName.get("member.uid___A001_X12a3_Xe9.Imaging.log.tgz");
  assert.equal(log?.semantics, "#documentation");
  assert.equal(log?.role, "other");
  assert.equal(log?.contentLength, 332096);

  assert.equal(rows.filter((r) => r.semantics === "#documentation").length, 6);
  assert.equal(rows.filter((r) => r.role === "auxiliary").length, 42);
});

test("the product tar's answer: FITS products, and cut-out services that are not files", async () => {
  const rows = parseDataLink(await read("alma-datalink-recurse-this.xml"), "alma-datalink-recurse-this.xml");
  assert.equal(rows.length, 8);
  const files = rows.filter((r) => r.accessUrl !== undefined);
  assert.equal(files.length, 6);
  assert.ok(files.every((r) => r.role === "product"));
  const cubePb = files.find((r) => r.fileName?.endsWith("spw0_4_8_12.cube.I.manual.pb.fits.gz"));
  assert.equal(cubePb?.contentLength, 148936128);
  const cutouts = rows.filter((r) => r.semantics === "#cutout");
  assert.deepEqual(cutouts.map((r) => [r.serviceDef, r.role]), [["SODA.sync", "other"], ["SODA.sync", "other"]]);
  assert.deepEqual(filesNeededForRestore(rows), []);
});

test("an answer that is not a DataLink VOTable is an archive error naming its source", () => {
  for (const bad of ["<html><body>Service unavailable</body></html>", "<VOTABLE><RESOURCE type='results'/></VOTABLE>"]) {
    assert.throws(
      () => parseDataLink(bad, "https://almascience.org/datalink/sync?ID=x"),
      (e: unknown) => e instanceof ReimageError && e.code === ErrorCode.Archive && e.message.includes("sync?ID=x"),
    );
  }
});
