/**
 * The footprint in `reimage products`: analyzeProduct's one read gives the same footprint
 * as the footprint read alone, writes the MOC beside the other products, and an image
 * without sky axes gets a reason instead of a footprint while its statistics still come.
 */
import { sharedDir } from "../../paths.js";
import assert from "node:assert/strict";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createPlaneWriter } from "../../fits/writer.js";
import { footprintRegion } from "../../publish/obscore.js";
import { analyzeProduct } from "../analyze.js";
import { footprintOfFile } from "./footprint-of-file.js";
import { mocFitsPathFor } from "./footprint-part.js";

const CUBE = join(sharedDir, "real", "fits", "NGC3256_CO10_ALMA_SV_cube.fits");
let dir = "";

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "reimage-footprint-part-"));
});

after(async () => {
  if (dir !== "") await rm(dir, { recursive: true, force: true });
});

describe("the footprint part of reimage products", () => {
  test("analyzeProduct gives the footprint the file gives alone, and writes its MOC in the products folder", async () => {
    const out = join(dir, "products");
    const analysis = await analyzeProduct(CUBE, out);
    const alone = await footprintOfFile(CUBE);
    const footprint = analysis.footprint;
    assert.ok(!("problem" in footprint));
    assert.equal(footprint.sRegion, alone.sRegion);
    assert.deepEqual(footprint.moc, alone.moc);
    assert.equal(footprint.validPixels, 128 * 128);
    assert.equal(footprint.mocFitsPath, mocFitsPathFor(out, CUBE));
    assert.equal(footprint.mocFitsPath, join(out, "NGC3256_CO10_ALMA_SV_cube.moc.fits"));
    assert.ok((await stat(footprint.mocFitsPath)).size > 0);
    // The products step stores the analysis as the product's meta; ObsCore takes s_region from it.
    assert.equal(footprintRegion({ analysis: JSON.parse(JSON.stringify(analysis)) as unknown }), footprint.sRegion);
  });

  test("an image without sky axes has a reason for no footprint, and its statistics", async () => {
    const path = join(dir, "pixels-only.fits");
    const writer = await createPlaneWriter(path, { axes: [8, 6], bitpix: -32, cards: [{ keyword: "CTYPE1", value: "X" }, { keyword: "CTYPE2", value: "Y" }] });
    await writer.writePlane(new Float32Array(48).fill(1));
    await writer.close();
    const analysis = await analyzeProduct(path, dir);
    assert.ok("problem" in analysis.footprint);
    assert.match(analysis.footprint.problem, /no celestial axes/);
    assert.ok(analysis.statistics !== undefined);
  });
});
