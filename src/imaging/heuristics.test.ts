// Expected values come from the physics and from hand arithmetic written beside each
// assertion, never from running the code under test.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  assumedTsysK,
  autoMaskParameters,
  cellArcsec,
  cleanThresholdJy,
  deconvolverFor,
  fractionalBandwidth,
  gridderFor,
  mosaicImsize,
  nextFftSize,
  pointSourceSensitivityJy,
  pointingSpread,
  primaryBeamRadiusArcsec,
  restoringBeamFor,
  singleFieldImsize,
  synthesizedBeamArcsec,
  weightingFor,
} from "./heuristics.js";

function near(actual: number, expected: number, tolerance: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} is not within ${tolerance} of ${expected}`);
}

const ARCSEC = Math.PI / (180 * 3600);

test("primary beam radius is 1.22 lambda / D", () => {
  // lambda = 0.299792458 m / 100 = 2.99792458e-3 m; / 12 m = 2.4982705e-4 rad;
  // x 1.22 = 3.0478900e-4 rad; x 206264.806 arcsec/rad = 62.867 arcsec.
  near(primaryBeamRadiusArcsec(100e9, 12), 62.867, 0.001, "12 m at 100 GHz");
  // A 7 m dish at 230 GHz: 12/7 x 100/230 of the above = 62.867 x 0.745342 = 46.857 arcsec.
  near(primaryBeamRadiusArcsec(230e9, 7), 46.857, 0.001, "7 m at 230 GHz");
});

test("synthesized beam is 0.574 lambda / L80 (handbook), or lambda / Bmax with factor 1", () => {
  // 0.574 x 2.99792458e-3 m / 100 m = 1.7208087e-5 rad = 3.5494 arcsec.
  near(synthesizedBeamArcsec(100e9, 100), 3.5494, 0.0001, "L80 100 m");
  // factor 1 on a 1000 m baseline: 2.99792458e-6 rad = 0.61836 arcsec.
  near(synthesizedBeamArcsec(100e9, 1000, 1.0), 0.61836, 0.00001, "Bmax 1 km");
});

test("cell is the beam's minor axis over 5, to two significant digits", () => {
  // 3.5494 / 5 = 0.70988 -> 0.71
  assert.equal(cellArcsec(3.5494), 0.71);
  // 0.0617 / 5 = 0.01234 -> 0.012
  assert.equal(cellArcsec(0.0617), 0.012);
  // 12.3 / 5 = 2.46 -> 2.5
  assert.equal(cellArcsec(12.3), 2.5);
});

test("FFT sizes are even with factors 2, 3, 5, 7 only", () => {
  assert.equal(nextFftSize(1), 2);
  assert.equal(nextFftSize(11), 12); // 12 = 2^2 x 3
  assert.equal(nextFftSize(251), 252); // 252 = 2^2 x 3^2 x 7
  // 258 = 2x3x43, 260 = 2^2x5x13, 262 = 2x131, 264 = 2^3x3x11, 266 = 2x7x19, 268 = 2^2x67; 270 = 2x3^3x5
  assert.equal(nextFftSize(257), 270);
  assert.equal(nextFftSize(256), 256);
  assert.equal(nextFftSize(135.2), 140); // 136 = 2^3x17, 138 = 2x3x23, 140 = 2^2x5x7
});

test("single-field image reaches PB level 0.2 plus 10%", () => {
  // FWHP = 1.12/1.22 x 62.867 = 57.714"; sqrt(ln 5 / ln 2) = sqrt(2.321928) = 1.523787;
  // width = 1.1 x 57.714 x 1.523787 = 96.739"; / 0.71 = 136.25 -> 136 -> next even 2,3,5,7 size 140.
  assert.equal(singleFieldImsize(62.867, 0.71), 140);
  // At PB level 0.5 the width is 1.1 x FWHP = 63.486"; / 0.71 = 89.41 -> 89 -> 90 = 2x3^2x5.
  assert.equal(singleFieldImsize(62.867, 0.71, 0.5), 90);
});

test("mosaic image spans the pointings plus 1.65 (<= 3 fields) or 1.5 PB radii", () => {
  // (1.65 x 62.867 + 24) / 0.71 = (103.731 + 24) / 0.71 = 179.90 -> 179 -> 180 = 2^2x3^2x5
  assert.equal(mosaicImsize(62.867, 0.71, 24, 3), 180);
  // (1.5 x 62.867 + 24) / 0.71 = 118.30 / 0.71 = 166.62 -> 166 = 2x83 -> 168 = 2^3x3x7
  assert.equal(mosaicImsize(62.867, 0.71, 24, 7), 168);
});

test("pointing spread scales RA offsets by cos(dec) and centres on the extent", () => {
  const dec0 = Math.PI / 3; // 60 deg: cos = 0.5, so 48" of RA are 24" on the sky
  const ra0 = 1.0;
  const spread = pointingSpread([
    { raRad: ra0, decRad: dec0 },
    { raRad: ra0 + 48 * ARCSEC, decRad: dec0 },
    { raRad: ra0, decRad: dec0 + 10 * ARCSEC },
  ]);
  near(spread.xSpreadArcsec, 24, 1e-6, "x spread");
  near(spread.ySpreadArcsec, 10, 1e-6, "y spread");
  // Centre: 12" east on the sky = 24" of RA; 5" north.
  near((spread.centre.raRad - ra0) / ARCSEC, 24, 1e-6, "centre RA offset");
  near((spread.centre.decRad - dec0) / ARCSEC, 5, 1e-6, "centre Dec offset");
  assert.throws(() => pointingSpread([]), RangeError);
});

test("gridder: mosaic for several fields or mixed dishes", () => {
  assert.equal(gridderFor(1, [12, 12, 12]), "standard");
  assert.equal(gridderFor(3, [12, 12]), "mosaic");
  assert.equal(gridderFor(1, [12, 7]), "mosaic");
});

test("weighting: briggs 0.5 for continuum, briggsbwtaper for cubes, robust 1 for findcont", () => {
  assert.deepEqual(weightingFor("mfs"), { weighting: "briggs", robust: 0.5 });
  assert.deepEqual(weightingFor("cont"), { weighting: "briggs", robust: 0.5 });
  assert.deepEqual(weightingFor("cube"), { weighting: "briggsbwtaper", robust: 0.5, perchanweightdensity: true });
  assert.deepEqual(weightingFor("findcont"), { weighting: "briggs", robust: 1.0 });
});

test("fractional bandwidth decides mtmfs for the aggregate continuum only", () => {
  // 2 x (104.25 - 99.75) / (104.25 + 99.75) = 9 / 204 = 0.04412
  near(fractionalBandwidth(99.75e9, 104.25e9), 0.04412, 0.00001, "Band 3 pair");
  // 2 x (110 - 90) / 200 = 0.2
  near(fractionalBandwidth(90e9, 110e9), 0.2, 1e-12, "wide");
  assert.deepEqual(deconvolverFor("cont", 0.2), { deconvolver: "mtmfs", nterms: 2 });
  assert.deepEqual(deconvolverFor("cont", 0.04412), { deconvolver: "hogbom" });
  assert.deepEqual(deconvolverFor("cube", 0.2), { deconvolver: "hogbom" });
  assert.deepEqual(deconvolverFor("mfs", 0.2), { deconvolver: "hogbom" });
});

test("auto-multithresh parameters by array and representative baseline", () => {
  const short = autoMaskParameters(65, 12, "cont");
  assert.equal(short.sidelobethreshold, 2.0);
  assert.equal(short.noisethreshold, 4.25);
  assert.equal(short.lownoisethreshold, 1.5);
  assert.equal(short.minbeamfrac, 0.3);
  assert.equal(short.negativethreshold, 0.0);
  assert.equal(short.growiterations, 75);
  assert.equal(short.fastnoise, false);
  const shortCube = autoMaskParameters(65, 12, "cube");
  assert.equal(shortCube.negativethreshold, 15.0);
  assert.equal(shortCube.growiterations, 50);
  const medium = autoMaskParameters(350, 12, "cube");
  assert.equal(medium.sidelobethreshold, 2.0);
  assert.equal(medium.noisethreshold, 5.0);
  assert.equal(medium.negativethreshold, 7.0);
  const long = autoMaskParameters(1200, 12, "mfs");
  assert.equal(long.sidelobethreshold, 2.5);
  assert.equal(long.noisethreshold, 5.0);
  assert.equal(long.lownoisethreshold, 1.5);
  assert.equal(long.fastnoise, true);
  const aca = autoMaskParameters(30, 7, "cube");
  assert.equal(aca.sidelobethreshold, 1.25);
  assert.equal(aca.noisethreshold, 5.0);
  assert.equal(aca.lownoisethreshold, 2.0);
  assert.equal(aca.minbeamfrac, 0.1);
});

test("radiometer equation gives the point-source sensitivity", () => {
  // 2 k Tsys = 2 x 1.380649e-23 x 80 = 2.2090384e-21 J
  // A_eff = 0.71 x pi x 12^2 / 4 = 0.71 x 113.0973 = 80.2991 m^2; eta_q eta_c = 0.96 x 0.88 = 0.8448
  // sqrt(16 x 15 x 2 x 5e8 Hz x 600 s) = sqrt(1.44e14) = 1.2e7
  // sigma = 2.2090384e-21 / (0.8448 x 80.2991 x 1.2e7) = 2.2090384e-21 / 8.14041e8 = 2.71367e-30 W/m2/Hz
  //       = 2.71367e-4 Jy
  const sigma = pointSourceSensitivityJy({ tsysK: 80, nAntennas: 16, bandwidthHz: 5e8, timeOnSourceS: 600, dishDiameterM: 12 });
  near(sigma, 2.71367e-4, 2e-9, "16 antennas, 500 MHz, 10 min");
  // Four times the bandwidth halves the noise.
  const wide = pointSourceSensitivityJy({ tsysK: 80, nAntennas: 16, bandwidthHz: 2e9, timeOnSourceS: 600, dishDiameterM: 12 });
  near(wide, 2.71367e-4 / 2, 2e-9, "2 GHz");
  near(cleanThresholdJy(2.71367e-4), 5.42734e-4, 1e-12, "threshold is twice the noise");
});

test("assumed Tsys follows the band", () => {
  assert.equal(assumedTsysK(100e9), 80); // Band 3
  assert.equal(assumedTsysK(230e9), 100); // Band 6
  assert.equal(assumedTsysK(345e9), 150); // Band 7
  assert.equal(assumedTsysK(650e9), 800); // Band 9
});

test("cubes get a common restoring beam", () => {
  assert.equal(restoringBeamFor("cube"), "common");
  assert.equal(restoringBeamFor("mfs"), "");
});
