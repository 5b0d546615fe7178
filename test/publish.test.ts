/**
 * Publishing a campaign's products, end to end over HTTP: ObsCore records checked against
 * astropy and validated against the IVOA VOTable 1.4 schema, SODA cut-outs whose pixels
 * sit where the original's do (astropy reads both), and clear 4xx answers to bad requests.
 * The products are a real ALMA cube (NGC 3256), its gzip copy, and a small TAN image.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { loadConfig } from "../src/config.js";
import { ProductKind, StepName, type ProductRecord } from "../src/domain/campaign.js";
import { parseObsCoreTable } from "../src/archive/obscore.js";
import { createPlaneWriter } from "../src/fits/writer.js";
import { exportObsCore } from "../src/operations/publish.js";
import { OBSCORE_COLUMNS, productUrlId } from "../src/publish/obscore.js";
import { sharedDir } from "../src/paths.js";
import { openSqliteStore } from "../src/store/open.js";
import type { CampaignStore } from "../src/store/store.js";
import { startDashboard, type Dashboard } from "../src/web/server.js";
import { ensureDebianBinary } from "./reference/ensure-debian.js";
import { ensureReferencePython } from "./reference/ensure-reference-python.js";

const HELPER = fileURLToPath(new URL("../../test/publish/astropy_publish.py", import.meta.url));
const C = 299_792_458;
const CUBE = join(sharedDir, "real", "fits", "NGC3256_CO10_ALMA_SV_cube.fits");

let dir: string;
let store: CampaignStore;
let dashboard: Dashboard;
const products: Record<string, string> = {};

function runTool(command: string, args: readonly string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(command, args, { shell: false, maxBuffer: 64 * 1024 * 1024, timeout: 5 * 60 * 1000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : 1, stdout, stderr });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

async function astropy(requestBody: unknown): Promise<Record<string, unknown>> {
  const python = await ensureReferencePython();
  const { code, stdout, stderr } = await runTool(python, [HELPER], JSON.stringify(requestBody));
  assert.equal(code, 0, stderr);
  return JSON.parse(stdout) as Record<string, unknown>;
}

/** GET through a raw request, so the path reaches the server exactly as written. */
function get(path: string, method = "GET"): Promise<{ status: number; type: string; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: dashboard.port, path, method }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, type: String(res.headers["content-type"] ?? ""), body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** A 40 x 30 ICRS TAN image whose pixel (x, y) holds x + 100 y. */
async function writeTanImage(path: string): Promise<void> {
  const writer = await createPlaneWriter(path, {
    axes: [40, 30],
    bitpix: -32,
    cards: [
      { keyword: "CTYPE1", value: "RA---TAN" },
      { keyword: "CTYPE2", value: "DEC--TAN" },
      { keyword: "CRVAL1", value: 83.63 },
      { keyword: "CRVAL2", value: 22.01 },
      { keyword: "CRPIX1", value: 20.5 },
      { keyword: "CRPIX2", value: 15 },
      { keyword: "CDELT1", value: -0.0005 },
      { keyword: "CDELT2", value: 0.0005 },
      { keyword: "CUNIT1", value: "deg" },
      { keyword: "CUNIT2", value: "deg" },
      { keyword: "RADESYS", value: "ICRS" },
      { keyword: "BMAJ", value: 0.0012 },
      { keyword: "BMIN", value: 0.001 },
      { keyword: "BPA", value: 30 },
      { keyword: "BUNIT", value: "Jy/beam" },
      { keyword: "OBJECT", value: "Crab" },
    ],
  });
  const data = new Float32Array(40 * 30);
  for (let y = 0; y < 30; y += 1) for (let x = 0; x < 40; x += 1) data[y * 40 + x] = x + 100 * y;
  await writer.writePlane(data);
  await writer.close();
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "reimage-publish-"));
  const cube = join(dir, "ngc3256.cube.I.pbcor.fits");
  copyFileSync(CUBE, cube);
  const cubeGz = join(dir, "ngc3256_gz.cube.I.pbcor.fits.gz");
  writeFileSync(cubeGz, gzipSync(readFileSync(CUBE)));
  const image = join(dir, "crab.cont.I.tt0.pbcor.fits");
  await writeTanImage(image);
  const mask = join(dir, "crab.cont.I.mask.fits");
  copyFileSync(image, mask);
  const script = join(dir, "casa_imaging_script.py");
  writeFileSync(script, "print('hello')\n");
  const records: ProductRecord[] = [
    { path: cube, kind: ProductKind.FitsCube, sizeBytes: readFileSync(cube).length, sha256: "a" },
    { path: cubeGz, kind: ProductKind.FitsCube, sizeBytes: readFileSync(cubeGz).length, sha256: "b" },
    { path: image, kind: ProductKind.FitsImage, sizeBytes: readFileSync(image).length, sha256: "c" },
    { path: mask, kind: ProductKind.FitsImage, sizeBytes: readFileSync(mask).length, sha256: "d" },
    { path: script, kind: ProductKind.Script, sizeBytes: 15, sha256: "e" },
  ];
  store = await openSqliteStore(join(dir, "reimage.sqlite"));
  await store.createCampaign(
    { id: "pub", name: "publishing test", recipe: "casatasks", archive: dir, options: {} },
    [{ mousUid: "uid://A001/X1/X2", projectCode: "2011.0.00101.SV", sourceName: "NGC3256" }],
    [StepName.Products],
  );
  const run = await store.startRun("pub", "host", process.pid);
  const [step] = await store.runnableSteps("pub", 1);
  const claimed = await store.claimStep(step!.id, run);
  await store.finishAttempt(claimed!.attemptId, { state: "succeeded", products: records });
  await store.finishRun(run, "finished");
  for (const p of await store.listProducts("pub")) products[p.path.slice(dir.length + 1)] = productUrlId(p.id);
  dashboard = await startDashboard({ store, port: 0 });
});

