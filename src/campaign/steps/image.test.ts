import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CasaRuntime } from "../../domain/runtime.js";
import type { CasaJob, Executor, JobOutcome } from "../../executors/executor.js";
import type { StepContext } from "../engine.js";
import { imageStep } from "./image.js";

const monolithic: CasaRuntime = {
  id: "casa-6.5.4-9-pipeline-2023.1.0.124",
  kind: "monolithic",
  casaVersion: "6.5.4.9",
  pipelineVersion: "2023.1.0.124",
  path: "/opt/casa/casa-6.5.4-9-pipeline-2023.1.0.124",
  hasPipeline: true,
  canRunCasashell: true,
};

/** Records the jobs a step asks for; the command line they become is tested in src/casa. */
class RecordingExecutor implements Executor {
  readonly name = "recording";
  readonly jobs: CasaJob[] = [];
  run(job: CasaJob): Promise<JobOutcome> {
    this.jobs.push(job);
    return Promise.resolve({ exitCode: 0, signal: null, timedOut: false, cancelled: false, wallSeconds: 1, peakRssBytes: 1, command: [] });
  }
  reap(): Promise<void> {
    return Promise.resolve();
  }
}

function context(dir: string, measurementSets: string[]): StepContext {
  return {
    campaign: { id: "c", name: "c", recipe: "pipeline-hifatargets", archive: "-", options: {}, createdAt: "" },
    step: {
      id: "s",
      mousId: "m",
      mousUid: "uid://A001/X3001/X12",
      projectCode: "2024.1.00042.S",
      name: "image",
      ordinal: 3,
      state: "running",
      attempts: 1,
      memoryLimitBytes: null,
      outputs: null,
      attemptId: "s#1",
      attemptNumber: 1,
      inputs: { fix: { measurementSets } },
    },
    mousDir: join(dir, "mous"),
    attemptDir: dir,
    memoryLimitBytes: null,
    signal: new AbortController().signal,
    emit: () => {},
    noteLogs: () => Promise.resolve(),
  };
}

test("with the pipeline recipe, the step runs the hifatargets pipescript with casa --pipeline in the pipeline's CASA", async () => {
  const dir = mkdtempSync(join(tmpdir(), "reimage-image-"));
  try {
    const executor = new RecordingExecutor();
    const ms = ["/data/uid___A002_Xb10001_X1a2.ms.split.cal"];
    const outcome = await imageStep({ recipe: "pipeline", runtimes: [monolithic], executor, threadsPerJob: 2 })(context(dir, ms));
    const [job] = executor.jobs;
    assert.ok(job);
    assert.equal(job.runtime.id, monolithic.id);
    assert.equal(job.pipeline, true);
    assert.equal(job.mode, "casashell");
    const script = readFileSync(job.script, "utf8");
    assert.match(script, /hifa_importdata\(vis=\['\/data\/uid___A002_Xb10001_X1a2\.ms\.split\.cal'\]/);
    assert.ok(script.indexOf("hif_findcont()") < script.indexOf("hif_uvcontsub()"));
    assert.match(script, /hifa_exportdata\(/);
    // The recording executor made no products: the step says so instead of succeeding empty.
    assert.equal(outcome.state, "failed");
    assert.equal(outcome.failure?.errorClass, "missing-data");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the pipeline recipe without a pipeline CASA fails as pipeline-unavailable, before running anything", async () => {
  const dir = mkdtempSync(join(tmpdir(), "reimage-image-"));
  try {
    const executor = new RecordingExecutor();
    const modular: CasaRuntime = { ...monolithic, id: "modular-6.7.0.31", kind: "modular", hasPipeline: false };
    const outcome = await imageStep({ recipe: "pipeline", runtimes: [modular], executor, threadsPerJob: 1 })(context(dir, ["/x.ms"]));
    assert.equal(outcome.failure?.errorClass, "pipeline-unavailable");
    assert.equal(executor.jobs.length, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
