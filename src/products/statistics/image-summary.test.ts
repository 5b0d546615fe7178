import assert from "node:assert/strict";
import { test } from "node:test";
import { imageRole } from "./image-summary.js";

test("image roles follow ALMA's and CASA's product names", () => {
  const ous = "member.uid___A001_X3001_X12.SimPoint_sci";
  assert.equal(imageRole(`${ous}.spw0.cube.I.pbcor.fits.gz`), "sky-pbcor");
  assert.equal(imageRole(`${ous}.spw0_1.cont.I.tt0.pbcor.fits.gz`), "sky-pbcor");
  assert.equal(imageRole(`${ous}.spw0.cube.I.pb.fits.gz`), "primary-beam");
  assert.equal(imageRole(`${ous}.spw0_1.cont.I.pb.tt0.fits.gz`), "primary-beam");
  assert.equal(imageRole(`${ous}.spw0.mfs.I.mask.fits.gz`), "auxiliary");
  assert.equal(imageRole(`${ous}.spw0_1.cont.I.alpha.fits.gz`), "auxiliary");
  assert.equal(imageRole(`${ous}.spw0_1.cont.I.alpha.error.fits.gz`), "auxiliary");
  assert.equal(imageRole("NGC3256_CO10_ALMA_SV_cube.fits"), "sky");
});
