/**
 * Previews of real and synthetic FITS files, checked on the PNG pixels themselves: decoded
 * with the library that wrote them, the map's brightest pixel sits where numpy finds the
 * peak, the beam drawn measures BMAJ/|CDELT| map pixels at the position angle of the
 * header, the spectrum drawn is numpy's spectrum at the peak, blank pixels are grey.
 * Example figures of the real cube are kept in .test-artifacts/previews/ for people to look at.
 */
import assert from "node:assert/strict";
import { appendFile, copyFile, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { packageRoot, sharedDir } from "../../paths.js";
import { readFitsInfo, readPlanes, imageLayout, type FitsPlane } from "../../fits/reader.js";
import { createPlaneWriter } from "../../fits/writer.js";
import { analyzeProduct } from "../analyze.js";
import { StatisticsConsumer } from "../statistics/statistics-consumer.js";
import { runPlanePasses, type PlaneConsumer } from "../plane-pass.js";
import { previewReference, type PreviewReference } from "../../../test/reference/preview-reference.js";
import { beamsTable } from "../../../test/reference/fits-fixtures.js";
import { writeSkyImage } from "../../../test/reference/sky-images.js";
import { colourMap, ColourMapName } from "./colour-map.js";
import { BEAM_RGB, mapPixelOnFigure, spectrumPointOnFigure, type Box } from "./figure.js";
import { decodeRgbPng, type RgbImage } from "./png.js";
import { previewConsumers, previewPaths, summarizePreviews, type PreviewProducts, type PreviewSummary } from "./preview.js";
import { imageHdu, previewsOfFile, wcsOrReason } from "./previews-of-file.js";
import { BLANK_RGB } from "./raster.js";
import { unstretchValue } from "./stretch.js";

const REAL = join(sharedDir, "real", "fits");
const NGC3256 = join(REAL, "NGC3256_CO10_ALMA_SV_cube.fits");
const TINY = join(REAL, "cube432_velo-lsr_tiny.fits");
const ARTEFACTS = join(packageRoot, ".test-artifacts", "previews");

let dir = "";
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "reimage-preview-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function decoded(path: string): Promise<RgbImage> {
  return decodeRgbPng(new Uint8Array(await readFile(path)));
}

function rgbAt(image: RgbImage, x: number, y: number): [number, number, number] {
  const o = (Math.floor(y) * image.width + Math.floor(x)) * 3;
  return [image.rgb[o] ?? -1, image.rgb[o + 1] ?? -1, image.rgb[o + 2] ?? -1];
}

function distance(a: readonly number[], b: readonly number[]): number {
  return Math.abs((a[0] ?? 0) - (b[0] ?? 0)) + Math.abs((a[1] ?? 0) - (b[1] ?? 0)) + Math.abs((a[2] ?? 0) - (b[2] ?? 0));
}

function topColour(name: ColourMapName): [number, number, number] {
  const rgb = colourMap(name).rgb;
  return [rgb[765] ?? 0, rgb[766] ?? 0, rgb[767] ?? 0];
}

/**
 * The filled beam measured on the picture: the second moments of the pixels darker than
 * halfway between the box and the beam colour (an antialiased edge pixel counts when the
 * ellipse covers more than half of it), inside the box's border. A filled ellipse of full
 * axes A and B has variances A²/16 and B²/16 along them.
 */
function measuredBeam(image: RgbImage, box: Box): { major: number; minor: number; angle: number } {
  const luminance = (c: readonly number[]): number => (c[0] ?? 0) + (c[1] ?? 0) + (c[2] ?? 0);
  const background = luminance(rgbAt(image, box.left + 3, box.top + box.height / 2));
  const threshold = (background + luminance(BEAM_RGB)) / 2;
  let n = 0;
  let sx = 0;
  let sy = 0;
  const pts: [number, number][] = [];
  for (let y = Math.ceil(box.top) + 2; y < box.top + box.height - 2; y += 1) {
    for (let x = Math.ceil(box.left) + 2; x < box.left + box.width - 2; x += 1) {
      if (luminance(rgbAt(image, x, y)) < threshold) {
        pts.push([x + 0.5, y + 0.5]);
        sx += x + 0.5;
        sy += y + 0.5;
        n += 1;
      }
    }
  }
  const mx = sx / n;
  const my = sy / n;
  let cxx = 0;
  let cyy = 0;
  let cxy = 0;
  for (const [x, y] of pts) {
    cxx += (x - mx) ** 2;
    cyy += (y - my) ** 2;
    cxy += (x - mx) * (y - my);
  }
  cxx /= n;
  cyy /= n;
  cxy /= n;
  const mean = (cxx + cyy) / 2;
  const spread = Math.sqrt(((cxx - cyy) / 2) ** 2 + cxy ** 2);
  const angle = (0.5 * Math.atan2(2 * cxy, cxx - cyy) * 180) / Math.PI;
  return { major: 4 * Math.sqrt(mean + spread), minor: 4 * Math.sqrt(mean - spread), angle };
}

