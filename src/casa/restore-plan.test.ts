import { test } from "node:test";
import assert from "node:assert/strict";
import type { CasaRuntime } from "../domain/runtime.js";
import { planRestore } from "./restore-plan.js";
import { discoverCasaVersion, type SourceText } from "./version-discovery.js";

const monolithic = (version: string, pipeline = false): CasaRuntime => ({
  id: `casa-${version}${pipeline ? "-pipeline" : ""}`,
  kind: "monolithic",
  casaVersion: version,
  path: `/opt/casa-${version}`,
  hasPipeline: pipeline,
  canRunCasashell: true,
});
const modular: CasaRuntime = { id: "modular-6.7.0.31", kind: "modular", casaVersion: "6.7.0.31", path: "/venv", hasPipeline: false, canRunCasashell: true, python: "/venv/bin/python" };

// Calibration scripts as CASA 4 wrote their assert, one per execution block.
const calScript = (eb: string, version: string): SourceText => ({
  file: `script/${eb}.ms.scriptForCalibration.py`,
  text: `import re\nimport casadef\nif re.search('^${version}', casadef.casa_version) == None:\n sys.exit('ERROR: PLEASE USE THE SAME VERSION OF CASA THAT YOU USED FOR GENERATING THE SCRIPT: ${version}')\n`,
});

test("one version for the whole MOUS: the runtime that satisfies it restores everything", () => {
  const discovery = discoverCasaVersion({ projectCode: "2015.1.00001.S", files: [calScript("uid___A002_Xb1_X1", "4.5.3")] });
  const plan = planRestore(discovery, [monolithic("4.5.3"), modular]);
  assert.equal(plan.kind, "restore");
  if (plan.kind !== "restore") return;
  assert.equal(plan.groups.length, 1);
  assert.equal(plan.groups[0]!.runtime.casaVersion, "4.5.3");
  assert.equal(plan.groups[0]!.choice, "exact");
  assert.equal(plan.groups[0]!.execBlocks, undefined);
});

test("execution blocks that need different CASAs are restored in groups, one runtime each", () => {
  const discovery = discoverCasaVersion({
    projectCode: "2015.1.00001.S",
    files: [calScript("uid___A002_Xb1_X1", "4.5.3"), calScript("uid___A002_Xb2_X2", "4.7.0"), calScript("uid___A002_Xb3_X3", "4.5.3")],
  });
  // 4.7.0 runs with 4.7.2 by the substitution table.
  const plan = planRestore(discovery, [monolithic("4.5.3"), monolithic("4.7.2"), modular]);
  assert.equal(plan.kind, "restore");
  if (plan.kind !== "restore") return;
  const groups = plan.groups.map((g) => ({ version: g.runtime.casaVersion, ebs: g.execBlocks, choice: g.choice }));
  assert.deepEqual(
    groups.sort((a, b) => a.version.localeCompare(b.version)),
    [
      { version: "4.5.3", ebs: ["uid___A002_Xb1_X1", "uid___A002_Xb3_X3"], choice: "exact" },
      { version: "4.7.2", ebs: ["uid___A002_Xb2_X2"], choice: "compatible" },
    ],
  );
});

test("a block whose CASA is not installed stops the restore and names the block and the CASA to install", () => {
  const discovery = discoverCasaVersion({
    projectCode: "2015.1.00001.S",
    files: [calScript("uid___A002_Xb1_X1", "4.5.3"), calScript("uid___A002_Xb2_X2", "4.4.0")],
  });
  const plan = planRestore(discovery, [monolithic("4.5.3")]);
  assert.equal(plan.kind, "casa-version-unavailable");
  if (plan.kind !== "casa-version-unavailable") return;
  assert.match(plan.reason, /uid___A002_Xb2_X2/);
  assert.equal(plan.install, "4.4.0");
  assert.match(plan.evidence?.text ?? "", /4\.4\.0/);
});

test("a version stated by the delivery is never replaced by whatever is installed", () => {
  const discovery = discoverCasaVersion({ projectCode: "2015.1.00001.S", files: [calScript("uid___A002_Xb1_X1", "4.5.3")] });
  const plan = planRestore(discovery, [modular]);
  assert.equal(plan.kind, "casa-version-unavailable");
  if (plan.kind === "casa-version-unavailable") assert.equal(plan.install, "4.5.3");
});

test("when only the proposal cycle suggests a version, the newest installed runtime is tried, and the note says so", () => {
  // A calibration script with no version statement at all, from a Cycle 4 project.
  const discovery = discoverCasaVersion({
    projectCode: "2016.1.00001.S",
    files: [{ file: "script/uid___A002_Xb1_X1.ms.scriptForCalibration.py", text: "importasdm('uid___A002_Xb1_X1')\n" }],
  });
  assert.equal(discovery.requirement?.confidence, "low");
  const plan = planRestore(discovery, [modular]);
  assert.equal(plan.kind, "restore");
  if (plan.kind !== "restore") return;
  assert.equal(plan.groups[0]!.choice, "newest-installed");
  assert.ok(plan.notes.some((n) => /only the cycle suggests/.test(n)));
});

test("a delivery with nothing to restore (a QA-only shell) is said to be so, not failed", () => {
  const discovery = discoverCasaVersion({ projectCode: "2016.1.00001.S", files: [{ file: "qa/qa2_report.html", text: "<html>QA2 SEMIPASS</html>" }] });
  assert.equal(planRestore(discovery, [modular]).kind, "nothing-to-restore");
});
