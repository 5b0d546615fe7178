/**
 * Footprints where the sky is awkward: across RA = 0, around either celestial pole, in
 * Galactic and FK5 images, with a rotated CD matrix, cut by the image's edge, and a
 * seven-pointing mosaic. The reference takes our ICRS vertices back to pixels through
 * astropy's SkyCoord-aware WCS (so into the image's own frame), and builds mocpy's MOC of
 * the same polygons and of the valid pixels' centres.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import { ensureReferencePython, run } from "../../../test/reference/ensure-reference-python.js";
import { createPlaneWriter, type CardInput } from "../../fits/writer.js";
import type { Footprint } from "./footprint.js";
import { footprintOfFile } from "./footprint-of-file.js";
import { parseStcs } from "./stc-s.js";

const HELPER = fileURLToPath(new URL("../../../../test/reference/footprint_frames_reference.py", import.meta.url));

interface Reference {
  readonly validCount: number;
  readonly vertexToBoundary: number;
  readonly boundaryToEdge: number;
  readonly onlyOurs: number;
  readonly onlyMocpy: number;
  readonly both: number;
  readonly pixelsOutside: number;
  readonly fitsAscii: string;
  /** Whether our MOC holds the north and the south celestial pole (mocpy's answer). */
  readonly poles: [boolean, boolean];
}

interface Sky {
  readonly lon: number;
  readonly lat: number;
  /** Celestial axes' CTYPE; SIN in RA/Dec by default. */
  readonly ctype?: readonly [string, string];
  readonly radesys?: string;
  /** CD matrix instead of CDELT. */
  readonly cd?: readonly [number, number, number, number];
  readonly crpix?: readonly [number, number];
}

interface Case {
  readonly name: string;
  readonly width: number;
  readonly height: number;
  readonly sky: Sky;
  readonly value: (x: number, y: number) => number;
  /** The celestial pole inside the valid region, if any. */
  readonly pole?: "north" | "south";
  file?: string;
  footprint?: Footprint;
  reference?: Reference | undefined;
}

const PIXEL = 0.5 / 3600;

function cards(k: Case): CardInput[] {
  const { sky, width, height } = k;
  const [ctype1, ctype2] = sky.ctype ?? ["RA---SIN", "DEC--SIN"];
  const [crpix1, crpix2] = sky.crpix ?? [width / 2 + 1, height / 2 + 1];
  const out: CardInput[] = [
    { keyword: "CTYPE1", value: ctype1 },
    { keyword: "CTYPE2", value: ctype2 },
    { keyword: "CRVAL1", value: sky.lon },
    { keyword: "CRVAL2", value: sky.lat },
    { keyword: "CRPIX1", value: crpix1 },
    { keyword: "CRPIX2", value: crpix2 },
    { keyword: "CUNIT1", value: "deg" },
    { keyword: "CUNIT2", value: "deg" },
  ];
  if (sky.cd === undefined) out.push({ keyword: "CDELT1", value: -PIXEL }, { keyword: "CDELT2", value: PIXEL });
  else sky.cd.forEach((value, i) => out.push({ keyword: `CD${Math.floor(i / 2) + 1}_${(i % 2) + 1}`, value }));
  if (sky.radesys !== undefined) out.push({ keyword: "RADESYS", value: sky.radesys });
  if (sky.radesys === "FK5") out.push({ keyword: "EQUINOX", value: 2000.0 });
  return out;
}

const disc = (cx: number, cy: number, r: number) => (x: number, y: number): number => ((x - cx) ** 2 + (y - cy) ** 2 <= r * r ? 1 : Number.NaN);
const beam = (x: number, y: number, cx: number, cy: number, fwhm: number): number => Math.exp((-4 * Math.LN2 * ((x - cx) ** 2 + (y - cy) ** 2)) / fwhm ** 2);
const turn = 0.5; // radians, for the rotated CD matrix

const cases: Case[] = [
  { name: "across RA = 0", width: 400, height: 400, sky: { lon: 0.0005, lat: 10, radesys: "ICRS" }, value: disc(200, 200, 180) },
  { name: "north celestial pole inside the image", width: 200, height: 200, sky: { lon: 30, lat: 89.995, radesys: "ICRS" }, value: disc(100, 100, 90), pole: "north" },
  { name: "south celestial pole inside the image", width: 200, height: 200, sky: { lon: 30, lat: -89.99, radesys: "ICRS" }, value: disc(100, 100, 90), pole: "south" },
  { name: "Galactic SIN image", width: 300, height: 300, sky: { lon: 10, lat: 0.5, ctype: ["GLON-SIN", "GLAT-SIN"] }, value: disc(150, 150, 140) },
  { name: "FK5 J2000 image", width: 300, height: 300, sky: { lon: 150, lat: -30, radesys: "FK5" }, value: disc(150, 150, 140) },
  {
    name: "TAN image turned by a CD matrix",
    width: 300,
    height: 300,
    sky: {
      lon: 266.4,
      lat: -28.9,
      ctype: ["RA---TAN", "DEC--TAN"],
      radesys: "ICRS",
      cd: [-PIXEL * Math.cos(turn), PIXEL * Math.sin(turn), PIXEL * Math.sin(turn), PIXEL * Math.cos(turn)],
    },
    value: disc(150, 150, 140),
  },
  { name: "valid region cut by the image's edge", width: 300, height: 200, sky: { lon: 83.8, lat: -5.4, radesys: "ICRS", crpix: [151, 10] }, value: disc(150, 20, 150) },
  {
    name: "seven-pointing hexagonal mosaic (pointings half a beam apart, as ALMA spaces them), NaN below the combined beam's 0.2",
    width: 400,
    height: 400,
    sky: { lon: 53.1, lat: -27.8, radesys: "ICRS" },
    value: (x, y) => {
      let response = beam(x, y, 200, 200, 110);
      for (let k = 0; k < 6; k += 1) response = Math.max(response, beam(x, y, 200 + 60 * Math.cos((k * Math.PI) / 3), 200 + 60 * Math.sin((k * Math.PI) / 3), 110));
      return response >= 0.2 ? response : Number.NaN;
    },
  },
];