/** Difference of two axis directions, degrees, modulo 180. */
function axisDifference(a: number, b: number): number {
  const d = (((a - b) % 180) + 180) % 180;
  return Math.min(d, 180 - d);
}

/** Where a beam of position angle `pa` (east of north) points on a picture with east left and north up, y down. */
function displayAngleEastLeft(pa: number): number {
  const r = (pa * Math.PI) / 180;
  return (Math.atan2(-Math.cos(r), -Math.sin(r)) * 180) / Math.PI;
}

function checkPeak(image: RgbImage, products: PreviewProducts, reference: PreviewReference, colours: ColourMapName): void {
  const { value, ...where } = reference.peak;
  assert.deepEqual({ x: products.peak?.x, y: products.peak?.y, channel: products.peak?.channel }, where);
  assert.equal(products.peak?.value, value);
  const { px, py } = mapPixelOnFigure(products.layout, reference.peak.x, reference.peak.y);
  assert.deepEqual(rgbAt(image, px, py), topColour(colours), "the FITS peak is drawn in the top colour");
  // Every other map pixel drawn in the top colour is one whose value is that bright.
  const stretch = products.stretch;
  assert.ok(stretch !== undefined);
  const threshold = unstretchValue(stretch, 255 / 256);
  const m = products.layout.map;
  let topPixels = 0;
  for (let y = 0; y < m.height; y += 1) {
    for (let x = 0; x < m.width; x += 1) {
      if (distance(rgbAt(image, m.left + x, m.top + y), topColour(colours)) === 0) topPixels += 1;
    }
  }
  assert.ok(topPixels >= 1);
  assert.ok(threshold <= reference.peak.value && threshold > stretch.low);
}

test("NGC 3256 CO(1-0) cube: the peak map and the spectrum at numpy's peak, the beam of the header, in one figure", async () => {
  const reference = await previewReference(NGC3256);
  const products = await previewsOfFile(NGC3256, dir);
  assert.equal(products.kind, "cube");

  const figure = await decoded(products.figure.path);
  assert.equal(figure.width, products.figure.width);
  assert.equal(figure.height, products.figure.height);
  assert.equal(figure.text.Title, "NGC3256");
  const thumb = await decoded(products.thumbnail.path);
  assert.deepEqual([thumb.width, thumb.height], [128, 128]);

  checkPeak(figure, products, reference, ColourMapName.Inferno);
  // The thumbnail is the map at 1:1 here (128 pixels): the peak is its top-coloured pixel.
  assert.deepEqual(rgbAt(thumb, reference.peak.x, 127 - reference.peak.y), topColour(ColourMapName.Inferno));

  // The beam: BMAJ/|CDELT| map pixels long, at BPA east of north (east is left, CDELT1 < 0).
  const bmaj = reference.header.BMAJ ?? Number.NaN;
  const bmin = reference.header.BMIN ?? Number.NaN;
  const cdelt = Math.abs(reference.header.CDELT2 ?? Number.NaN);
  const box = products.layout.beam;
  assert.ok(box !== undefined, "the beam is drawn");
  const beam = measuredBeam(figure, box);
  const zoom = products.layout.map.zoom;
  assert.ok(Math.abs(beam.major / zoom - bmaj / cdelt) < 0.35, `major ${beam.major / zoom} map pixels, header ${bmaj / cdelt}`);
  assert.ok(Math.abs(beam.minor / zoom - bmin / cdelt) < 0.35, `minor ${beam.minor / zoom} map pixels, header ${bmin / cdelt}`);
  assert.ok(axisDifference(beam.angle, displayAngleEastLeft(reference.header.BPA ?? 0)) < 2, `beam axis at ${beam.angle} deg on the picture`);

  // The spectrum: numpy's values at the peak pixel, astropy's frequencies, and drawn where they are.
  assert.ok(products.spectrum !== undefined);
  assert.deepEqual(products.spectrum.values, reference.spectrum);
  const frequencies = reference.frequencies ?? [];
  products.spectrum.frequencyHz.forEach((f, i) => assert.ok(Math.abs((f ?? 0) - (frequencies[i] ?? 0)) <= 1e-6 * (frequencies[i] ?? 0)));
  for (let c = 0; c < frequencies.length; c += 1) {
    const { px, py } = spectrumPointOnFigure(products.layout, (frequencies[c] ?? 0) / 1e9, (reference.spectrum[c] ?? 0) * products.unit.factor);
    // The line's colour, or the line antialiased over white at least half: clearly blue, unlike the grey zero line and the red peak marker.
    const blue = [-2, -1, 0, 1, 2].some((dy) => {
      const [r, , b] = rgbAt(figure, px, py + dy);
      return b - r > 60;
    });
    assert.ok(blue, `channel ${c}: no spectrum line at (${px.toFixed(1)}, ${py.toFixed(1)})`);
  }

  await mkdir(ARTEFACTS, { recursive: true });
  await copyFile(products.figure.path, join(ARTEFACTS, "NGC3256_CO10_ALMA_SV_cube.preview.png"));
  await copyFile(products.thumbnail.path, join(ARTEFACTS, "NGC3256_CO10_ALMA_SV_cube.thumb.png"));
});

