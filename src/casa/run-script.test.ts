import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../config.js";
import { ErrorCode, ReimageError, type CasaRuntime } from "../domain/index.js";
import { casaCommandLine, runCasaScript, type CasaRunResult, type CasaScriptMode } from "./run-script.js";
import { scanRuntimes } from "./runtimes.js";

const modular: CasaRuntime = {
  id: "modular-6.7.0.31",
  kind: "modular",
  casaVersion: "6.7.0.31",
  path: "/cache/casa-modular",
  hasPipeline: false,
  canRunCasashell: true,
  python: "/cache/casa-modular/bin/python",
};
const monolithic: CasaRuntime = {
  id: "casa-6.5.4-9-pipeline-2023.1.0.124",
  kind: "monolithic",
  casaVersion: "6.5.4.9",
  pipelineVersion: "2023.1.0.124",
  path: "/opt/casa/casa-6.5.4-9-pipeline-2023.1.0.124",
  hasPipeline: true,
  canRunCasashell: true,
};

test("modular CASA runs a script in casashell with its flags, the log file and the script's own arguments", () => {
  assert.deepEqual(casaCommandLine({ runtime: modular, script: "/w/scriptForPI.py", logFile: "/logs/casa.log", args: ["a", "b c"] }), [
    "/cache/casa-modular/bin/python", "-m", "casashell", "--nogui", "--nologger", "--agg",
    "--logfile", "/logs/casa.log", "-c", "/w/scriptForPI.py", "a", "b c",
  ]);
});

test("modular CASA in python mode runs the script through the bootstrap that sets the CASA log", () => {
  assert.deepEqual(
    casaCommandLine({ runtime: modular, script: "/w/image.py", logFile: "/logs/casa.log", mode: "python", args: ["--spw", "3"] }, "/pkg/run_with_casalog.py"),
    ["/cache/casa-modular/bin/python", "/pkg/run_with_casalog.py", "/logs/casa.log", "/w/image.py", "--spw", "3"],
  );
});

test("monolithic CASA runs bin/casa, with --pipeline when asked", () => {
  assert.deepEqual(casaCommandLine({ runtime: monolithic, script: "/w/casa_pipescript.py", logFile: "/l/casa.log", pipeline: true }), [
    "/opt/casa/casa-6.5.4-9-pipeline-2023.1.0.124/bin/casa", "--nogui", "--nologger", "--agg",
    "--logfile", "/l/casa.log", "--pipeline", "-c", "/w/casa_pipescript.py",
  ]);
  assert.deepEqual(casaCommandLine({ runtime: monolithic, script: "s.py", logFile: "l" }).slice(-3), ["l", "-c", "s.py"]);
});

test("asking a runtime for what it lacks is refused before anything starts", () => {
  const refused = (code: ErrorCode) => (err: unknown) => err instanceof ReimageError && err.code === code;
  assert.throws(() => casaCommandLine({ runtime: modular, script: "s.py", logFile: "l", pipeline: true }), refused(ErrorCode.CasaMissing));
  assert.throws(
    () => casaCommandLine({ runtime: { ...modular, canRunCasashell: false }, script: "s.py", logFile: "l" }),
    refused(ErrorCode.CasaMissing),
  );
  assert.throws(() => casaCommandLine({ runtime: monolithic, script: "s.py", logFile: "l", mode: "python" }), refused(ErrorCode.BadInput));
});

// Real CASA from here on: the managed modular environment (`reimage casa setup`).

async function managedRuntime(): Promise<CasaRuntime> {
  const casa = loadConfig().casa;
  const found = (await scanRuntimes(casa)).runtimes.find((r) => r.path === casa.modularEnvDir);
  assert.ok(found, `no modular CASA in ${casa.modularEnvDir}: run \`reimage casa setup\` first`);
  return found;
}

