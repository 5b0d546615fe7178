/**
 * Footprints against astropy and mocpy, on the real files and on synthetic ALMA-like
 * images (SIN, NaN outside a primary-beam circle; a three-pointing mosaic; two separate
 * fields; a primary-beam image cut at 0.2).
 *
 * The reference outline is computed in Python from the file alone: the valid pixels
 * (finite in any plane) that have an invalid or missing 4-neighbour, and our polygons'
 * vertices go back to pixels through astropy's WCS. Both directions must stay within one
 * pixel: every vertex near a boundary pixel, every boundary pixel near an edge.
 * The MOC must equal mocpy's MOC of the same polygons at the same order but for border
 * cells, which are counted and bounded; mocpy must read our FITS and ASCII serialisations.
 */
import { sharedDir } from "../../paths.js";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { askFootprintReference, type FootprintAnswer } from "../../../test/reference/footprint-reference.js";
import { createPlaneWriter, type CardInput } from "../../fits/writer.js";
import { readMocFits } from "../moc/moc-fits.js";
import { mocRanges, parseMocAscii, type Moc } from "../moc/moc.js";
import type { Footprint } from "./footprint.js";
import { footprintOfFile } from "./footprint-of-file.js";
import { parseStcs } from "./stc-s.js";

const REAL = join(sharedDir, "real", "fits");
let dir = "";

interface Case {
  readonly name: string;
  readonly file: string;
  readonly pbLimit?: number;
  /** Disjoint regions and holes the image has, from how it was made. */
  readonly regions: number;
  readonly holes?: number;
  footprint?: Footprint;
  outline?: FootprintAnswer | undefined;
  polygonMoc?: FootprintAnswer | undefined;
  mocRead?: FootprintAnswer | undefined;
  asciiRead?: FootprintAnswer | undefined;
}

const cases: Case[] = [];
const mocPath = (k: Case): string => join(dir, `${basename(k.file)}.moc.fits`);

const PIXEL = 0.05 / 3600; // 0.05 arcsec, an ALMA Band 6 cell
const sinCards = (width: number, height: number, pixel: number): CardInput[] => [
  { keyword: "CTYPE1", value: "RA---SIN" },
  { keyword: "CTYPE2", value: "DEC--SIN" },
  { keyword: "CRVAL1", value: 83.8221 },
  { keyword: "CRVAL2", value: -5.3911 },
  { keyword: "CRPIX1", value: width / 2 + 1 },
  { keyword: "CRPIX2", value: height / 2 + 1 },
  { keyword: "CDELT1", value: -pixel },
  { keyword: "CDELT2", value: pixel },
  { keyword: "CUNIT1", value: "deg" },
  { keyword: "CUNIT2", value: "deg" },
  { keyword: "CTYPE3", value: "FREQ" },
  { keyword: "CRVAL3", value: 2.3e11 },
  { keyword: "CDELT3", value: 1e6 },
  { keyword: "CRPIX3", value: 1 },
  { keyword: "CUNIT3", value: "Hz" },
  { keyword: "RADESYS", value: "ICRS" },
];

/** Writes a cube whose planes come from `pixel(x, y, plane)`. */
async function writeCube(
  name: string,
  width: number,
  height: number,
  planes: number,
  pixel: (x: number, y: number, plane: number) => number,
  cell = PIXEL,
): Promise<string> {
  const path = join(dir, name);
  const writer = await createPlaneWriter(path, { axes: [width, height, planes], bitpix: -32, cards: sinCards(width, height, cell) });
  for (let p = 0; p < planes; p += 1) {
    const data = new Float32Array(width * height);
    for (let y = 0; y < height; y += 1) for (let x = 0; x < width; x += 1) data[y * width + x] = pixel(x, y, p);
    await writer.writePlane(data);
  }
  await writer.close();
  return path;
}

/** Gaussian primary beam of a pointing at (cx, cy) with a FWHM in pixels. */
const beam = (x: number, y: number, cx: number, cy: number, fwhm: number): number => Math.exp((-4 * Math.LN2 * ((x - cx) ** 2 + (y - cy) ** 2)) / fwhm ** 2);