test("the tiny NEMO cube (VELO-LSR, zero beam, blank OBJECT): titled by its file, no beam, numpy's peak and spectrum", async () => {
  const reference = await previewReference(TINY);
  const products = await previewsOfFile(TINY, dir);
  assert.equal(products.kind, "cube");
  assert.equal(products.beam, undefined);
  assert.equal(products.layout.beam, undefined);
  const figure = await decoded(products.figure.path);
  assert.equal(figure.text.Title, "cube432_velo-lsr_tiny.fits");
  checkPeak(figure, products, reference, ColourMapName.Inferno);
  assert.deepEqual(products.spectrum?.values, reference.spectrum);
  const thumb = await decoded(products.thumbnail.path);
  assert.deepEqual([thumb.width, thumb.height], [128, 96], "4 x 3 pixels fit 128 on the longer side");
  const summary = JSON.parse(JSON.stringify(summarizePreviews(products))) as PreviewSummary;
  assert.deepEqual(summary.thumbnailSize, [128, 96]);
  assert.equal(summary.beam, null);
  assert.equal(summary.figure, products.figure.path);
  assert.deepEqual([summary.peak?.x, summary.peak?.y, summary.peak?.channel], [reference.peak.x, reference.peak.y, reference.peak.channel]);
});

test("a synthetic continuum image: blank pixels outside the primary beam are grey, the peak and the beam where they were put", async () => {
  const file = join(dir, "continuum.fits");
  await writeSkyImage(file, {
    width: 300,
    height: 240,
    channels: 1,
    noise: 5e-5,
    blankBeyond: 110,
    sources: [
      { x: 170, y: 130, peak: 12e-3, fwhmX: 6, fwhmY: 4 },
      { x: 120, y: 90, peak: 1.5e-3, fwhmX: 20, fwhmY: 12 },
    ],
    beam: { majorArcsec: 2.4, minorArcsec: 1.4, pa: 30 },
    pixelArcsec: 0.2,
  });
  const reference = await previewReference(file);
  const products = await previewsOfFile(file, dir, { colourMap: ColourMapName.Viridis });
  assert.equal(products.kind, "image");
  assert.equal(products.spectrum, undefined);
  assert.equal(products.stretch?.validPixels, 300 * 240 - reference.blank);
  const figure = await decoded(products.figure.path);
  checkPeak(figure, products, reference, ColourMapName.Viridis);
  assert.deepEqual([reference.peak.x, reference.peak.y], [170, 130], "numpy agrees the source is where it was put");

  // A corner of the map is outside the 110-pixel primary beam: blank grey.
  const corner = mapPixelOnFigure(products.layout, 2, 2);
  assert.deepEqual(rgbAt(figure, corner.px, corner.py), [...BLANK_RGB]);

  const box = products.layout.beam;
  assert.ok(box !== undefined);
  const beam = measuredBeam(figure, box);
  const zoom = products.layout.map.zoom;
  assert.ok(Math.abs(beam.major / zoom - 2.4 / 0.2) < 0.5, `major ${beam.major / zoom} map pixels, expected 12`);
  assert.ok(Math.abs(beam.minor / zoom - 1.4 / 0.2) < 0.5, `minor ${beam.minor / zoom} map pixels, expected 7`);
  assert.ok(axisDifference(beam.angle, displayAngleEastLeft(30)) < 3);

  // The scale bar is as long on the picture as its angle is on the sky.
  const bar = products.layout.scaleBar;
  assert.ok(bar !== undefined);
  assert.ok(Math.abs(bar.lengthPx - (bar.arcsec / 0.2) * zoom) < 1e-6);
});

