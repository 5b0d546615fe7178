import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CasaRuntime } from "../../domain/runtime.js";
import type { CasaJob, Executor, JobOutcome } from "../../executors/executor.js";
import { packageRoot } from "../../paths.js";
import type { StepContext } from "../engine.js";
import { restoreStep } from "./restore.js";

const runtime = (version: string): CasaRuntime => ({
  id: `casa-${version}`,
  kind: "monolithic",
  casaVersion: version,
  path: `/opt/casa-${version}`,
  hasPipeline: false,
  canRunCasashell: true,
});

/**
 * Stands in for CASA running scriptForPI: records each job, and does what scriptForPI does
 * with the tree it is started in, i.e. one `<eb>.ms.split.cal` in ../calibrated per ASDM in
 * ../raw. What the step does with those is what is tested.
 */
class ScriptForPIStandIn implements Executor {
  readonly name = "stand-in";
  readonly jobs: { job: CasaJob; raw: string[] }[] = [];
  run(job: CasaJob): Promise<JobOutcome> {
    const raw = readdirSync(join(job.cwd, "..", "raw")).sort();
    this.jobs.push({ job, raw });
    for (const asdm of raw) mkdirSync(join(job.cwd, "..", "calibrated", asdm.replace(/\.asdm\.sdm$/, ".ms.split.cal")), { recursive: true });
    return Promise.resolve({ exitCode: 0, signal: null, timedOut: false, cancelled: false, wallSeconds: 2, peakRssBytes: 100, command: [] });
  }
  reap(): Promise<void> {
    return Promise.resolve();
  }
}

const MEMBER = join("2016.1.00909.S", "science_goal.uid___A001_X1_X1", "group.uid___A001_X1_X2", "member.uid___A001_X1_X3");
const EB1 = "uid___A002_X8440e0_X4b44"; // its calibration script asserts '^4.7.0'
const EB2 = "uid___A002_X85b7b2_Xb3"; // asserts '^4.7.2'

function context(dir: string): StepContext {
  return {
    campaign: { id: "c", name: "c", recipe: "casatasks", archive: "-", options: {}, createdAt: "" },
    step: {
      id: "s",
      mousId: "m",
      mousUid: "uid://A001/X1/X3",
      projectCode: "2016.1.00909.S",
      name: "restore",
      ordinal: 1,
      state: "running",
      attempts: 1,
      memoryLimitBytes: null,
      outputs: null,
      attemptId: "s#1",
      attemptNumber: 1,
      inputs: { fetch: { deliveryDir: join(dir, "delivery"), memberDir: join(dir, "delivery", MEMBER) } },
    },
    mousDir: dir,
    attemptDir: join(dir, "attempt"),
    memoryLimitBytes: null,
    signal: new AbortController().signal,
    emit: () => {},
    noteLogs: () => Promise.resolve(),
  };
}

test("execution blocks that need different CASAs are restored apart, each in a tree holding only its own raw data", async () => {
  const dir = mkdtempSync(join(tmpdir(), "reimage-restore-"));
  try {
    cpSync(join(packageRoot, "test", "fixtures", "deliveries", "per-eb-versions"), join(dir, "delivery"), { recursive: true });
    for (const eb of [EB1, EB2]) {
      mkdirSync(join(dir, "delivery", MEMBER, "raw", `${eb}.asdm.sdm`), { recursive: true });
      writeFileSync(join(dir, "delivery", MEMBER, "raw", `${eb}.asdm.sdm`, "ASDM.xml"), "<ASDM/>");
    }
    mkdirSync(join(dir, "attempt"));
    const executor = new ScriptForPIStandIn();
    // 4.7.0 is run with 4.7.2 only if 4.7.0 itself is missing; here both are installed.
    const outcome = await restoreStep({ runtimes: [runtime("4.7.0"), runtime("4.7.2")], executor })(context(dir));

    assert.equal(outcome.state, "succeeded", JSON.stringify(outcome.failure));
    assert.deepEqual(
      executor.jobs.map((j) => [j.job.runtime.casaVersion, j.raw]),
      [
        ["4.7.0", [`${EB1}.asdm.sdm`]],
        ["4.7.2", [`${EB2}.asdm.sdm`]],
      ],
    );
    // Each ran from the script/ folder of its own tree, never the delivery's.
    for (const { job } of executor.jobs) assert.ok(job.cwd.startsWith(join(dir, "attempt")) && job.cwd.endsWith("script"));
    const ms = outcome.outputs?.measurementSets as string[];
    assert.deepEqual(ms.map((p) => p.split("/").at(-1)), [`${EB1}.ms.split.cal`, `${EB2}.ms.split.cal`]);
    assert.ok(ms.every((p) => existsSync(p)));
    const groups = outcome.outputs?.groups as { casaVersion: string; execBlocks: string[] }[];
    assert.deepEqual(groups.map((g) => [g.casaVersion, g.execBlocks]), [["4.7.0", [EB1]], ["4.7.2", [EB2]]]);
    // The delivery itself is untouched: no calibrated/ appeared in it.
    assert.ok(!existsSync(join(dir, "delivery", MEMBER, "calibrated")));
    // The attempt's process record adds the groups' times.
    assert.equal(outcome.process?.wallSeconds, 4);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a version nobody installed fails as casa-version before any CASA starts, naming what to install", async () => {
  const dir = mkdtempSync(join(tmpdir(), "reimage-restore-"));
  try {
    cpSync(join(packageRoot, "test", "fixtures", "deliveries", "c4-casadef"), join(dir, "delivery"), { recursive: true });
    mkdirSync(join(dir, "attempt"));
    const executor = new ScriptForPIStandIn();
    const ctx = context(dir);
    const member = join("2013.1.00123.S", "science_goal.uid___A001_X1_X1", "group.uid___A001_X1_X2", "member.uid___A001_X1_X3");
    const outcome = await restoreStep({ runtimes: [runtime("6.7.0.31")], executor })({
      ...ctx,
      step: { ...ctx.step, projectCode: "2013.1.00123.S", inputs: { fetch: { deliveryDir: join(dir, "delivery"), memberDir: join(dir, "delivery", member) } } },
    });
    assert.equal(outcome.state, "failed");
    assert.equal(outcome.failure?.errorClass, "casa-version");
    assert.match(outcome.failure?.message ?? "", /install CASA 4\.2\.2/);
    assert.match(outcome.failure?.evidenceLine ?? "", /4\.2\.2/);
    assert.equal(executor.jobs.length, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