function distanceToSegment(p: readonly [number, number], a: readonly [number, number], b: readonly [number, number]): number {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const l2 = dx * dx + dy * dy;
  const t = l2 === 0 ? 0 : Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / l2));
  return Math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy);
}

/** Cells at the deepest order that only one of two MOCs of the same order covers. */
function cellDifference(a: Moc, b: Moc): { onlyA: bigint; onlyB: bigint; both: bigint } {
  const shift = 2n * BigInt(29 - a.maxOrder);
  const count = (ranges: [bigint, bigint][]): bigint => ranges.reduce((s, [lo, hi]) => s + ((hi - lo) >> shift), 0n);
  const ra = mocRanges(a.cells);
  const rb = mocRanges(b.cells);
  const intersect = (x: [bigint, bigint][], y: [bigint, bigint][]): [bigint, bigint][] => {
    const out: [bigint, bigint][] = [];
    let i = 0;
    let j = 0;
    while (i < x.length && j < y.length) {
      const [xa, xb] = x[i] ?? [0n, 0n];
      const [ya, yb] = y[j] ?? [0n, 0n];
      const lo = xa > ya ? xa : ya;
      const hi = xb < yb ? xb : yb;
      if (lo < hi) out.push([lo, hi]);
      if (xb < yb) i += 1;
      else j += 1;
    }
    return out;
  };
  const both = count(intersect(ra, rb));
  return { onlyA: count(ra) - both, onlyB: count(rb) - both, both };
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "reimage-footprint-"));
  const size = 160;
  const c = size / 2;
  cases.push(
    { name: "real ALMA cube NGC 3256 (every pixel valid)", file: join(REAL, "NGC3256_CO10_ALMA_SV_cube.fits"), regions: 1 },
    { name: "real tiny NEMO cube", file: join(REAL, "cube432_velo-lsr_tiny.fits"), regions: 1 },
    {
      name: "single pointing: NaN outside the primary beam's 0.2 circle, in 3 channels",
      // The NaN circle shrinks by a pixel per channel; the union of channels is the widest.
      file: await writeCube("pointing.fits", size, size, 3, (x, y, p) => (beam(x, y, c, c, 110 - p) >= 0.2 ? 1 : Number.NaN)),
      regions: 1,
    },
    {
      name: "three-pointing mosaic, NaN outside the combined beam's 0.2",
      file: await writeCube("mosaic.fits", size, size, 1, (x, y) =>
        Math.max(beam(x, y, 45, 60, 60), beam(x, y, 80, 100, 60), beam(x, y, 115, 60, 60)) >= 0.2 ? 0.5 : Number.NaN,
      ),
      regions: 1,
    },
    {
      name: "two fields apart: a Union of polygons",
      file: await writeCube("two-fields.fits", size, size, 1, (x, y) => (Math.max(beam(x, y, 40, 40, 50), beam(x, y, 115, 110, 60)) >= 0.2 ? 1 : Number.NaN)),
      regions: 2,
    },
    {
      name: "pointing with a blanked disc inside: a polygon with a hole",
      file: await writeCube("hole.fits", size, size, 1, (x, y) => (beam(x, y, c, c, 110) >= 0.2 && (x - 95) ** 2 + (y - 70) ** 2 > 15 ** 2 ? 1 : Number.NaN)),
      regions: 1,
      holes: 1,
    },
    {
      name: "long-baseline pointing, 1 mas pixels: MOC order beyond 24 (bigint indices)",
      file: await writeCube("deep.fits", 64, 64, 1, (x, y) => (beam(x, y, 32, 32, 40) >= 0.2 ? 1 : Number.NaN), 0.001 / 3600),
      regions: 1,
    },
    {
      name: "primary-beam image cut at 0.2",
      file: await writeCube("field.pb.fits", size, size, 1, (x, y) => beam(x, y, c + 10, c - 5, 90)),
      pbLimit: 0.2,
      regions: 1,
    },
  );
  for (const k of cases) {
    // MOC files go to the test's own folder: the real files' folder is never written to.
    k.footprint = await footprintOfFile(k.file, { mocFitsPath: mocPath(k), ...(k.pbLimit === undefined ? {} : { pbLimit: k.pbLimit }) });
  }
  const answers = await askFootprintReference(
    cases.flatMap((k) => {
      const fp = k.footprint;
      if (fp === undefined) return [];
      const vertices = fp.polygons.flatMap((p) => [...p.outer, ...p.holes.flat()]);
      return [
        { outline: { file: k.file, vertices, order: fp.moc.order, ...(k.pbLimit === undefined ? {} : { pbLimit: k.pbLimit }) } },
        { polygons: { order: fp.moc.order, polygons: fp.polygons.map((p) => p.outer), holes: fp.polygons.flatMap((p) => p.holes) } },
        { read: { fits: mocPath(k) } },
        { read: { ascii: fp.moc.ascii } },
      ];
    }),
  );
  cases.forEach((k, i) => {
    k.outline = answers[4 * i];
    k.polygonMoc = answers[4 * i + 1];
    k.mocRead = answers[4 * i + 2];
    k.asciiRead = answers[4 * i + 3];
  });
});

