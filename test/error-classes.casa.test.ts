/**
 * Every error class, reached with real CASA: each case provokes the failure in a real CASA
 * process (a delivered scriptForPI.py made to meet the condition, or a CASA script), and
 * the classifier must name it from what CASA wrote. Memory (a kernel-enforced limit) is in
 * src/executors/local.test.ts; an empty selection (the aborted demo MOUS) in
 * demo.casa.test.ts.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureDemoArchive, type DemoArchive } from "../src/archive/demo-archive.js";
import { classifyJob } from "../src/campaign/steps/common.js";
import { scanRuntimes } from "../src/casa/runtimes.js";
import { loadConfig } from "../src/config.js";
import type { StepFailure } from "../src/domain/campaign.js";
import type { CasaRuntime } from "../src/domain/runtime.js";
import type { CasaJob } from "../src/executors/executor.js";
import { LocalExecutor } from "../src/executors/local.js";
import { casaScriptsDir } from "../src/paths.js";

const config = loadConfig();
const work = mkdtempSync(join(tmpdir(), "reimage-errors-"));
const executor = new LocalExecutor();
let archive: DemoArchive;
let runtime: CasaRuntime;

before(async () => {
  archive = await ensureDemoArchive(join(work, "archive"), config.casa.modularEnvDir);
  const found = (await scanRuntimes(config.casa)).runtimes.find((r) => r.kind === "modular");
  assert.ok(found);
  runtime = found;
});
after(() => rmSync(work, { recursive: true, force: true }));

/** A fresh copy of the single-pointing delivery, to be spoilt by the case. */
function delivery(name: string, root = join(work, name)): string {
  const member = join(root, "member");
  cpSync(join(archive.dir, archive.mouses[0]!.memberDir), member, { recursive: true });
  return member;
}

async function run(name: string, script: string, cwd: string, extra: Partial<CasaJob> = {}): Promise<StepFailure> {
  const logDir = join(work, "logs", name);
  mkdirSync(logDir, { recursive: true });
  const outcome = await executor.run(
    { label: name, runtime, script, mode: "python", cwd, logDir, name, ...extra },
    new AbortController().signal,
  );
  assert.ok(outcome.exitCode !== 0 || outcome.signal || outcome.timedOut, `${name} was meant to fail`);
  return classifyJob(outcome);
}

/** scriptForPI.py from script/, as the restore step runs it (casashell, casalith shim). */
async function scriptForPI(name: string, member: string): Promise<StepFailure> {
  const wrapper = join(work, `${name}-restore.py`);
  writeFileSync(wrapper, 'DOSPLIT = True\nSPACESAVING = 1\nexec(compile(open("scriptForPI.py").read(), "scriptForPI.py", "exec"), globals())\n');
  return run(name, wrapper, join(member, "script"), { mode: "casashell", env: { PYTHONPATH: join(casaScriptsDir, "shims") } });
}

test("casa-version: a calibration script written for CASA 4.2.2 stops with its own assert", async () => {
  const member = delivery("version");
  const script = readdirSync(join(member, "script")).find((n) => n.endsWith(".scriptForCalibration.py"))!;
  const path = join(member, "script", script);
  writeFileSync(path, readFileSync(path, "utf8").replace(/re\.search\('\^[^']*'/, "re.search('^4.2.2'").replace(/GENERATING THE SCRIPT: [0-9.]+/, "GENERATING THE SCRIPT: 4.2.2"));
  const f = await scriptForPI("version", member);
  assert.equal(f.errorClass, "casa-version");
  assert.match(f.evidenceLine ?? "", /PLEASE USE THE SAME VERSION OF CASA THAT YOU USED FOR GENERATING THE SCRIPT: 4\.2\.2/);
});

test("missing-data: scriptForPI finds no ASDM in raw/", async () => {
  const member = delivery("missing");
  rmSync(join(member, "raw"), { recursive: true });
  mkdirSync(join(member, "raw"));
  const f = await scriptForPI("missing", member);
  assert.equal(f.errorClass, "missing-data");
  assert.match(f.evidenceLine ?? "", /ERROR: No ASDM found in directory "raw"/);
});

test("disk-full: scriptForPI on a filesystem without room for the restore", async (t) => {
  const mountPoint = join(work, "small-disk");
  mkdirSync(mountPoint);
  // The raw data (about 35 MB) fit; the ~11 times as much the restore needs do not.
  const mount = spawnSync("mount", ["-t", "tmpfs", "-o", "size=120m", "tmpfs", mountPoint]);
  if (mount.status !== 0) {
    t.skip(`cannot mount a small tmpfs here: ${mount.stderr.toString().trim()}`);
    return;
  }
  try {
    const member = delivery("disk", mountPoint);
    const f = await scriptForPI("disk", member);
    assert.equal(f.errorClass, "disk-full");
    assert.match(f.evidenceLine ?? "", /not enough free disk space/);
  } finally {
    spawnSync("umount", [mountPoint]);
  }
});

test("pipeline-unavailable: a pipeline call in a CASA without the pipeline", async () => {
  const script = join(work, "pipeline.py");
  writeFileSync(script, "context = h_init()\nhifa_importdata(vis=['x.ms'])\n");
  const f = await run("pipeline", script, work, { mode: "casashell" });
  assert.equal(f.errorClass, "pipeline-unavailable");
  assert.match(f.evidenceLine ?? "", /name 'h_init' is not defined/);
});

test("measures-data: CASA pointed at a folder with no measures data", async () => {
  const empty = join(work, "no-measures");
  mkdirSync(empty);
  const site = join(work, "no-measures-site.py");
  writeFileSync(site, `measurespath = ${JSON.stringify(empty)}\nmeasures_auto_update = False\ndata_auto_update = False\n`);
  const script = join(work, "measures.py");
  writeFileSync(script, "import casatools\nprint(casatools.measures())\n");
  // The bootstrap imports casatasks first: that import is what fails.
  const f = await run("measures", script, work, { env: { CASASITECONFIG: site } });
  assert.equal(f.errorClass, "measures-data");
  assert.match(f.evidenceLine ?? "", /measures data is not available/);
});

test("crash and time limit: a CASA process killed by SIGSEGV, and one stopped at its time limit", async () => {
  const crash = join(work, "crash.py");
  writeFileSync(crash, "import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)\n");
  assert.equal((await run("crash", crash, work)).errorClass, "crash");
  const slow = join(work, "slow.py");
  writeFileSync(slow, "import time\ntime.sleep(60)\n");
  assert.equal((await run("slow", slow, work, { timeLimitSeconds: 2 })).errorClass, "time-limit");
});

test("unknown: a failure no rule knows keeps CASA's last error line as evidence", async () => {
  const script = join(work, "odd.py");
  writeFileSync(script, "import casatasks\ncasatasks.imstat(imagename='does-not-exist.image')\nraise ValueError('an odd failure')\n");
  const f = await run("odd", script, work);
  assert.equal(f.errorClass, "unknown");
  assert.ok(f.evidenceLine, "some line of evidence");
});
