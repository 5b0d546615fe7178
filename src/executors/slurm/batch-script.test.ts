import { test } from "node:test";
import assert from "node:assert/strict";
import { attemptJobPrefix, batchScript, memoryOption, shellQuote, slurmJobName, timeOption } from "./batch-script.js";

const MiB = 2 ** 20;

test("a batch script: Slurm's options, the environment, and the exact CASA command line", () => {
  const script = batchScript({
    jobName: slurmJobName("demo/uid___A001_X3001_X12/image#2", "imaging"),
    command: ["/cache/casa-modular/bin/python", "/pkg/casa-scripts/run_with_casalog.py", "/w/attempts/image.2/imaging.casa.log", "/w/imaging/casa_imaging_script.py"],
    env: { PYTHONUNBUFFERED: "1", OMP_NUM_THREADS: "2", REIMAGE_ATTEMPT_ID: "demo/uid___A001_X3001_X12/image#2" },
    cwd: "/w/imaging",
    stdoutFile: "/w/attempts/image.2/imaging.stdout.log",
    stderrFile: "/w/attempts/image.2/imaging.stderr.log",
    memoryBytes: 300 * MiB,
    cores: 2,
    timeLimitSeconds: 7200,
    partition: "casa",
    comment: "uid://A001/X3001/X12 imaging (attempt 2)",
  });
  assert.equal(
    script,
    [
      "#!/bin/bash",
      "#SBATCH --job-name=reimage.demo_uid___A001_X3001_X12_image_2.imaging",
      "#SBATCH --chdir=/w/imaging",
      "#SBATCH --output=/w/attempts/image.2/imaging.stdout.log",
      "#SBATCH --error=/w/attempts/image.2/imaging.stderr.log",
      "#SBATCH --open-mode=append",
      "#SBATCH --nodes=1",
      "#SBATCH --ntasks=1",
      "#SBATCH --cpus-per-task=2",
      "#SBATCH --no-requeue",
      "#SBATCH --mem=300M",
      "#SBATCH --time=02:00:00",
      "#SBATCH --partition=casa",
      "# uid://A001/X3001/X12 imaging (attempt 2)",
      "# Written by reimage; `sbatch` this file to run the same job again.",
      "export PYTHONUNBUFFERED=1",
      "export OMP_NUM_THREADS=2",
      "export REIMAGE_ATTEMPT_ID='demo/uid___A001_X3001_X12/image#2'",
      "exec /cache/casa-modular/bin/python /pkg/casa-scripts/run_with_casalog.py /w/attempts/image.2/imaging.casa.log /w/imaging/casa_imaging_script.py",
      "",
    ].join("\n"),
  );
});

test("the jobs of one attempt share a name prefix another attempt's cannot match", () => {
  assert.ok(slurmJobName("s#1", "restore").startsWith(attemptJobPrefix("s#1")));
  assert.ok(!slurmJobName("s#10", "restore").startsWith(attemptJobPrefix("s#1")));
});

test("memory rounds up to whole MiB, times up to the second, with days past 24 h", () => {
  assert.equal(memoryOption(150 * MiB), "150M");
  assert.equal(memoryOption(150 * MiB + 1), "151M");
  assert.equal(timeOption(59.2), "00:01:00");
  assert.equal(timeOption(90_061), "1-01:01:01");
});

test("shell words are quoted only when they need it, quotes inside survive", () => {
  assert.equal(shellQuote("/a/b.py"), "/a/b.py");
  assert.equal(shellQuote("it's here"), `'it'\\''s here'`);
  assert.equal(shellQuote(""), "''");
});

test("what cannot be written safely is refused, not mangled", () => {
  const base = { jobName: "j", command: ["true"], env: {}, cwd: "/w", stdoutFile: "/w/o", stderrFile: "/w/e" };
  assert.throws(() => batchScript({ ...base, cwd: "/w/a\nb" }), /line break/);
  assert.throws(() => batchScript({ ...base, env: { "BAD-NAME": "x" } }), /not an environment variable name/);
  assert.match(batchScript({ ...base, cwd: "/w/with space" }), /^#SBATCH --chdir="\/w\/with space"$/m);
});