after(async () => {
  if (dir !== "") await rm(dir, { recursive: true, force: true });
});

describe("footprints against astropy's outline of the valid pixels", () => {
  test("every polygon vertex lies within one pixel of a boundary pixel, and every boundary pixel within one pixel of an edge", () => {
    const report: string[] = [];
    for (const k of cases) {
      const fp = k.footprint;
      const ref = k.outline;
      assert.ok(fp !== undefined && ref !== undefined);
      assert.equal(fp.validPixels, ref.validCount, `${k.name}: valid pixels`);
      const boundary = ref.boundary ?? [];
      const vertices = ref.vertexPixels ?? [];
      let worstVertex = 0;
      for (const v of vertices) {
        const nearest = Math.min(...boundary.map((b) => Math.hypot(v[0] - b[0], v[1] - b[1])));
        worstVertex = Math.max(worstVertex, nearest);
      }
      // Edges through astropy's pixels of our sky vertices, ring by ring.
      const rings: [number, number][][] = [];
      let at = 0;
      for (const p of fp.polygons) {
        for (const ring of [p.outer, ...p.holes]) {
          rings.push(vertices.slice(at, at + ring.length));
          at += ring.length;
        }
      }
      let worstBoundary = 0;
      for (const b of boundary) {
        let nearest = Infinity;
        for (const ring of rings) {
          for (let i = 0; i < ring.length; i += 1) {
            const a = ring[i];
            const c = ring[(i + 1) % ring.length];
            if (a !== undefined && c !== undefined) nearest = Math.min(nearest, distanceToSegment(b, a, c));
          }
        }
        worstBoundary = Math.max(worstBoundary, nearest);
      }
      report.push(`${k.name}: ${vertices.length} vertices, ${boundary.length} boundary pixels, vertex->boundary ${worstVertex.toFixed(3)} px, boundary->edge ${worstBoundary.toFixed(3)} px`);
      assert.ok(worstVertex <= 1, `${k.name}: a vertex lies ${worstVertex} px from the nearest boundary pixel`);
      assert.ok(worstBoundary <= 1, `${k.name}: a boundary pixel lies ${worstBoundary} px from the outline`);
      assert.equal(fp.polygons.length, k.regions, `${k.name}: regions`);
      assert.equal(fp.polygons.reduce((n, p) => n + p.holes.length, 0), k.holes ?? 0, `${k.name}: holes`);
    }
    console.log(report.join("\n"));
  });

  test("s_region is ALMA's form: a Polygon, a Polygon with Not (Polygon) holes, or a Union of Polygons for separate fields", () => {
    for (const k of cases) {
      const fp = k.footprint;
      assert.ok(fp?.sRegion !== undefined && fp.sRegion !== null);
      const parsed = parseStcs(fp.sRegion);
      assert.equal(parsed.frame, "ICRS");
      if (k.holes !== undefined) {
        assert.match(fp.sRegion, /^Polygon ICRS [-\d. ]+ Not \(Polygon [-\d. ]+\)$/);
        assert.equal(parsed.region.shape, "intersection");
      } else if (fp.polygons.length === 1) {
        assert.match(fp.sRegion, /^Polygon ICRS [-\d. ]+$/);
        assert.equal(parsed.region.shape, "polygon");
      } else {
        assert.match(fp.sRegion, /^Union ICRS \( Polygon [-\d. ]+( Polygon [-\d. ]+)+\)$/);
        assert.equal(parsed.region.shape, "union");
        if (parsed.region.shape === "union") assert.equal(parsed.region.regions.length, fp.polygons.length);
      }
    }
  });
});