after(async () => {
  await dashboard?.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

test("ObsCore records say where, at which wavelengths and how sharp, as astropy reads the images", async () => {
  const out = join(dir, "obscore.csv");
  const result = await exportObsCore(loadConfig({ workDir: dir, store: join(dir, "reimage.sqlite") }), store, { out, format: "csv", baseUrl: "http://example.test/" });
  assert.deepEqual(result.problems, []);
  const table = parseObsCoreTable(readFileSync(out, "utf8"), out, "csv");
  assert.deepEqual(table.columns, OBSCORE_COLUMNS.map((c) => c.name));
  const rows = table.rows.map((r) => Object.fromEntries(table.columns.map((c, i) => [c, r.cells[i] ?? ""])));
  assert.equal(rows.length, 3, "the cube, its gzip copy and the image; the mask and the script are no ObsCore records");
  const byName = (name: string) => rows.find((r) => r["obs_publisher_did"]!.endsWith(name))!;
  const cube = byName("/ngc3256.cube.I.pbcor.fits");
  const image = byName("/crab.cont.I.tt0.pbcor.fits");

  const reference = (await astropy({ describe: [CUBE, join(dir, "crab.cont.I.tt0.pbcor.fits")] }))["describe"] as {
    centre: [number, number];
    corners: [number, number][];
    bmaj_arcsec: number;
    em_min?: number;
    em_max?: number;
    channels?: number;
  }[];
  for (const [row, ref] of [
    [cube, reference[0]!],
    [image, reference[1]!],
  ] as const) {
    assert.ok(Math.abs(Number(row["s_ra"]) - ref.centre[0]) < 1e-7, `s_ra ${row["s_ra"]} vs astropy ${ref.centre[0]}`);
    assert.ok(Math.abs(Number(row["s_dec"]) - ref.centre[1]) < 1e-7, `s_dec ${row["s_dec"]} vs astropy ${ref.centre[1]}`);
    const corners = row["s_region"]!.replace(/^Polygon ICRS /, "").split(" ").map(Number);
    ref.corners.forEach(([ra, dec], i) => {
      assert.ok(Math.abs(corners[2 * i]! - ra) < 2e-6 && Math.abs(corners[2 * i + 1]! - dec) < 2e-6, `corner ${i}: ${corners[2 * i]} ${corners[2 * i + 1]} vs ${ra} ${dec}`);
    });
    assert.ok(Math.abs(Number(row["s_resolution"]) - ref.bmaj_arcsec) < 1e-9);
    assert.equal(row["facility_name"], "JAO");
    assert.equal(row["instrument_name"], "ALMA");
    assert.equal(row["pol_states"], row === cube ? "/I/" : "");
  }
  assert.equal(cube["dataproduct_type"], "cube");
  assert.equal(cube["target_name"], "NGC3256");
  assert.equal(Number(cube["em_xel"]), reference[0]!.channels);
  assert.ok(Math.abs(Number(cube["em_min"]) / reference[0]!.em_min! - 1) < 1e-12);
  assert.ok(Math.abs(Number(cube["em_max"]) / reference[0]!.em_max! - 1) < 1e-12);
  // R = f / channel width: 115 GHz over 15.6 MHz channels.
  assert.ok(Math.abs(Number(cube["em_res_power"]) - 1.1417e11 / 1.5626e7) < 20);
  assert.equal(image["dataproduct_type"], "image");
  assert.equal(image["em_min"], "", "an image without a spectral axis states no wavelengths");
  assert.ok(cube["access_url"]!.startsWith("http://example.test/soda/"));
  assert.equal(byName("/ngc3256_gz.cube.I.pbcor.fits.gz")["s_ra"], cube["s_ra"], "the gzip copy describes the same sky");
});

test("the ObsCore VOTable served at /obscore validates against the IVOA VOTable 1.4 schema", async () => {
  const answer = await get("/obscore");
  assert.equal(answer.status, 200);
  assert.match(answer.type, /^application\/x-votable\+xml/);
  const file = join(dir, "obscore.xml");
  writeFileSync(file, answer.body);
  // The schema as astropy ships it (astropy/io/votable/data/VOTable.v1.4.xsd, the IVOA's
  // http://www.ivoa.net/xml/VOTable/VOTable-v1.4.xsd).
  const python = await ensureReferencePython();
  const site = (await runTool(python, ["-c", "import astropy.io.votable, os; print(os.path.dirname(astropy.io.votable.__file__))"])).stdout.trim();
  const xsd = join(site, "data", "VOTable.v1.4.xsd");
  const xmllint = await ensureDebianBinary("xmllint", "libxml2-utils");
  const lint = await runTool(xmllint, ["--noout", "--schema", xsd, file]);
  assert.equal(lint.code, 0, `xmllint: ${lint.stderr}`);
  assert.match(lint.stderr, /validates/);
  const parsed = (await astropy({ votable: file }))["votable"] as { rows: number; columns: string[] };
  assert.equal(parsed.rows, 3);
  assert.deepEqual(parsed.columns, OBSCORE_COLUMNS.map((c) => c.name));
  const csv = await get("/obscore?FORMAT=csv");
  assert.equal(csv.status, 200);
  assert.equal(parseObsCoreTable(csv.body.toString("utf8"), "csv", "csv").rows.length, 3);
});

/** Sky positions inside the circle asked for, at the centres of channels 10, 12 and 14. */
function samplePoints(ra: number, dec: number): number[][] {
  const points: number[][] = [];
  const frequency = (k: number) => 1.138132993449e11 + k * 1.562603820624e7;
  for (const k of [10, 12, 14]) {
    for (const [dx, dy] of [
      [0, 0],
      [0.003, 0.001],
      [-0.0025, -0.002],
      [0.001, -0.0035],
      [-0.0033, 0.0021],
    ] as const) {
      points.push([ra + dx / Math.cos((dec * Math.PI) / 180), dec + dy, frequency(k)]);
    }
  }
  return points;
}

for (const name of ["ngc3256.cube.I.pbcor.fits", "ngc3256_gz.cube.I.pbcor.fits.gz"]) {
  test(`a cut-out of ${name.endsWith(".gz") ? "a gzip" : "a plain"} cube puts every sky position and frequency on the original's pixel value`, async () => {
    const [ra, dec] = [156.963, -43.904];
    // Channels 10 to 14: the band's edges lie inside channels 9.6 and 14.4 (pixel units).
    const f = (p: number) => 1.138132993449e11 + p * 1.562603820624e7;
    const band = `${C / f(14.4)} ${C / f(9.6)}`;
    const answer = await get(`/soda/${products[name]}?CIRCLE=${encodeURIComponent(`${ra} ${dec} 0.005`)}&BAND=${encodeURIComponent(band)}`);
    assert.equal(answer.status, 200, answer.body.toString());
    assert.equal(answer.type, "application/fits");
    const file = join(dir, `cutout-${name}.fits`);
    writeFileSync(file, answer.body);
    const world = samplePoints(ra, dec);
    const result = (await astropy({ cutout: { original: CUBE, cutout: file, world } }))["cutout"] as Record<"original" | "cutout", { values: (number | string)[]; shape: number[] }>;
    assert.equal(result.cutout.shape[2], 5, "channels 10..14");
    assert.ok(result.cutout.shape[0]! >= 35 && result.cutout.shape[0]! <= 39, `width ${result.cutout.shape[0]} for a 36-pixel-wide circle`);
    assert.deepEqual(result.cutout.values, result.original.values);
    assert.ok(result.original.values.every((v) => typeof v === "number"));
  });
}

test("a cut-out of a 2-D image keeps the pixel values under the same sky positions", async () => {
  const answer = await get(`/soda/${products["crab.cont.I.tt0.pbcor.fits"]}?POS=${encodeURIComponent("CIRCLE 83.632 22.012 0.003")}`);
  assert.equal(answer.status, 200, answer.body.toString());
  const file = join(dir, "cutout-crab.fits");
  writeFileSync(file, answer.body);
  const world = [
    [83.632, 22.012, 0],
    [83.6335, 22.0105, 0],
    [83.6301, 22.014, 0],
  ];
  const result = (await astropy({ cutout: { original: join(dir, "crab.cont.I.tt0.pbcor.fits"), cutout: file, world } }))["cutout"] as Record<
    "original" | "cutout",
    { values: (number | string)[]; shape: number[] }
  >;
  assert.deepEqual(result.cutout.values, result.original.values);
  assert.ok(result.cutout.shape[0]! < 40 && result.cutout.shape[1]! < 30);
});

test("bad requests get clear 4xx answers", async () => {
  const cube = products["ngc3256.cube.I.pbcor.fits"]!;
  const cases: [string, number, RegExp, string?][] = [
    [`/soda/${productUrlId("pub/uid://A001/X1/X2:/nowhere.fits")}`, 404, /no product/],
    ["/soda/..%2F..%2Fetc%2Fpasswd", 400, /names a folder/],
    ["/soda/../../etc/passwd", 404, /no page/],
    ["/soda/not*an*id", 400, /not a product id/],
    [`/soda/${cube}?CIRCLE=abc`, 400, /UsageFault: CIRCLE="abc" is not three numbers/],
    [`/soda/${cube}?CIRCLE=156.9%20-43.9`, 400, /UsageFault: CIRCLE/],
    [`/soda/${cube}?CIRCLE=156.9%2095%200.01`, 400, /declination 95/],
    [`/soda/${cube}?CIRCLE=10%2010%200.01`, 400, /NoOverlap/],
    [`/soda/${cube}?BAND=0.003%200.002`, 400, /lower wavelength/],
    [`/soda/${cube}?BAND=1%202`, 400, /NoOverlap/],
    [`/soda/${cube}?CIRCLE=156.9%20-43.9%200.01&CIRCLE=1%201%201`, 400, /given 2 times/],
    [`/soda/${cube}?FOO=1`, 400, /FOO is not one/],
    [`/soda/${products["casa_imaging_script.py"]}`, 400, /casa-script, not a FITS image/],
    [`/products/${cube}/preview/0`, 404, /no preview 0/],
    ["/mous/not-a-uid", 400, /not a MOUS uid/],
    ["/mous/uid___A001_X9_X9", 404, /no MOUS uid:\/\/A001\/X9\/X9/],
    ["/mous/uid___A001_X1_X2/attempts/products/7/log", 404, /no attempt 7/],
    ["/runs?state=bogus", 400, /state &quot;bogus&quot; is not one of/],
    ["/runs?size=7", 400, /page size 7/],
    ["/obscore?FORMAT=json", 400, /FORMAT=json/],
    ["/", 405, /read-only/, "POST"],
  ];
  for (const [path, status, message, method] of cases) {
    const answer = await get(path, method);
    assert.equal(answer.status, status, `${method ?? "GET"} ${path}: ${answer.body.toString().slice(0, 300)}`);
    assert.match(answer.body.toString(), message, path);
    assert.doesNotMatch(answer.body.toString(), /root:/);
  }
});

test("the pages of a campaign answer, with its MOUS, products and ObsCore table", async () => {
  for (const path of ["/", "/runs", "/runs?q=X1&sort=state&order=desc", "/mous/uid___A001_X1_X2", "/obscore/table", "/sky", "/sky/data.json"]) {
    const answer = await get(path);
    assert.equal(answer.status, 200, path);
  }
  const mous = (await get("/mous/uid___A001_X1_X2")).body.toString();
  assert.equal((mous.match(/data-testid="product"/g) ?? []).length, 3, "three science images on the MOUS page");
  assert.match(mous, /no preview recorded for this product yet/);
  const sky = JSON.parse((await get("/sky/data.json")).body.toString()) as { footprints: { region: string }[]; backgrounds: { url: string }[] };
  assert.equal(sky.footprints.length, 3);
  assert.deepEqual(
    sky.backgrounds.map((b) => b.url),
    [`/soda/${products["crab.cont.I.tt0.pbcor.fits"]}`],
    "the MOUS's 2-D image is under the footprints",
  );
  assert.equal(dirname(HELPER).endsWith("publish"), true);
});
