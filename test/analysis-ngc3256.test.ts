// The analysis on a real ALMA cube: Science Verification CO(1-0) of NGC 3256 (128x128x50,
// written by CASA 4.2.2; see shared/real/README.md). The line must be found, identified as
// CO(1-0) at the galaxy's redshift, and the moment maps must equal astropy/numpy's on the
// same channels and threshold.
//
// NGC 3256's redshift from the literature: z = 0.009354, cz = 2804 km/s (NASA/IPAC
// Extragalactic Database, heliocentric); Sakamoto, Ho & Peck 2006 (ApJ 644, 862) image the
// same CO in this velocity range. The cube is LSRK, which differs from heliocentric by
// under 20 km/s in this direction, and a merger's CO need not be centred on the optical
// velocity, so the check allows 50 km/s.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { loadConfig } from "../src/config.js";
import { readPlane } from "../src/fits/reader.js";
import { analyseCubeFile } from "../src/operations/analyse.js";
import { sharedDir } from "../src/paths.js";
import { ensureReferencePython } from "./reference/ensure-reference-python.js";

const CUBE = join(sharedDir, "real", "fits", "NGC3256_CO10_ALMA_SV_cube.fits");
const REFERENCE = fileURLToPath(new URL("../../test/reference/moments_reference.py", import.meta.url));
const NGC3256_CZ_KMS = 2804;

function run(command: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { shell: false, timeout: 5 * 60 * 1000 }, (error, stdout, stderr) => (error === null ? resolve(stdout) : reject(new Error(`${command} failed: ${stderr}`, { cause: error }))));
  });
}

test("NGC 3256: CO(1-0) found and identified at the galaxy's redshift; moments equal astropy's on the same channels", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "reimage-ngc3256-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const analysis = await analyseCubeFile(loadConfig(), { cube: CUBE, outDir: join(dir, "analysis") });
  const co = analysis.lines.filter((l) => l.identification?.species === "CO v=0");
  assert.equal(co.length, 1, JSON.stringify(analysis.lines.map((l) => [l.label, l.channels])));
  const line = co[0]!;
  assert.match(line.identification?.quantumNumbers ?? "", /^1\s*-\s*0$/);
  assert.ok(line.peakSnr > 20);
  const cz = analysis.identification?.cz ?? Number.NaN;
  t.diagnostic(`CO(1-0) over channels ${line.channels.join("-")}, centre ${(line.frequency / 1e9).toFixed(6)} GHz, FWHM ${line.fwhmKms?.toFixed(1)} km/s; cz ${cz.toFixed(1)} km/s, z ${analysis.identification?.redshift?.toFixed(6)}`);
  assert.ok(Math.abs(cz - NGC3256_CZ_KMS) < 50, `cz ${cz} km/s, literature ${NGC3256_CZ_KMS}`);

  const python = await ensureReferencePython();
  await run(python, [REFERENCE, CUBE, String(line.channels[0]), String(line.channels[1]), String(line.moments.threshold), String(line.moments.restFrequency), dir]);
  const floor = line.moments.threshold * line.moments.channelWidthKms;
  const names = ["moment0", "moment1", "moment2"] as const;
  const ours = await Promise.all(names.map((k) => readPlane(join(dir, "analysis", line.moments.files[k]), 0)));
  const reference = await Promise.all(["mom0", "mom1", "mom2"].map((m) => readPlane(join(dir, `${m}.fits`), 0)));
  let compared = 0;
  const worst = [0, 0, 0];
  let maskDisagreements = 0;
  for (let i = 0; i < reference[0]!.data.length; i += 1) {
    const r0 = reference[0]!.data[i] ?? Number.NaN;
    if (Number.isFinite(r0) !== Number.isFinite(ours[0]!.data[i] ?? Number.NaN)) maskDisagreements += 1;
    if (!(r0 > floor)) continue;
    compared += 1;
    worst[0] = Math.max(worst[0]!, Math.abs((ours[0]!.data[i] ?? Number.NaN) - r0) / r0);
    for (const m of [1, 2]) worst[m] = Math.max(worst[m]!, Math.abs((ours[m]!.data[i] ?? Number.NaN) - (reference[m]!.data[i] ?? Number.NaN)));
  }
  t.diagnostic(`compared ${compared} pixels: moment 0 worst relative ${worst[0]!.toExponential(2)}, moment 1 ${worst[1]!.toExponential(2)} km/s, moment 2 ${worst[2]!.toExponential(2)} km/s`);
  assert.ok(compared > 100);
  assert.equal(maskDisagreements, 0);
  // Our maps are float32 FITS; the reference is float64: agreement to single precision.
  assert.ok(worst[0]! <= 1e-4, `moment 0: ${worst[0]} relative`);
  assert.ok(worst[1]! <= 1e-3, `moment 1: ${worst[1]} km/s`);
  assert.ok(worst[2]! <= 1e-2, `moment 2: ${worst[2]} km/s`);
});