let dir = "";

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "reimage-footprint-frames-"));
  for (const [i, k] of cases.entries()) {
    const file = join(dir, `case${i}.fits`);
    const writer = await createPlaneWriter(file, { axes: [k.width, k.height], bitpix: -32, cards: cards(k) });
    const data = new Float32Array(k.width * k.height);
    for (let y = 0; y < k.height; y += 1) for (let x = 0; x < k.width; x += 1) data[y * k.width + x] = k.value(x, y);
    await writer.writePlane(data);
    await writer.close();
    k.file = file;
    k.footprint = await footprintOfFile(file, { mocFitsPath: `${file}.moc.fits` });
  }
  const requests = cases.map((k) => {
    const fp = k.footprint;
    assert.ok(fp !== undefined);
    return {
      file: k.file,
      rings: fp.polygons.flatMap((p) => [p.outer, ...p.holes]),
      outers: fp.polygons.map((p) => p.outer),
      order: fp.moc.order,
      ascii: fp.moc.ascii,
      mocFits: fp.mocFitsPath,
    };
  });
  const python = await ensureReferencePython();
  const out = await run(python, [HELPER], JSON.stringify({ requests }), 5 * 60 * 1000);
  const answers = (JSON.parse(out) as { answers: Reference[] }).answers;
  cases.forEach((k, i) => (k.reference = answers[i]));
});

after(async () => {
  if (dir !== "") await rm(dir, { recursive: true, force: true });
});

describe("footprints across RA = 0, around the poles and in other frames", () => {
  test("the outline stays within one pixel of astropy's boundary pixels, both ways", () => {
    const report: string[] = [];
    for (const k of cases) {
      const fp = k.footprint;
      const ref = k.reference;
      assert.ok(fp !== undefined && ref !== undefined);
      assert.equal(fp.validPixels, ref.validCount, `${k.name}: valid pixels`);
      assert.equal(fp.polygons.length, 1, `${k.name}: one region`);
      assert.ok(ref.vertexToBoundary <= 1, `${k.name}: a vertex lies ${ref.vertexToBoundary} px from the nearest boundary pixel`);
      assert.ok(ref.boundaryToEdge <= 1, `${k.name}: a boundary pixel lies ${ref.boundaryToEdge} px from the outline`);
      report.push(`${k.name}: vertex->boundary ${ref.vertexToBoundary.toFixed(3)} px, boundary->edge ${ref.boundaryToEdge.toFixed(3)} px`);
    }
    console.log(report.join("\n"));
  });

  test("s_region is an ICRS polygon with RA in [0, 360), also across RA = 0", () => {
    for (const k of cases) {
      const parsed = parseStcs(k.footprint?.sRegion ?? "");
      assert.equal(parsed.frame, "ICRS");
      assert.ok(parsed.region.shape === "polygon");
      for (const [ra, dec] of parsed.region.vertices) {
        assert.ok(ra >= 0 && ra < 360 && dec >= -90 && dec <= 90, `${k.name}: vertex ${ra} ${dec}`);
      }
    }
    const across = parseStcs(cases[0]?.footprint?.sRegion ?? "");
    assert.ok(across.region.shape === "polygon");
    const ras = across.region.vertices.map(([ra]) => ra);
    assert.ok(ras.some((ra) => ra < 1) && ras.some((ra) => ra > 359), "the RA = 0 image has vertices on both sides of 0");
  });

  test("the MOC holds every valid pixel's centre and equals mocpy's MOC of the same polygon; mocpy reads its FITS", () => {
    const report: string[] = [];
    for (const k of cases) {
      const fp = k.footprint;
      const ref = k.reference;
      assert.ok(fp !== undefined && ref !== undefined);
      report.push(`${k.name}: order ${fp.moc.order}, ${ref.both} cells in both, only ours ${ref.onlyOurs}, only mocpy's ${ref.onlyMocpy}`);
      assert.equal(ref.pixelsOutside, 0, `${k.name}: valid pixel centres outside the MOC`);
      // Border cells decided differently (an edge grazing a corner) are allowed, one per ten.
      assert.ok(ref.onlyOurs + ref.onlyMocpy <= ref.both / 10, `${k.name}: ${ref.onlyOurs + ref.onlyMocpy} cells differ from mocpy's`);
      assert.equal(ref.fitsAscii, fp.moc.ascii, `${k.name}: mocpy's reading of our FITS`);
      // 18" and 36" from the reference pixel, well inside the 45" valid disc.
      assert.deepEqual(ref.poles, [k.pole === "north", k.pole === "south"], `${k.name}: poles in the MOC`);
    }
    console.log(report.join("\n"));
  });
});