test("preview consumers share the passes of other consumers: a cube takes a second pass for the spectrum at the peak", async () => {
  const file = join(dir, "line.fits");
  const planes = await writeSkyImage(file, {
    width: 64,
    height: 48,
    channels: 12,
    noise: 1e-3,
    sources: [{ x: 20, y: 30, peak: 0.05, fwhmX: 3, fwhmY: 3, line: { centre: 7, fwhm: 2 } }],
    beam: { majorArcsec: 1, minorArcsec: 1, pa: 0 },
  });
  const info = await readFitsInfo(file);
  const hdu = imageHdu(info.hdus, file);
  const seen: number[] = [];
  const counter: PlaneConsumer = {
    consume: (_plane: FitsPlane, pass: number) => void seen.push(pass),
    endPass: () => false,
  };
  const previews = previewConsumers({ file, hdu, wcs: wcsOrReason(hdu).wcs, out: previewPaths(dir, file) });
  const report = await runPlanePasses(imageLayout(hdu), () => readPlanes(file), [counter, ...previews.consumers]);
  assert.equal(report.passes, 2);
  // The counter was done after the first pass; the previews asked for the second.
  assert.deepEqual(seen, new Array<number>(12).fill(0));
  const products = await previews.finish();
  // The brightest pixel of the written planes, found here without the code under test.
  let best = { value: Number.NEGATIVE_INFINITY, x: 0, y: 0, channel: 0 };
  planes.forEach((plane, channel) =>
    plane.forEach((v, i) => {
      if (v > best.value) best = { value: v, x: i % 64, y: Math.floor(i / 64), channel };
    }),
  );
  assert.deepEqual(products.peak && { x: products.peak.x, y: products.peak.y, channel: products.peak.channel }, { x: best.x, y: best.y, channel: best.channel });
  assert.deepEqual(products.spectrum?.values, planes.map((p) => p[best.y * 64 + best.x]));
});

test("an all-blank image still gets its previews, grey, with no peak", async () => {
  const file = join(dir, "blank.fits");
  await writeSkyImage(file, { width: 40, height: 40, channels: 1, noise: 1, sources: [], blankBeyond: -1 });
  const products = await previewsOfFile(file, dir);
  assert.equal(products.peak, undefined);
  assert.equal(products.stretch, undefined);
  const figure = await decoded(products.figure.path);
  const centre = mapPixelOnFigure(products.layout, 20, 20);
  assert.deepEqual(rgbAt(figure, centre.px, centre.py), [...BLANK_RGB]);
});

test("a cube with CASA's per-channel BEAMS table: the beam drawn is the one of the channel the peak is in", async () => {
  const file = join(dir, "beams.fits");
  await writeSkyImage(file, {
    width: 120,
    height: 120,
    channels: 3,
    noise: 1e-3,
    sources: [{ x: 60, y: 60, peak: 0.05, fwhmX: 4, fwhmY: 4, line: { centre: 2, fwhm: 0.8 } }],
    beam: { majorArcsec: 1, minorArcsec: 1, pa: 0 },
    pixelArcsec: 0.2,
    extend: true,
  });
  const rows = [
    { bmaj: 2, bmin: 1.5, bpa: 10, chan: 0, pol: 0 },
    { bmaj: 3, bmin: 2, bpa: 20, chan: 1, pol: 0 },
    { bmaj: 4, bmin: 2.5, bpa: -60, chan: 2, pol: 0 },
  ];
  await appendFile(file, Buffer.concat(beamsTable(rows)));
  const products = await previewsOfFile(file, dir);
  assert.equal(products.peak?.channel, 2);
  assert.deepEqual(products.beam, { majorArcsec: 4, minorArcsec: 2.5, positionAngle: -60 });
  const figure = await decoded(products.figure.path);
  const box = products.layout.beam;
  assert.ok(box !== undefined);
  const beam = measuredBeam(figure, box);
  const zoom = products.layout.map.zoom;
  assert.ok(Math.abs(beam.major / zoom - 4 / 0.2) < 0.5, `major ${beam.major / zoom} map pixels, expected 20`);
  assert.ok(Math.abs(beam.minor / zoom - 2.5 / 0.2) < 0.5, `minor ${beam.minor / zoom} map pixels, expected 12.5`);
  assert.ok(axisDifference(beam.angle, displayAngleEastLeft(-60)) < 2);
});