/** Writes `script` into a fresh folder and runs it there; the folder is removed afterwards. */
async function runScript(
  script: string,
  options: { mode?: CasaScriptMode; args?: string[]; timeLimitSeconds?: number; signal?: AbortSignal; onOutputLine?: (line: string) => void } = {},
  inspect: (result: CasaRunResult, dir: string) => Promise<void> | void = () => {},
): Promise<CasaRunResult> {
  const dir = await mkdtemp(join(tmpdir(), "reimage-run-"));
  try {
    await writeFile(join(dir, "script.py"), script);
    const result = await runCasaScript({
      runtime: await managedRuntime(),
      script: join(dir, "script.py"),
      workDir: dir,
      logDir: join(dir, "logs"),
      graceSeconds: 3,
      ...options,
    });
    await inspect(result, dir);
    return result;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const IMSTAT = `
import os, sys
import casatools
from casatasks import imstat
ia = casatools.image()
ia.fromshape('small.im', [16, 16, 1, 1])
px = ia.getchunk(); px[3, 4, 0, 0] = 2.5; ia.putchunk(px); ia.done()
st = imstat(imagename='small.im')
print('max', float(st['max'][0]), 'args', sys.argv[1:])
`;

for (const mode of ["python", "casashell"] as const) {
  test(`a small imstat succeeds in ${mode} mode, with its arguments, its CASA log and its output lines`, async () => {
    const lines: string[] = [];
    await runScript(IMSTAT, { mode, args: ["one", "two words"], onOutputLine: (line) => lines.push(line) }, async (result, dir) => {
      assert.equal(result.exitCode, 0, await readFile(result.stderrFile, "utf8"));
      assert.equal(result.signal, null);
      assert.equal(result.timedOut, false);
      assert.equal(result.cancelled, false);
      assert.match(await readFile(result.logFile, "utf8"), /imstat/);
      assert.match(await readFile(result.stdoutFile, "utf8"), /max 2\.5 args \['one', 'two words'\]/);
      assert.ok(lines.some((l) => l.startsWith("max 2.5")), lines.join("\n"));
      // The working folder holds what the script made, and no stray casa-<date>.log.
      assert.deepEqual((await readdir(dir)).sort(), ["logs", "script.py", "small.im"]);
      assert.ok(result.wallSeconds > 0 && result.wallSeconds < 30);
    });
  });
}

test("a script that calls sys.exit('ERROR: ...') in casashell is a non-zero exit with the line kept", async () => {
  await runScript("import sys\nprint('starting')\nsys.exit('ERROR: something')\n", {}, async (result) => {
    assert.notEqual(result.exitCode, 0);
    assert.equal(result.exitCode === null, false);
    const output = (await readFile(result.stdoutFile, "utf8")) + (await readFile(result.stderrFile, "utf8"));
    assert.match(output, /ERROR: something/);
    assert.match(output, /starting/);
  });
});

test("peak memory counts a 300 MB array the script holds, over what Python and CASA take anyway", async () => {
  // The bootstrap imports casatasks, which alone holds about 270 MB: measure it apart.
  const script = (allocate: boolean) =>
    `import numpy, time\na = numpy.ones(${allocate ? "300 * 1000 * 1000 // 8" : "1"})\ntime.sleep(1)\nprint(a.sum())\n`;
  const baseline = await runScript(script(false), { mode: "python" });
  const result = await runScript(script(true), { mode: "python" });
  assert.equal(result.exitCode, 0);
  assert.ok(result.peakRssBytes >= 300e6, `peak ${result.peakRssBytes}`);
  const added = result.peakRssBytes - baseline.peakRssBytes;
  assert.ok(added >= 0.95 * 300e6 && added < 400e6, `the array added ${added} bytes`);
});

test("a script over its time limit is stopped fast and says so", async () => {
  const result = await runScript("import time\ntime.sleep(60)\n", { timeLimitSeconds: 2 });
  assert.equal(result.timedOut, true);
  assert.equal(result.cancelled, false);
  // SIGTERM is enough for casashell: the grace period before SIGKILL was not needed.
  assert.equal(result.signal, "SIGTERM");
  assert.equal(result.exitCode, null);
  assert.ok(result.wallSeconds >= 2 && result.wallSeconds < 4, `${result.wallSeconds} s`);
});

/** Gone, or a zombie waiting for init: signals are delivered, not awaited, so allow a moment. */
async function processGone(pid: string): Promise<boolean> {
  for (let i = 0; i < 20; i++) {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => undefined);
    if (stat === undefined || stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

test("a running script is cancelled by its AbortSignal, with the processes it started", async () => {
  const controller = new AbortController();
  let grandchild = "";
  const script = "import subprocess, time\np = subprocess.Popen(['sleep', '60'])\nprint('child', p.pid)\ntime.sleep(60)\n";
  const result = await runScript(script, {
    mode: "python",
    signal: controller.signal,
    // Cancel once the script has said it is under way: the output lines are the heartbeat.
    onOutputLine: (line) => {
      const m = /^child (\d+)$/.exec(line);
      if (!m?.[1]) return;
      grandchild = m[1];
      controller.abort();
    },
  });
  assert.equal(result.cancelled, true);
  assert.equal(result.timedOut, false);
  assert.equal(result.signal, "SIGTERM");
  assert.ok(result.wallSeconds < 10, `${result.wallSeconds} s`);
  assert.notEqual(grandchild, "");
  assert.ok(await processGone(grandchild), `sleep ${grandchild} outlived the cancelled run`);
});

test("a signal already aborted starts nothing and reports the run cancelled", async () => {
  const result = await runScript("raise SystemExit('must not run')\n", { signal: AbortSignal.abort() }, async (r) => {
    assert.equal(await readFile(r.stderrFile, "utf8"), "");
  });
  assert.deepEqual([result.cancelled, result.exitCode, result.signal], [true, null, null]);
});

test("a script that crashes reports the signal that killed it", async () => {
  const result = await runScript("import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)\n", { mode: "python" });
  assert.equal(result.signal, "SIGSEGV");
  assert.equal(result.exitCode, null);
});

test("a runtime whose Python is missing fails to start with a typed error and its cause", async () => {
  const dir = await mkdtemp(join(tmpdir(), "reimage-run-"));
  try {
    await assert.rejects(
      runCasaScript({ runtime: { ...modular, path: join(dir, "nowhere"), python: join(dir, "nowhere", "bin", "python") }, script: "s.py", workDir: dir, logDir: dir }),
      (err: unknown) => err instanceof ReimageError && err.code === ErrorCode.ProcessStartFailed && err.cause instanceof Error,
    );
    await assert.rejects(
      runCasaScript({ runtime: modular, script: "s.py", workDir: join(dir, "missing"), logDir: dir }),
      (err: unknown) => err instanceof ReimageError && err.code === ErrorCode.ProcessStartFailed,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
