// The analysis on a cube whose line is known analytically: the demo archive's CO(1-0) at
// cz = 1700 km/s (radio), FWHM 60 km/s, 30 mJy/beam peak on a 6"x3" source, with 2 mJy/beam
// of noise. The line must be found at the simulated frequency and width, identified as
// CO(1-0) from casadata's Splatalogue, and its moment maps must agree with CASA's immoments
// run on the same cube, channels and threshold. A cube of noise alone must show no line.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadConfig } from "../src/config.js";
import { casaEnvironment, envPython, splatalogueDatabase } from "../src/casa/modular-env.js";
import { readPlane } from "../src/fits/reader.js";
import { SPEED_OF_LIGHT } from "../src/fits/wcs/spectral.js";
import { analyseCubeFile } from "../src/operations/analyse.js";
import { DEMO_LINE, demoLikeCube, lineInFrequency, writeSyntheticCube } from "./reference/synthetic-cube.js";

const config = loadConfig();
const python = envPython(config.casa.modularEnvDir);
const IMMOMENTS = fileURLToPath(new URL("../../test/casa/immoments.py", import.meta.url));

// Like every *.casa.test.ts, this file is run under the machine's CASA lock by whoever runs
// it (`flock /tmp/reimage-casa.lock node --test ...`, or npm test under it): taking the lock
// again here would wait on the test run itself.
function runCasa(args: readonly string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, args, {
      cwd,
      shell: false,
      env: { ...process.env, ...casaEnvironment(config.casa.modularEnvDir) },
      signal: AbortSignal.timeout(5 * 60 * 1000),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (b: Buffer) => (output += b.toString()));
    child.stderr.on("data", (b: Buffer) => (output += b.toString()));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(output) : reject(new Error(`immoments exited ${code}: ${output.slice(-3000)}`))));
  });
}

