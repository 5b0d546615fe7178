import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../config.js";
import { packageRoot } from "../paths.js";
import { openSqliteStore } from "../store/open.js";
import { createCampaign } from "./create.js";

// A mirror holding one delivery tree: 2013.1.00123.S, member uid___A001_X1_X3.
const mirror = join(packageRoot, "test", "fixtures", "deliveries", "c4-casadef");

test("a campaign over a mirror takes every MOUS it holds; a holdings list adds categories and names what the archive lacks", async () => {
  const dir = mkdtempSync(join(tmpdir(), "reimage-create-"));
  const store = await openSqliteStore(join(dir, "s.sqlite"));
  try {
    const all = await createCampaign(loadConfig(), store, { id: "all", archive: mirror });
    assert.deepEqual([all.created, all.mouses], [true, 1]);

    // Two MOUSs as the ALMA ObsCore service lists them; only the first is in the mirror.
    const holdings = join(dir, "holdings.csv");
    writeFileSync(
      holdings,
      [
        "member_ous_uid,proposal_id,band_list,antenna_arrays,is_mosaic,frequency_support,access_estsize",
        'uid://A001/X1/X3,2013.1.00123.S,3,A001:DA41 A002:DV02,F,"[100.0..102.0GHz,31250.00kHz,XX YY]",2000000',
        'uid://A001/X9/X9,2013.1.00123.S,7,A001:DA41 A002:DV02,T,"[340.0..342.0GHz,488.28kHz,XX YY]",50000000',
      ].join("\n"),
    );
    const some = await createCampaign(loadConfig(), store, { id: "some", archive: mirror, holdings });
    assert.equal(some.mouses, 1);
    assert.deepEqual(some.notInArchive, ["uid://A001/X9/X9"]);
    const report = await store.report("some");
    // 2013.1 is Cycle 2; Band 3; DA/DV antennas are 12 m; not a mosaic; 31 MHz channels are
    // continuum (TDM); access_estsize is in kB, so 2 GB: small.
    assert.equal(report.mouses[0]?.category, "C2 B3 12m single continuum small");

    await assert.rejects(createCampaign(loadConfig(), store, { id: "bad id!", archive: mirror }), /campaign id "bad id!"/);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
