/**
 * Real CASA, end to end up to the calibrated Measurement Set: the demo archive is built by
 * CASA's simulator, downloaded over HTTP from a local request-handler server that cuts the
 * first downloads half-way (so every delivery arrives through resumed Range requests), and
 * restored by each delivery's own scriptForPI.py. The calibrated visibilities are then compared with what was
 * simulated (truth/<mous>.json): the gains the generator applied must be divided out.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { ensureDemoArchive, type DemoArchive } from "../src/archive/demo-archive.js";
import { readObsCoreFile } from "../src/archive/obscore.js";
import { HttpArchiveSource } from "../src/archive/http-source.js";
import { startArchiveServer } from "../src/archive/http-server.js";
import { unpackSafely } from "../src/archive/tar.js";
import { runCampaign, type StepRunner } from "../src/campaign/engine.js";
import { fetchStep } from "../src/campaign/steps/fetch.js";
import { restoreStep } from "../src/campaign/steps/restore.js";
import { casaEnvironment, envPython } from "../src/casa/modular-env.js";
import { runQuiet } from "../src/casa/quiet-process.js";
import { scanRuntimes } from "../src/casa/runtimes.js";
import { loadConfig } from "../src/config.js";
import { StepName } from "../src/domain/campaign.js";
import { LocalExecutor } from "../src/executors/local.js";
import { packageRoot } from "../src/paths.js";
import { openSqliteStore } from "../src/store/open.js";

const config = loadConfig();
const work = mkdtempSync(join(tmpdir(), "reimage-restore-"));
let archive: DemoArchive;

before(async () => {
  archive = await ensureDemoArchive(join(work, "archive"), config.casa.modularEnvDir);
});
after(() => rmSync(work, { recursive: true, force: true }));

function treeDigest(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else out.set(relative(root, path), createHash("sha256").update(readFileSync(path)).digest("hex"));
    }
  };
  walk(root);
  return out;
}

test("the archive's request-handler tars unpack to the same tree as the mirror", async () => {
  const unpacked = join(work, "unpacked");
  for (const m of archive.mouses) for (const tar of m.tars) await unpackSafely(tar, unpacked);
  const mirror = treeDigest(join(archive.dir, "mirror"));
  const fromTars = treeDigest(unpacked);
  assert.equal(fromTars.size, mirror.size);
  for (const [path, digest] of mirror) assert.equal(fromTars.get(path), digest, path);
  assert.ok([...mirror.keys()].some((p) => p.endsWith(".asdm.sdm/ASDM.xml")), "raw/ holds real ASDMs");
});

test("the archive's ObsCore holdings describe each MOUS as the simulation made it", async () => {
  const holdings = await readObsCoreFile(archive.holdings);
  assert.equal(holdings.length, archive.mouses.length);
  for (const m of archive.mouses) {
    const truth = JSON.parse(readFileSync(join(archive.dir, m.truthFile), "utf8")) as Truth & {
      pointings: unknown[];
      spws: { centre_ghz: number; nchan: number; width_mhz: number }[];
    };
    const h = holdings.find((x) => x.mous === m.mousUid);
    assert.ok(h, `${m.mousUid} is listed`);
    assert.equal(h.isMosaic, truth.pointings.length > 1);
    assert.deepEqual(h.bands, [3]);
    assert.equal(h.antennaCount, truth.gains.antennas.length);
    assert.equal(h.exposureS, truth.observed ? 720 : 0);
    const windows = [...h.spectralWindows].sort((a, b) => a.loGHz - b.loGHz);
    const simulated = [...truth.spws].sort((a, b) => a.centre_ghz - b.centre_ghz);
    windows.forEach((w, i) => {
      const s = simulated[i]!;
      assert.ok(Math.abs(w.loGHz - (s.centre_ghz - (s.nchan * s.width_mhz) / 2000)) < 1e-4);
      assert.ok(Math.abs(w.hiGHz - (s.centre_ghz + (s.nchan * s.width_mhz) / 2000)) < 1e-4);
      assert.ok(Math.abs(w.resolutionKHz - s.width_mhz * 1000) < 0.01);
    });
  }
});

interface Measured {
  calibrator: { all: Visibility } | null;
  target: { all: Visibility; per_antenna: Record<string, Visibility | null> } | null;
  gains: { ampli_inf: Record<string, { amp: number }>; phase_inf: Record<string, { phase_deg: number }> };
}
interface Visibility {
  amp: number;
  phase_deg: number;
  amp_err: number;
  n: number;
}
interface Truth {
  observed: boolean;
  continuum: { flux_jy: number } | null;
  calibrator: { flux_jy: number };
  gains: { antennas: string[]; amplitude: number[]; phase_deg: number[] };
}

const wrapDeg = (d: number) => ((((d + 180) % 360) + 360) % 360) - 180;

test("every MOUS restores through its scriptForPI and the calibrated data match the simulated truth", async () => {
  const store = await openSqliteStore(join(work, "restore.sqlite"));
  let server: Awaited<ReturnType<typeof startArchiveServer>> | undefined;
  try {
    await store.createCampaign(
      { id: "restore", name: "restore", recipe: "restore-only", archive: join(archive.dir, "request-handler"), options: {} },
      archive.mouses.map((m) => ({ mousUid: m.mousUid, projectCode: m.projectCode })),
      [StepName.Fetch, StepName.Restore],
    );
    const { runtimes } = await scanRuntimes(config.casa);
    // Each of the first three file downloads is cut after half of the smallest tar.
    const smallest = Math.min(...archive.mouses.flatMap((m) => m.tars.map((t) => statSync(t).size)));
    server = await startArchiveServer({ dir: archive.dir, faults: { cutAfterBytes: { bytes: Math.floor(smallest / 2), times: 3 } } });
    const source = new HttpArchiveSource(server.url, { retry: { maxAttempts: 4, baseDelayMs: 50, maxDelayMs: 200 } });
    const notUsed: StepRunner = () => Promise.reject(new Error("not part of this campaign"));
    const summary = await runCampaign({
      store,
      campaignId: "restore",
      campaignDir: join(work, "campaign"),
      maxParallel: 1,
      memoryBudgetBytes: 8 * 1024 ** 3,
      predictMemoryBytes: () => 1,
      steps: {
        fetch: fetchStep(source),
        restore: restoreStep({ runtimes, executor: new LocalExecutor() }),
        fix: notUsed,
        image: notUsed,
        products: notUsed,
        analyse: notUsed,
      },
    });
    assert.equal(summary.state, "finished");
    const cut = server.requests.filter((r) => r.cut);
    const resumed = server.requests.filter((r) => r.range !== undefined && r.status === 206);
    assert.equal(cut.length, 3, "three downloads were cut");
    assert.ok(resumed.length >= 3, "each cut download resumed with a Range request");
    const report = await store.report("restore");
    for (const mous of report.mouses) {
      const restore = mous.steps.find((s) => s.name === "restore")!;
      assert.equal(mous.state, "succeeded", `${mous.mousUid}: ${JSON.stringify(mous.errors)}`);
      assert.ok((restore.attempts[0]?.peakRssBytes ?? 0) > 50e6, "the restore's peak memory is recorded");
    }

    for (const m of archive.mouses) {
      const truth = JSON.parse(readFileSync(join(archive.dir, m.truthFile), "utf8")) as Truth;
      const calibrated = join(work, "campaign", "mous", m.mous, "delivery", m.memberDir.replace(/^mirror\//, ""), "calibrated");
      const ms = readdirSync(calibrated).find((n) => n.endsWith(".ms.split.cal"));
      assert.ok(ms, `${calibrated} holds the calibrated MS`);
      const eb = ms.replace(/\.split\.cal$/, "");
      const spw = 1; // line-free in every demo MOUS
      const out = await runQuiet(
        envPython(config.casa.modularEnvDir),
        [join(packageRoot, "test", "casa", "restore_truth.py"), join(calibrated, ms), join(calibrated, eb), String(spw)],
        { env: casaEnvironment(config.casa.modularEnvDir), what: "measuring the restored MS" },
      );
      const measured = JSON.parse(out.trim().split("\n").at(-1)!) as Measured;

      // The calibrator's flux was set with setjy; after calibration it must come back.
      const cal = measured.calibrator!.all;
      assert.ok(Math.abs(cal.amp - truth.calibrator.flux_jy) < 5 * cal.amp_err + 1e-3, `${m.name}: calibrator ${cal.amp} Jy`);
      assert.ok(Math.abs(cal.phase_deg) < 0.5, `${m.name}: calibrator phase ${cal.phase_deg} deg`);

      // The solved gains are the simulated ones, relative to the reference antenna (the first).
      const ref = truth.gains.antennas[0]!;
      const refPhase = truth.gains.phase_deg[0]!;
      truth.gains.antennas.forEach((ant, i) => {
        const amp = measured.gains.ampli_inf[ant]!.amp;
        assert.ok(Math.abs(amp - truth.gains.amplitude[i]!) < 0.01 * truth.gains.amplitude[i]!, `${m.name} ${ant}: gain amplitude ${amp} vs ${truth.gains.amplitude[i]}`);
        const expected = wrapDeg(truth.gains.phase_deg[i]! - refPhase);
        const got = measured.gains.phase_inf[ant]!.phase_deg;
        assert.ok(Math.abs(wrapDeg(got - expected)) < 1.0, `${m.name} ${ant}: gain phase ${got} vs ${expected} (relative to ${ref})`);
      });

      // A point source at the phase centre is, uncorrupted, S Jy at phase 0 on every
      // baseline: each antenna's calibrated visibilities must average to it within noise.
      if (truth.observed && truth.continuum) {
        const s = truth.continuum.flux_jy;
        const all = measured.target!.all;
        assert.ok(Math.abs(all.amp - s) < 5 * all.amp_err, `${m.name}: target ${all.amp} Jy vs ${s} Jy (±${all.amp_err})`);
        for (const [ant, v] of Object.entries(measured.target!.per_antenna)) {
          assert.ok(v, `${m.name} ${ant}: no target data`);
          assert.ok(Math.abs(v.amp - s) < 5 * v.amp_err, `${m.name} ${ant}: ${v.amp} Jy vs ${s} (±${v.amp_err})`);
          // Phase tolerance: five times the noise in radians at this flux, in degrees.
          assert.ok(Math.abs(v.phase_deg) < ((5 * v.amp_err) / s) * (180 / Math.PI), `${m.name} ${ant}: phase ${v.phase_deg} deg`);
        }
      }
      if (!truth.observed) assert.equal(measured.target, null, "the aborted MOUS has no target data");
    }
  } finally {
    await server?.close();
    await store.close();
  }
});