test("a Galactic image is labelled in degrees of l and b; an image without a celestial WCS gets pixel axes and no beam", async () => {
  const galactic = join(dir, "galactic.fits");
  await writeSkyImage(galactic, {
    width: 100,
    height: 80,
    channels: 1,
    noise: 1e-3,
    sources: [{ x: 30, y: 50, peak: 0.02, fwhmX: 5, fwhmY: 5 }],
    beam: { majorArcsec: 20, minorArcsec: 20, pa: 0 },
    axisCards: [
      { keyword: "CTYPE1", value: "GLON-CAR" },
      { keyword: "CRVAL1", value: 0.5 },
      { keyword: "CDELT1", value: -0.002 },
      { keyword: "CRPIX1", value: 50 },
      { keyword: "CTYPE2", value: "GLAT-CAR" },
      { keyword: "CRVAL2", value: 0 },
      { keyword: "CDELT2", value: 0.002 },
      { keyword: "CRPIX2", value: 40 },
    ],
  });
  const g = await previewsOfFile(galactic, dir);
  assert.equal(g.peak?.x, 30);
  assert.ok(g.layout.beam !== undefined, "a beam of 20 arcsec is 2.8 pixels of 7.2 arcsec");
  const plain = join(dir, "plain.fits");
  await writeSkyImage(plain, { width: 50, height: 30, channels: 1, noise: 1, sources: [], axisCards: [] });
  const p = await previewsOfFile(plain, dir);
  assert.equal(p.layout.beam, undefined);
  assert.equal(p.layout.scaleBar, undefined);
  const figure = await decoded(p.figure.path);
  assert.deepEqual([figure.width, figure.height], [p.figure.width, p.figure.height]);
  await mkdir(ARTEFACTS, { recursive: true });
  await copyFile(g.figure.path, join(ARTEFACTS, "synthetic-galactic.preview.png"));
});

test("a full-Stokes cube: the map and the spectrum are Stokes I's, whatever the other planes hold", async () => {
  const file = join(dir, "stokes.fits");
  const [w, h, channels] = [8, 6, 3];
  const writer = await createPlaneWriter(file, {
    axes: [w, h, channels, 2],
    bitpix: -32,
    cards: [
      { keyword: "CTYPE3", value: "FREQ" },
      { keyword: "CRVAL3", value: 100e9 },
      { keyword: "CDELT3", value: 1e6 },
      { keyword: "CRPIX3", value: 1 },
      { keyword: "CTYPE4", value: "STOKES" },
      { keyword: "CRVAL4", value: 1 },
      { keyword: "CDELT4", value: 3 },
      { keyword: "CRPIX4", value: 1 },
    ],
  });
  // Stokes I (first along NAXIS4): its brightest pixel is (5, 4) in channel 1. Stokes V is brighter, elsewhere.
  const stokesI = (c: number): Float32Array => Float32Array.from({ length: w * h }, (_, i) => (i === 4 * w + 5 ? 10 + c * (2 - c) : c));
  for (let c = 0; c < channels; c += 1) await writer.writePlane(stokesI(c));
  for (let c = 0; c < channels; c += 1) await writer.writePlane(new Float32Array(w * h).fill(1000));
  await writer.close();
  const products = await previewsOfFile(file, dir);
  assert.deepEqual(products.peak && [products.peak.x, products.peak.y, products.peak.channel, products.peak.value], [5, 4, 1, 11]);
  assert.deepEqual(products.spectrum?.values, [10, 11, 10]);
  assert.deepEqual(products.spectrum?.frequencyHz, [100e9, 100.001e9, 100.002e9]);
});

test("analyzeProduct (reimage products) writes the previews in the same passes as the statistics and lists them", async () => {
  const out = join(dir, "products");
  const analysis = await analyzeProduct(NGC3256, out);
  // The spectrum at the peak rides on the passes the statistics make anyway: no pass of its own.
  const alone = new StatisticsConsumer({ threads: 0 });
  const statisticsPasses = (await runPlanePasses(imageLayout(imageHdu((await readFitsInfo(NGC3256)).hdus, NGC3256)), () => readPlanes(NGC3256), [alone], { maxPasses: 16 })).passes;
  await alone.close();
  assert.ok(statisticsPasses >= 2);
  assert.equal(analysis.passes, statisticsPasses);
  assert.equal(analysis.previews.figure, join(out, "NGC3256_CO10_ALMA_SV_cube.preview.png"));
  assert.equal(analysis.previews.thumbnail, join(out, "NGC3256_CO10_ALMA_SV_cube.thumb.png"));
  const figure = await decoded(analysis.previews.figure);
  assert.deepEqual([figure.width, figure.height], analysis.previews.figureSize);
  // Both parts find the same peak.
  assert.deepEqual([analysis.previews.peak?.x, analysis.previews.peak?.y, analysis.previews.peak?.channel], analysis.statistics.peak?.pixel.slice(0, 3));
  assert.equal(analysis.previews.peak?.value, analysis.statistics.peak?.value);
});