describe("MOCs against mocpy", () => {
  test("coverage equals mocpy's MOC of the same polygons at the same order but for border cells", () => {
    const report: string[] = [];
    for (const k of cases) {
      const fp = k.footprint;
      assert.ok(fp !== undefined && k.polygonMoc?.moc !== undefined && k.outline?.pixelMoc !== undefined);
      const ours = parseMocAscii(fp.moc.ascii);
      const theirs = parseMocAscii(k.polygonMoc.moc);
      const ofPixels = parseMocAscii(k.outline.pixelMoc);
      assert.equal(theirs.maxOrder, fp.moc.order);
      const d = cellDifference(ours, theirs);
      const p = cellDifference(ours, ofPixels);
      // Border cells: those an edge of the polygon crosses. Their number is bounded by the
      // outline's length in cells, with room for the cells an edge grazes.
      const perimeterCells = Math.sqrt(Number(d.both)) * 8 + 8;
      report.push(
        `${k.name}: order ${fp.moc.order}, ${d.both} cells in both; only ours ${d.onlyA}, only mocpy's polygon MOC ${d.onlyB}; ` +
          `vs mocpy's MOC of the valid pixels' centres: only ours ${p.onlyA}, only mocpy's ${p.onlyB}`,
      );
      assert.ok(Number(d.onlyA + d.onlyB) <= perimeterCells, `${k.name}: ${d.onlyA + d.onlyB} cells differ from mocpy's, more than a border`);
      // Every valid pixel's centre must be covered: cells only mocpy's pixel MOC has are none.
      assert.equal(p.onlyB, 0n, `${k.name}: valid pixels outside our MOC`);
    }
    console.log(report.join("\n"));
  });

  test("the order follows the pixel size as mocpy's from_fits_image chooses it", () => {
    for (const k of cases) {
      const fp = k.footprint;
      const area = k.outline?.pixelArea;
      assert.ok(fp !== undefined && area !== undefined);
      const sr = area * (Math.PI / 180) ** 2;
      assert.equal(fp.moc.order, Math.min(29, Math.floor(Math.log2(Math.PI / (3 * sr)) / 2)));
    }
  });

  test("mocpy reads our FITS and ASCII serialisations to the same coverage, and so do we", async () => {
    for (const k of cases) {
      const fp = k.footprint;
      assert.ok(fp?.mocFitsPath !== undefined && k.mocRead?.moc !== undefined && k.asciiRead?.moc !== undefined);
      assert.equal(k.mocRead.moc, fp.moc.ascii, `${k.name}: mocpy's reading of our FITS`);
      assert.equal(k.asciiRead.moc, fp.moc.ascii, `${k.name}: mocpy's reading of our ASCII`);
      assert.equal(k.mocRead.header?.ORDERING, "NUNIQ");
      assert.equal(k.mocRead.header?.MOCVERS, "2.0");
      assert.equal(k.mocRead.header?.MOCDIM, "SPACE");
      assert.equal(k.mocRead.header?.COORDSYS, "C");
      assert.equal(k.mocRead.header?.MOCORD_S, fp.moc.order);
      const back = await readMocFits(fp.mocFitsPath);
      assert.deepEqual(back, parseMocAscii(fp.moc.ascii));
    }
  });
});
