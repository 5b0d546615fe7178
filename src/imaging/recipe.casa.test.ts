// The generated casatasks recipe run for real with modular CASA on a small simulated MS:
// 16 antennas, 10 minutes, two Band 3 spws of 32 channels, a 1 Jy point source at the phase
// centre and a Gaussian line (in spw 0, 6" away). About 15 s of CASA on two cores.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { loadConfig } from "../config.js";
import { casaEnvironment, envPython } from "../casa/modular-env.js";
import { parseMsMetadataFile } from "../domain/ms-metadata.js";
import { casaScriptsDir, packageRoot } from "../paths.js";
import { writeCasatasksScript } from "./casatasks-recipe.js";
import { planImaging } from "./plan.js";

const config = loadConfig();
const python = envPython(config.casa.modularEnvDir);
const haveCasa = existsSync(python);

interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly output: string;
}

/** Runs CASA's Python in `cwd`; the output is kept for the assertion message. */
function runCasa(args: readonly string[], cwd: string, timeoutMs: number): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, args, {
      cwd,
      shell: false,
      env: { ...process.env, ...casaEnvironment(config.casa.modularEnvDir) },
      signal: AbortSignal.timeout(timeoutMs),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (b: Buffer) => (output += b.toString()));
    child.stderr.on("data", (b: Buffer) => (output += b.toString()));
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, output }));
  });
}

/** The largest finite pixel of a gzipped FITS image (BITPIX -32 or -64, primary HDU). */
function fitsMax(gz: Buffer): number {
  const raw = gunzipSync(gz);
  const cards = new Map<string, string>();
  let offset = 0;
  for (let done = false; !done; offset += 2880) {
    for (let i = 0; i < 36; i++) {
      const card = raw.toString("latin1", offset + i * 80, offset + (i + 1) * 80);
      const key = card.slice(0, 8).trim();
      if (key === "END") done = true;
      else if (card[8] === "=") cards.set(key, card.slice(10).split("/")[0]?.trim() ?? "");
    }
  }
  const bitpix = Number(cards.get("BITPIX"));
  const naxis = Number(cards.get("NAXIS"));
  let n = 1;
  for (let i = 1; i <= naxis; i++) n *= Number(cards.get(`NAXIS${i}`));
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const v = bitpix === -32 ? raw.readFloatBE(offset + 4 * i) : raw.readDoubleBE(offset + 8 * i);
    if (Number.isFinite(v) && v > max) max = v;
  }
  return max;
}

interface Manifest {
  status: string;
  products: { fileName: string; almaName: string; path: string; sizeBytes: number; kind: string; specmode: string }[];
  failures: { stage: string; label: string; errorClass: string; message: string }[];
  continuumRanges: Record<string, Record<string, [number, number][] | "NONE">>;
}

test("the casatasks recipe images a simulated MS: ALMA-named products, continuum peak within 5%", { timeout: 30 * 60_000 }, async () => {
  assert.ok(haveCasa, `no modular CASA at ${python}: run \`reimage casa setup\` (npm test does)`);
  const dir = await mkdtemp(join(tmpdir(), "reimage-recipe-"));
  try {
    const sim = await runCasa([join(packageRoot, "src", "imaging", "fixtures", "simulate_ms.py"), "uid___A002_Xb10001_X1a2.ms", "truth.json"], dir, 10 * 60_000);
    assert.equal(sim.code, 0, sim.output);
    const truth = JSON.parse(await readFile(join(dir, "truth.json"), "utf8")) as { continuum: { flux_jy: number }; line: { centre_lsrk_hz: number; sigma_hz: number } };

    const meta = await runCasa([join(casaScriptsDir, "ms_metadata.py"), "meta.json", "uid___A002_Xb10001_X1a2.ms"], dir, 10 * 60_000);
    assert.equal(meta.code, 0, meta.output);
    const metadata = parseMsMetadataFile(JSON.parse(await readFile(join(dir, "meta.json"), "utf8")));
    const [ms] = metadata.measurementSets;
    assert.ok(ms);
    assert.equal(ms.antennas.length, 16);
    assert.deepEqual(ms.scienceSpws.map((s) => [s.id, s.nchan, s.chanWidthHz, s.frame]), [[0, 32, 15.625e6, "TOPO"], [1, 32, 15.625e6, "TOPO"]]);
    assert.equal(ms.timeOnSourceS, 600); // 60 integrations of 10 s, both spws at once
    assert.equal(ms.targetRows, 14400); // 120 baselines x 60 integrations x 2 spws
    assert.equal(ms.hasCorrectedData, false);

    const plan = planImaging("uid://A001/X3001/X12", metadata.measurementSets);
    assert.equal(plan.kind, "imaging-plan");
    const script = writeCasatasksScript(plan, { libDir: casaScriptsDir });
    await writeFile(join(dir, "recipe.py"), script);
    const run = await runCasa(["recipe.py"], dir, 20 * 60_000);
    const manifest = JSON.parse(await readFile(join(dir, "products.json"), "utf8")) as Manifest;
    assert.deepEqual(manifest.failures, [], run.output.slice(-3000));
    assert.equal(run.code, 0, run.output.slice(-3000));
    assert.equal(manifest.status, "complete");

    const prefix = "member.uid___A001_X3001_X12.SimTarget_sci";
    const made = manifest.products.map((p) => p.fileName);
    for (const expected of [
      `${prefix}.spw0.cube.I.pbcor.fits.gz`,
      `${prefix}.spw0.cube.I.pb.fits.gz`,
      `${prefix}.spw1.cube.I.pbcor.fits.gz`,
      `${prefix}.spw0.mfs.I.pbcor.fits.gz`,
      `${prefix}.spw1.mfs.I.pb.fits.gz`,
      `${prefix}.spw0_1.cont.I.pbcor.fits.gz`,
      `${prefix}.spw0_1.cont.I.pb.fits.gz`,
    ]) {
      assert.ok(made.includes(expected), `${expected} among ${made.join(", ")}`);
      assert.ok(existsSync(join(dir, "products", expected)), `${expected} on disk`);
    }

    const cont = manifest.products.find((p) => p.fileName === `${prefix}.spw0_1.cont.I.pbcor.fits.gz`);
    assert.ok(cont);
    const peak = fitsMax(await readFile(join(dir, cont.path)));
    const flux = truth.continuum.flux_jy;
    assert.ok(Math.abs(peak - flux) <= 0.05 * flux, `continuum peak ${peak} Jy, simulated ${flux} Jy`);

    // findcont kept the line out of spw 0's continuum: no range covers the line centre.
    const ranges = manifest.continuumRanges["SimTarget"]?.["0"];
    assert.ok(Array.isArray(ranges) && ranges.length > 0, JSON.stringify(manifest.continuumRanges));
    const lineGHz = truth.line.centre_lsrk_hz / 1e9;
    assert.ok(ranges.every(([lo, hi]) => lineGHz < lo || lineGHz > hi), `line at ${lineGHz} GHz inside ${JSON.stringify(ranges)}`);
    const contDat = await readFile(join(dir, "cont.dat"), "utf8");
    assert.match(contDat, /^Field: SimTarget\n\nSpectralWindow: 0\n\d+\.\d{10}~\d+\.\d{10}GHz LSRK\n/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
