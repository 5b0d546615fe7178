/**
 * The main job, as a user runs it: `reimage demo` on a fresh work folder with real CASA.
 * Checks what the issue asks of it: the products ALMA would make, with ALMA's names; the
 * broken MOUS failed with its class and CASA's own line; and the science: the continuum
 * flux, the line at its simulated frequency, and noise-like line-free channels after
 * continuum subtraction. Expected values come from the simulation's truth and physics;
 * the products are measured with CASA's image tool.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { casaEnvironment, envPython } from "../src/casa/modular-env.js";
import { runQuiet } from "../src/casa/quiet-process.js";
import { loadConfig } from "../src/config.js";
import { packageRoot } from "../src/paths.js";
import type { ProductAnalysis } from "../src/products/analyze.js";
import type { CampaignReport } from "../src/store/store.js";

const config = loadConfig();
const cli = join(packageRoot, "dist", "src", "cli", "main.js");
const work = mkdtempSync(join(tmpdir(), "reimage-demo-"));
let report: CampaignReport;

const C_KMS = 299792.458;

before(() => {
  const run = spawnSync(process.execPath, [cli, "--work-dir", work, "demo"], { encoding: "utf8", env: { ...process.env, CI: "1" }, maxBuffer: 64 * 2 ** 20 });
  assert.equal(run.status, 0, `signal ${run.signal} error ${run.error?.message} ` + run.stderr.slice(-3000));
  assert.match(run.stdout, /campaign demo: 2 succeeded, 1 failed/);
  // The report carries every product's statistics, preview and footprint records: far more
  // than spawnSync's default 1 MiB of output, past which it kills the child (status null).
  const json = spawnSync(process.execPath, [cli, "report", "--json"], { encoding: "utf8", cwd: work, env: { ...process.env, REIMAGE_WORK_DIR: work }, maxBuffer: 512 * 2 ** 20 });
  assert.equal(json.status, 0, `signal ${json.signal} error ${json.error?.message} ${json.stderr}`);
  report = JSON.parse(json.stdout) as CampaignReport;
});
after(() => rmSync(work, { recursive: true, force: true }));

interface Truth {
  mous: string;
  source: string;
  continuum: { flux_jy: number } | null;
  line: {
    lsrk_centre_hz: number;
    lsrk_sigma_hz: number;
    peak_jy: number;
    fwhm_kms: number;
    rest_hz: number;
    major_arcsec: number;
    minor_arcsec: number;
  } | null;
  spws: { nchan: number; width_mhz: number }[];
}
const truthOf = (mous: string) => JSON.parse(readFileSync(join(work, "archive", "truth", `${mous}.json`), "utf8")) as Truth;

test("the single pointing and the mosaic end with ALMA's products, each image with its primary beam", () => {
  for (const [i, source] of [
    [0, "SimPoint"],
    [1, "SimMosaic"],
  ] as const) {
    const mous = report.mouses[i]!;
    assert.equal(mous.state, "succeeded");
    const names = new Set(mous.products.map((p) => basename(p.path)));
    const prefix = `member.${mous.mousUid.replace(/^uid:\/\//, "uid___").replace(/\//g, "_")}.${source}_sci`;
    for (const spw of [0, 1]) {
      for (const kind of ["mfs", "cube"]) {
        assert.ok(names.has(`${prefix}.spw${spw}.${kind}.I.pbcor.fits.gz`), `${prefix}.spw${spw}.${kind}.I.pbcor`);
        assert.ok(names.has(`${prefix}.spw${spw}.${kind}.I.pb.fits.gz`), `${prefix}.spw${spw}.${kind}.I.pb`);
      }
    }
    assert.ok(names.has(`${prefix}.spw0_1.cont.I.tt0.pbcor.fits.gz`), "aggregate continuum");
    assert.ok(names.has(`${prefix}.spw0_1.cont.I.pb.tt0.fits.gz`), "aggregate continuum pb");
    assert.ok(names.has("cont.dat"));
    for (const p of mous.products) assert.match(p.sha256, /^[0-9a-f]{64}$/);
  }
});

test("every FITS product of the imaging carries its statistics, read back from the store", () => {
  for (const mous of report.mouses.slice(0, 2)) {
    // The analyse step's moment maps and PV slices are its own products, recorded by it.
    const imaged = mous.products.filter((q) => q.step === "products" && /\.fits(\.gz)?$/.test(q.path));
    assert.ok(imaged.length >= 18, `${mous.mousUid}: ${imaged.length} FITS products`);
    for (const p of imaged) {
      const analysis = p.meta?.["analysis"] as ProductAnalysis | undefined;
      assert.ok(analysis !== undefined, `${p.path}: no analysis in its meta (${JSON.stringify(p.meta?.["analysisError"])})`);
      const s = analysis.statistics;
      assert.ok(s.validPixels > 0 && s.validPixels <= s.totalPixels, p.path);
      assert.ok(s.median !== null && s.mad !== null && s.max !== null && s.peak?.value === s.max, p.path);
      if (s.role === "sky-pbcor") assert.ok(s.dynamicRange !== null && s.dynamicRange > 1, `${p.path}: dynamic range ${s.dynamicRange}`);
      if (s.role === "primary-beam") assert.ok(s.max <= 1.0001 && s.fiducialRms === null, `${p.path}: a primary beam peaks at 1`);
    }
  }
});

test("the aborted MOUS fails with the empty-selection class and CASA's own line as evidence", () => {
  const aborted = report.mouses[2]!;
  assert.equal(aborted.state, "failed");
  const error = aborted.errors.at(-1)!;
  assert.equal(error.step, "image");
  assert.equal(error.errorClass, "empty-selection");
  assert.match(error.evidenceLine ?? "", /SEVERE\s+mstransform.*MSSelectionNullSelection : The selected table has zero rows/);
  assert.ok(error.evidenceFile?.endsWith(".casa.log"));
});

test("science: continuum flux within 5%, the line at its simulated frequency, line-free channels consistent with noise", async () => {
  const single = report.mouses[0]!;
  const truth = truthOf(single.mousUid.replace(/^uid:\/\//, "uid___").replace(/\//g, "_"));
  const anyProduct = single.products.find((p) => p.path.endsWith(".pbcor.fits.gz"))!;
  const productsDir = dirname(anyProduct.path);
  const prefix = basename(anyProduct.path).split(".spw")[0]!;
  const out = await runQuiet(
    envPython(config.casa.modularEnvDir),
    [join(packageRoot, "test", "casa", "measure_products.py"), productsDir, prefix, join(work, "archive", "truth", `${truth.mous}.json`)],
    { env: casaEnvironment(config.casa.modularEnvDir), what: "measuring the demo products" },
  );
  const m = JSON.parse(out.trim().split("\n").at(-1)!) as {
    continuum: { fit_flux_jy: number; fit_flux_err_jy: number; maxpos: number[]; source_pixel: number[] };
    cubes: Record<
      string,
      { freqs_hz: number[]; spectrum_jy: (number | null)[]; off_rms_per_channel: (number | null)[]; frame: string; beam_arcsec: [number, number] }
    >;
  };

  // Continuum: a point source of known flux, fitted in the aggregate continuum image.
  const s = truth.continuum!.flux_jy;
  assert.ok(Math.abs(m.continuum.fit_flux_jy - s) < 0.05 * s, `continuum ${m.continuum.fit_flux_jy} Jy vs ${s} Jy`);
  assert.ok(Math.hypot(m.continuum.maxpos[0]! - m.continuum.source_pixel[0]!, m.continuum.maxpos[1]! - m.continuum.source_pixel[1]!) < 2);

  // Line: the continuum-subtracted cube of spw 0, at the source. Its brightest channel lies
  // within one channel of the simulated LSRK centre. Its peak is the simulated flux
  // density seen through the beam: a Gaussian source of FWHM a x b under a beam A x B
  // peaks at S AB / sqrt((A^2 + a^2)(B^2 + b^2)) per beam (axes taken aligned, which
  // bounds the effect of their relative angle), within 10% (channel sampling and
  // regridding of a 60 km/s line) and the noise.
  const cube = m.cubes["0"]!;
  assert.equal(cube.frame, "LSRK");
  const line = truth.line!;
  const width = truth.spws[0]!.width_mhz * 1e6;
  const spectrum = cube.spectrum_jy.map((v) => v ?? Number.NaN);
  const peakChan = spectrum.indexOf(Math.max(...spectrum.filter(Number.isFinite)));
  assert.ok(Math.abs(cube.freqs_hz[peakChan]! - line.lsrk_centre_hz) <= width, `line at ${cube.freqs_hz[peakChan]} Hz vs ${line.lsrk_centre_hz} Hz`);
  const noise = median(cube.off_rms_per_channel.map((v) => v ?? Number.NaN));
  const [bmaj, bmin] = cube.beam_arcsec;
  const expectedPeak = (line.peak_jy * bmaj * bmin) / Math.sqrt((bmaj ** 2 + line.major_arcsec ** 2) * (bmin ** 2 + line.minor_arcsec ** 2));
  assert.ok(
    Math.abs(spectrum[peakChan]! - expectedPeak) < 0.1 * expectedPeak + 3 * noise,
    `line peak ${spectrum[peakChan]} Jy/beam vs ${expectedPeak} (beam ${bmaj}" x ${bmin}", noise ${noise})`,
  );

  // Line-free channels (beyond 3 FWHM of the line, and off the two edge channels): what
  // is left at the source after continuum subtraction is noise, mean ~0 and scatter ~ the
  // off-source rms.
  const fwhmHz = (line.fwhm_kms / C_KMS) * line.rest_hz;
  const free = cube.freqs_hz
    .map((f, c) => ({ f, c }))
    .filter(({ f, c }) => Math.abs(f - line.lsrk_centre_hz) > 3 * fwhmHz && c >= 2 && c < cube.freqs_hz.length - 2)
    .map(({ c }) => spectrum[c]!)
    .filter(Number.isFinite);
  assert.ok(free.length > 20, `${free.length} line-free channels`);
  const mean = free.reduce((a, b) => a + b, 0) / free.length;
  const std = Math.sqrt(free.reduce((a, b) => a + (b - mean) ** 2, 0) / (free.length - 1));
  assert.ok(Math.abs(mean) < 4 * (noise / Math.sqrt(free.length)) + 0.02 * s, `line-free mean ${mean} Jy (noise ${noise})`);
  assert.ok(std > 0.5 * noise && std < 2 * noise, `line-free scatter ${std} Jy vs off-source rms ${noise} Jy`);
});

function median(values: readonly number[]): number {
  const sorted = [...values].filter(Number.isFinite).sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
