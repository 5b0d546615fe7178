import { test } from "node:test";
import assert from "node:assert/strict";
import { previewPaths, statisticsOf } from "./mous-page.js";

// The shape the products step stores: { analysis: { statistics, previews, footprint } }.
const meta = {
  analysis: {
    statistics: { unit: "Jy/beam", min: -0.01, max: 0.05, fiducialRms: 0.002, dynamicRange: 25, peak: { value: 0.05, x: 3 }, planes: [{ rms: 1 }] },
    previews: { figure: "/p/a.preview.png", thumbnail: "/p/a.thumb.png", kind: "image" },
    footprint: { sRegion: "Polygon ICRS 1 2 3 4 5 6" },
  },
};

test("previews are the PNG files the product's record names, the figure first", () => {
  assert.deepEqual(previewPaths(meta), ["/p/a.preview.png", "/p/a.thumb.png"]);
  assert.deepEqual(previewPaths(undefined), []);
  assert.deepEqual(previewPaths({ note: "a.fits", moc: "/p/a.moc.fits" }), []);
});

test("statistics come from the analysis, the figures people look for first; arrays are left out", () => {
  const rows = statisticsOf(meta);
  assert.deepEqual(rows.slice(0, 5), [
    ["unit", "Jy/beam"],
    ["peak.value", 0.05],
    ["fiducialRms", 0.002],
    ["dynamicRange", 25],
    ["min", -0.01],
  ]);
  assert.ok(!rows.some(([k]) => k.startsWith("planes")));
  assert.deepEqual(statisticsOf({}), []);
});