test("the demo line is found at its frequency and width, identified as CO(1-0), and its moments match immoments", async (t) => {
  assert.ok(existsSync(python), `CASA is not set up in ${config.casa.modularEnvDir} (npm test runs 'reimage casa setup' first)`);
  assert.ok(splatalogueDatabase(config.casa.modularEnvDir), "casadata's splatalogue.db is missing from the CASA environment");
  const dir = await mkdtemp(join(tmpdir(), "reimage-analysis-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const spec = demoLikeCube();
  const cubePath = join(dir, "demo-line.fits");
  await writeSyntheticCube(cubePath, spec);
  const analysis = await analyseCubeFile(config, { cube: cubePath, outDir: join(dir, "analysis") });

  assert.equal(analysis.lines.length, 1, JSON.stringify(analysis.lines, null, 1));
  const line = analysis.lines[0]!;
  const truth = lineInFrequency(DEMO_LINE);
  // Centre within a tenth of a channel, FWHM within 10 %: the fit on a line of S/N ~ 15 per channel.
  assert.ok(Math.abs(line.frequency - truth.centre) < 0.1 * spec.channelHz, `centre ${line.frequency} Hz, simulated ${truth.centre} Hz`);
  assert.ok(line.fwhmKms !== undefined && Math.abs(line.fwhmKms - DEMO_LINE.fwhmKms) < 0.1 * DEMO_LINE.fwhmKms, `FWHM ${line.fwhmKms} km/s, simulated ${DEMO_LINE.fwhmKms}`);
  assert.equal(line.identification?.species, "CO v=0");
  assert.match(line.identification?.quantumNumbers ?? "", /^1\s*-\s*0$/);
  assert.equal(line.identification?.ambiguous, false);
  assert.ok(Math.abs((analysis.identification?.velocity ?? 0) - DEMO_LINE.velocityKms) < 2, `velocity ${analysis.identification?.velocity} km/s`);

  // CASA on the same cube, channels and threshold.
  const casaDir = join(dir, "casa");
  await rm(casaDir, { recursive: true, force: true });
  await import("node:fs/promises").then((fs) => fs.mkdir(casaDir));
  const [a, b] = line.channels;
  await runCasa([IMMOMENTS, cubePath, `${a}~${b}`, String(line.moments.threshold), casaDir], dir);
  const ours = await Promise.all(["moment0", "moment1", "moment2"].map((k) => readPlane(join(dir, "analysis", line.moments.files[k as "moment0"]), 0)));
  const casa = await Promise.all([0, 1, 2].map((m) => readPlane(join(casaDir, `mom${m}.fits`), 0)));
  const [m0, m1, m2] = ours as [(typeof ours)[0], (typeof ours)[0], (typeof ours)[0]];
  const [c0, c1, c2] = casa as [(typeof casa)[0], (typeof casa)[0], (typeof casa)[0]];
  // "Above threshold": pixels whose moment 0 exceeds what one channel at the threshold gives.
  const floor = line.moments.threshold * line.moments.channelWidthKms;
  let compared = 0;
  let worst0 = 0;
  let worst1 = 0;
  let worst2 = 0;
  let maskDisagreements = 0;
  for (let i = 0; i < c0.data.length; i += 1) {
    const casa0 = c0.data[i] ?? Number.NaN;
    const our0 = m0.data[i] ?? Number.NaN;
    if (Number.isFinite(casa0) !== Number.isFinite(our0)) maskDisagreements += 1;
    if (!(casa0 > floor)) continue;
    compared += 1;
    worst0 = Math.max(worst0, Math.abs(our0 - casa0) / Math.abs(casa0));
    worst1 = Math.max(worst1, Math.abs((m1.data[i] ?? Number.NaN) - (c1.data[i] ?? Number.NaN)));
    // immoments forms moment 2 as sqrt(<v^2> - <v>^2) in single precision: with v near
    // 1700 km/s that difference carries about v^2 x 2^-24 x a few of rounding (a one-channel
    // pixel comes out at 0.5 km/s instead of 0). So moment 2 is compared squared, within
    // 16 v^2 2^-24, the rounding CASA's own arithmetic allows.
    const v = Math.abs(c1.data[i] ?? Number.NaN);
    const squared = Math.abs((m2.data[i] ?? Number.NaN) ** 2 - (c2.data[i] ?? Number.NaN) ** 2) / (16 * v * v * 2 ** -24);
    worst2 = Math.max(worst2, squared);
  }
  t.diagnostic(`compared ${compared} pixels: moment 0 worst relative ${worst0.toExponential(2)}, moment 1 worst ${worst1.toExponential(2)} km/s, moment 2 squared worst ${worst2.toExponential(2)} of single-precision rounding; masks differ at ${maskDisagreements}`);
  assert.ok(compared > 50, `only ${compared} pixels above threshold`);
  assert.ok(worst0 <= 1e-4, `moment 0 differs from immoments by ${worst0} relative`);
  assert.ok(worst1 <= 1e-2, `moment 1 differs from immoments by ${worst1} km/s`);
  assert.ok(worst2 <= 1, `moment 2 differs from immoments by ${worst2} x the rounding of single precision`);
  assert.equal(maskDisagreements, 0);

  // The moment-1 map at the source centre says the simulated velocity.
  const centre = (spec.height / 2) * spec.width + spec.width / 2;
  assert.ok(Math.abs((m1.data[centre] ?? 0) - DEMO_LINE.velocityKms) < 3, `moment 1 at the centre ${m1.data[centre]} km/s`);
  // The PV cut follows the source's major axis (PA 30 deg).
  assert.ok(line.pv !== undefined && Math.abs(line.pv.positionAngle - spec.pa) < 5, `PV position angle ${line.pv?.positionAngle}`);
  // The velocity axis follows the radio convention the simulation used.
  assert.ok(Math.abs((SPEED_OF_LIGHT * (1 - line.frequency / DEMO_LINE.restHz)) / 1000 - DEMO_LINE.velocityKms) < 1);
});

test("a cube of noise alone has no line, only line-free channels", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "reimage-analysis-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const spec = demoLikeCube({ line: undefined, seed: 7 });
  const cubePath = join(dir, "line-free.fits");
  await writeSyntheticCube(cubePath, spec);
  const analysis = await analyseCubeFile(config, { cube: cubePath, outDir: join(dir, "analysis") });
  assert.deepEqual(analysis.lines, []);
  assert.deepEqual(analysis.lineFinding.lineFree.map((r) => r.channels), [[0, spec.channels - 1]]);
  assert.ok(Math.abs(analysis.statistics.noise - spec.noise) < 0.05 * spec.noise, `noise ${analysis.statistics.noise}, simulated ${spec.noise}`);
});

test("with a 50 mJy continuum source under it the line is still found, and the continuum is taken off before moments", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "reimage-analysis-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const spec = demoLikeCube({ continuum: 0.05, seed: 11 });
  const cubePath = join(dir, "line-on-continuum.fits");
  await writeSyntheticCube(cubePath, spec);
  const analysis = await analyseCubeFile(config, { cube: cubePath, outDir: join(dir, "analysis") });
  assert.equal(analysis.lines.length, 1);
  assert.ok(Math.abs(analysis.lines[0]!.frequency - lineInFrequency(DEMO_LINE).centre) < 0.1 * spec.channelHz);
  assert.equal(analysis.continuum.subtracted, true);
  assert.equal(analysis.lines[0]!.identification?.species, "CO v=0");
});
