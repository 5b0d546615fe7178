import { test } from "node:test";
import assert from "node:assert/strict";
import { productKind } from "./products.js";

test("product kinds follow ALMA's product names", () => {
  const ous = "uid___A001_X3001_X12.SimPoint_sci";
  assert.equal(productKind(`${ous}.spw0.cube.I.pbcor.fits.gz`), "fits-cube");
  assert.equal(productKind(`${ous}.spw0.cube.I.pb.fits.gz`), "fits-pb");
  assert.equal(productKind(`${ous}.spw0_1.cont.I.tt0.pbcor.fits.gz`), "fits-image");
  assert.equal(productKind(`${ous}.spw0_1.cont.I.pb.tt0.fits.gz`), "fits-pb");
  assert.equal(productKind(`${ous}.spw1.mfs.I.pbcor.fits.gz`), "fits-image");
  assert.equal(productKind("cont.dat"), "cont-dat");
});
