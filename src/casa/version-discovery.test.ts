import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { discoverDeliveryVersion } from "./version-sources.js";
import type { CasaRuntime } from "../domain/runtime.js";
import { packageRoot } from "../paths.js";
import {
  EvidenceSource,
  FileRole,
  discoverCasaVersion,
  discoverFromCalibrationScripts,
  roleOfFile,
  satisfiesPrefix,
  versionFromText,
  type Confidence,
} from "./version-discovery.js";
import { BUILD_NUMBERS, chooseRuntimeFor, substitutionFor } from "./version-table.js";

const FIXTURES = join(packageRoot, "test", "fixtures", "deliveries");

// ---------------------------------------------------------------------------------------
// The first cut's contract, which the restore step relies on

test("the CASA 4 assert on casadef names the version the script was written for", () => {
  const r = discoverFromCalibrationScripts([
    {
      file: "uid___A002_X8440e0_X4b44.ms.scriptForCalibration.py",
      text: "import re\n\nif re.search('^4.2.2', casadef.casa_version) == None:\n sys.exit('ERROR: PLEASE USE THE SAME VERSION OF CASA THAT YOU USED FOR GENERATING THE SCRIPT: 4.2.2')\n",
    },
  ]);
  assert.equal(r?.casaVersion, "4.2.2");
  assert.equal(r?.evidence[0]?.line, 3);
  assert.equal(r?.confidence, "high");
});

test("the CASA 5 form on cu.version() and the CASA 6 form on casalith are read too", () => {
  const exit = "\n sys.exit('ERROR: PLEASE USE THE SAME VERSION OF CASA')";
  assert.equal(
    discoverFromCalibrationScripts([
      { file: "a.py", text: "if re.search('^5.1.1', '.'.join([str(i) for i in cu.version().tolist()[:-1]])) == None:" + exit },
    ])?.casaVersion,
    "5.1.1",
  );
  assert.equal(
    discoverFromCalibrationScripts([{ file: "b.py", text: "if re.search('^6\\.7', casalith.version_string()) == None:" + exit }])?.casaVersion,
    "6.7",
  );
});

test("a commented-out assert still names its version, with medium confidence; none gives no answer", () => {
  const r = discoverFromCalibrationScripts([
    { file: "c.py", text: "#if re.search('^4.2.2', casadef.casa_version) == None:\n# sys.exit('ERROR: ...')" },
  ]);
  assert.equal(r?.casaVersion, "4.2.2");
  assert.equal(r?.confidence, "medium");
  assert.equal(r?.decidedBy, EvidenceSource.DisabledAssert);
  assert.equal(discoverFromCalibrationScripts([{ file: "d.py", text: "applycal(vis='x.ms')" }]), undefined);
  // Only the body commented out: the check no longer stops anything either.
  const bodyOnly = discoverFromCalibrationScripts([
    { file: "e.py", text: "if re.search('^4.4.0', casadef.casa_version) == None:\n# sys.exit('ERROR: ...')\n  pass" },
  ]);
  assert.deepEqual([bodyOnly?.casaVersion, bodyOnly?.confidence], ["4.4.0", "medium"]);
});

test("a runtime satisfies an asserted prefix part by part, whatever the separator", () => {
  assert.ok(satisfiesPrefix("6.7.0.31", "6.7"));
  assert.ok(satisfiesPrefix("6.5.4-9", "6.5.4"));
  assert.ok(!satisfiesPrefix("6.7.0.31", "6.7.1"));
  assert.ok(!satisfiesPrefix("4.2.20", "4.2.2"));
});

// ---------------------------------------------------------------------------------------
// Forms, one at a time

const cal = (text: string): { file: string; text: string } => ({ file: "script/uid___A002_X1_X2.ms.scriptForCalibration.py", text });

test("the CASA 5 generator's preamble is not a bound; its casaVersion assert is", () => {
  const text = [
    "try:",
    "    import casalith",
    "    casaVersion = casalith.version_string()",
    "except:",
    "    import casadef",
    "    if casadef.casa_version >= '5.0.0':",
    "        import casa as mycasa",
    "    else:",
    "        casaVersion = casadef.casa_version",
    "",
    "if re.search('^5.0.0', casaVersion) == None:",
    " sys.exit('ERROR: PLEASE USE THE SAME VERSION OF CASA THAT YOU USED FOR GENERATING THE SCRIPT: 5.0.0')",
  ].join("\n");
  const r = discoverCasaVersion({ projectCode: "2016.1.00321.S", files: [cal(text)] });
  const fromScript = r.evidence.filter((e) => e.source !== EvidenceSource.Cycle);
  assert.deepEqual(
    fromScript.map((e) => [e.line, e.casaVersion, e.bound]),
    [[11, "5.0.0", undefined]],
  );
});

test("or-ed versions and lower bounds in imaging scripts are recorded and never decide", () => {
  const r = discoverCasaVersion({
    projectCode: "2015.1.00333.S",
    files: [
      cal("if re.search('^4.3.1', casadef.casa_version) == None:\n sys.exit('ERROR: ...')"),
      {
        file: "script/scriptForImaging.py",
        text:
          "if (re.search('4.2', casadef.casa_version) or re.search('4.4', casadef.casa_version)) == None:\n sys.exit('ERROR: 4.2 or 4.4')\n" +
          "if casadef.casa_version < '4.4.0':\n sys.exit('ERROR: too old')\n",
      },
    ],
  });
  assert.equal(r.requirement?.casaVersion, "4.3.1");
  const imaging = r.evidence.filter((e) => e.source === EvidenceSource.ImagingAssert);
  assert.deepEqual(imaging.map((e) => [e.line, e.anyOf, e.casaVersion, e.bound]), [
    [1, ["4.2", "4.4"], "4.2", undefined],
    [3, undefined, "4.4.0", "at-least"],
  ]);
});

test("a lower bound in a calibration script is a bound, and a requirement breaking it is noted", () => {
  const r = discoverCasaVersion({
    projectCode: "2015.1.00333.S",
    files: [cal("if re.search('^4.3.1', casadef.casa_version) == None:\n sys.exit('x')\nif casadef.casa_version < '4.4.0':\n sys.exit('too old')")],
  });
  assert.ok(r.evidence.some((e) => e.bound === "at-least" && e.casaVersion === "4.4.0"));
  assert.ok(r.notes.some((n) => n.includes("breaks the bound")));
});

test("prose versions: plain, dashed, and the CASA 4/5 build-number forms through the table", () => {
  assert.equal(versionFromText("4.2.2"), "4.2.2");
  assert.equal(versionFromText("5.4.0-70"), "5.4.0.70");
  assert.equal(versionFromText("6.2.1.7"), "6.2.1.7");
  assert.equal(versionFromText("4.2"), "4.2");
  // The five build numbers the notes give, and one the table does not know.
  assert.equal(versionFromText("4.7.39732"), "4.7.2");
  assert.equal(versionFromText("5.6.42831"), "5.6.1");
  assert.equal(versionFromText("5.4.42866"), "5.4.0");
  assert.equal(versionFromText("4.2.30986"), "4.2.2");
  assert.equal(versionFromText("4.3.32491"), "4.3.1");
  assert.equal(versionFromText("4.5.35000"), undefined);
  assert.equal(Object.keys(BUILD_NUMBERS).length, 5);
});

test("files are classified by name and folder", () => {
  assert.equal(roleOfFile("m/script/uid___A002_X1_X2.ms.scriptForCalibration.py"), FileRole.CalibrationScript);
  assert.equal(roleOfFile("m/script/uid___A002_X1_X2.scriptForCalibration.py"), FileRole.CalibrationScript);
  assert.equal(roleOfFile("m/script/scriptForFluxCalibration.py"), FileRole.FluxCalibrationScript);
  assert.equal(roleOfFile("m/script/scriptForImagingPrep.py"), FileRole.ImagingScript);
  assert.equal(roleOfFile("m/script/member.uid___A001_X1_X3.hifa_calimage.casa_piperestorescript.py"), FileRole.RestoreScript);
  assert.equal(roleOfFile("m/calibration/uid___A001_X1_X3.calimage.pipeline_manifest.xml"), FileRole.PipelineManifest);
  assert.equal(roleOfFile("m/script/member.uid___A001_X1_X3.scriptForPI.py"), FileRole.ScriptForPI);
  assert.equal(roleOfFile("p/README.txt"), FileRole.Readme);
  assert.equal(roleOfFile("m/qa/uid___A001_X1_X3__qa2_report.txt"), FileRole.QaReport);
});

test("a project code that is not one gives no cycle, and says so", () => {
  const r = discoverCasaVersion({ projectCode: "my-copy", files: [cal("applycal(vis='x.ms')")] });
  assert.equal(r.requirement, undefined);
  assert.ok(r.notes.some((n) => n.includes("not a project code")));
});

// ---------------------------------------------------------------------------------------
// Delivery trees under test/fixtures/deliveries, read as the CLI reads them. Each expected
// value was written from the fixture's own text (the line quoted in the comment).

interface Expected {
  readonly kind: "manual" | "pipeline" | "none";
  readonly casa?: string;
  readonly confidence?: Confidence;
  readonly decidedBy?: EvidenceSource;
  readonly pipeline?: string;
  readonly perEb?: Readonly<Record<string, string>>;
}

const CASES: Readonly<Record<string, Expected>> = {
  // re.search('^4.2.2', casadef.casa_version) ... sys.exit
  "c4-casadef": { kind: "manual", casa: "4.2.2", confidence: "high", decidedBy: "calibration-assert" },
  // re.search('^4.1', casadef.casa_version)
  "c4-two-part-prefix": { kind: "manual", casa: "4.1", confidence: "high", decidedBy: "calibration-assert" },
  // re.search('^5.1.1', '.'.join([str(i) for i in cu.version().tolist()[:-1]]))
  "c5-cu-version": { kind: "manual", casa: "5.1.1", confidence: "high", decidedBy: "calibration-assert" },
  // re.search('^5.0.0', casaVersion), after the generator's preamble
  "c5-casaversion-variable": { kind: "manual", casa: "5.0.0", confidence: "high", decidedBy: "calibration-assert" },
  // re.search('^6.1.1', '.'.join([str(i) for i in casalith.version()[:-1]]))
  "c6-casalith-version": { kind: "manual", casa: "6.1.1", confidence: "high", decidedBy: "calibration-assert" },
  // re.search(r'^6\.4\.1', casalith.version_string())
  "c6-version-string": { kind: "manual", casa: "6.4.1", confidence: "high", decidedBy: "calibration-assert" },
  // CASAVER = '4.6.0'; re.search('^%s'%CASAVER, casadef.casa_version)
  "casaver-variable": { kind: "manual", casa: "4.6.0", confidence: "high", decidedBy: "calibration-assert" },
  // calibration: '^4.3.1'; imaging: '4.2' or '4.4' or '4.5'
  "imaging-ored": { kind: "manual", casa: "4.3.1", confidence: "high", decidedBy: "calibration-assert" },
  // imaging: casadef.casa_version < '4.4.0'; README: "CASA version 4.5.0"
  "imaging-lower-bound": { kind: "manual", casa: "4.5.0", confidence: "medium", decidedBy: "readme" },
  // #if re.search('^4.3.0', casadef.casa_version) == None:
  "commented-assert": { kind: "manual", casa: "4.3.0", confidence: "medium", decidedBy: "calibration-assert-disabled" },
  // if re.search('^4.5.3', ...) == None: print('WARNING: ...')
  "warning-assert": { kind: "manual", casa: "4.5.3", confidence: "medium", decidedBy: "calibration-assert-disabled" },
  // <casaversion name="6.2.1-7"/> <pipeline_version name="2021.2.0.128"/>
  "manifest-dash": { kind: "pipeline", casa: "6.2.1.7", confidence: "high", decidedBy: "pipeline-manifest", pipeline: "2021.2.0.128" },
  // <casaversion name="6.4.1.12"/> <pipeline_version name="2022.2.0.64"/>
  "manifest-dot": { kind: "pipeline", casa: "6.4.1.12", confidence: "high", decidedBy: "pipeline-manifest", pipeline: "2022.2.0.64" },
  // manifest "6.5.4-9", README "CASA 6.5.4.9": the same version
  "manifest-and-readme-spellings": { kind: "pipeline", casa: "6.5.4.9", confidence: "high", decidedBy: "pipeline-manifest", pipeline: "2023.1.0.124" },
  // 2017 project (Cycle 5), manifest <casaversion name="5.4.0-70"/> (Cycle 6's CASA)
  "cycle-version-disagree": { kind: "pipeline", casa: "5.4.0.70", confidence: "high", decidedBy: "pipeline-manifest", pipeline: "42254M (Pipeline-CASA54-P1-B)" },
  // hifa_restoredata only; 2019 project: Cycle 7, 6.1.1.15 / 2020.1.0.40
  "restore-script-only": { kind: "pipeline", casa: "6.1.1.15", confidence: "low", decidedBy: "cycle", pipeline: "2020.1.0.40" },
  // hif_restoredata; scriptForFluxCalibration.py: re.search('^4.2.2', casadef.casa_version)
  "cycle2-hif-restoredata": { kind: "pipeline", casa: "4.2.2", confidence: "high", decidedBy: "calibration-assert" },
  // README above the science goal: "run with CASA version 4.2.2"
  "readme-version": { kind: "manual", casa: "4.2.2", confidence: "medium", decidedBy: "readme" },
  // QA2 report: "CASA Version 4.7.39732"
  "qa2-build-number": { kind: "manual", casa: "4.7.2", confidence: "medium", decidedBy: "qa-report" },
  // README.md: "CASA 5.4.0-70"
  "readme-casa-dash": { kind: "manual", casa: "5.4.0.70", confidence: "medium", decidedBy: "readme" },
  // qa/ report (SEMIPASS) and scriptForPI.py only
  "qa-only-shell": { kind: "none" },
  // EB X4b44 asserts '^4.7.0', EB Xb3 asserts '^4.7.2'
  "per-eb-versions": {
    kind: "manual",
    casa: "4.7.0",
    confidence: "medium",
    decidedBy: "calibration-assert",
    perEb: { uid___A002_X8440e0_X4b44: "4.7.0", uid___A002_X85b7b2_Xb3: "4.7.2" },
  },
  // no version anywhere; 2016 project: Cycle 4, 4.7.2
  "cycle-only": { kind: "manual", casa: "4.7.2", confidence: "low", decidedBy: "cycle" },
};

for (const [name, want] of Object.entries(CASES)) {
  test(`fixture ${name}: ${want.casa ?? "nothing to restore"}`, async () => {
    const { discovery } = await discoverDeliveryVersion(join(FIXTURES, name));
    assert.equal(discovery.calibrationKind, want.kind);
    const req = discovery.requirement;
    if (want.casa === undefined) {
      assert.equal(req, undefined);
      return;
    }
    assert.equal(req?.casaVersion, want.casa);
    assert.equal(req.confidence, want.confidence);
    assert.equal(req.decidedBy, want.decidedBy);
    assert.equal(req.pipelineVersion, want.pipeline);
    assert.equal(req.needsPipeline, want.kind === "pipeline");
    assert.ok(req.evidence.length > 0);
    if (want.perEb !== undefined) {
      assert.deepEqual(Object.fromEntries((req.perExecBlock ?? []).map((p) => [p.execBlock, p.casaVersion])), want.perEb);
    }
  });
}

test("fixture evidence points at the line that says it", async () => {
  const { discovery } = await discoverDeliveryVersion(join(FIXTURES, "qa2-build-number"));
  const e = discovery.requirement?.evidence[0];
  assert.match(e?.file ?? "", /qa\/uid___A001_X1_X3__qa2_report\.txt$/);
  assert.equal(e?.line, 4);
  assert.equal(e?.text, "Reduction done with CASA Version 4.7.39732 (r39732) by the ARC.");
});

test("a QA-only shell is nothing to restore, though its report names a version", async () => {
  const { discovery } = await discoverDeliveryVersion(join(FIXTURES, "qa-only-shell"));
  assert.ok(discovery.evidence.some((e) => e.source === EvidenceSource.QaReport && e.casaVersion === "4.7.2"));
  assert.ok(discovery.notes.some((n) => n.startsWith("nothing to restore")));
});

test("Cycle 5 data processed with a Cycle 6 CASA is noted", async () => {
  const { discovery } = await discoverDeliveryVersion(join(FIXTURES, "cycle-version-disagree"));
  assert.ok(discovery.notes.some((n) => n.includes("Cycle 5") && n.includes("5.4.0.70") && n.includes("5.4.0.68")));
});

// ---------------------------------------------------------------------------------------
// Choosing a runtime

function runtime(casaVersion: string, hasPipeline = false): CasaRuntime {
  return { id: `casa-${casaVersion}${hasPipeline ? "-pipeline" : ""}`, kind: "monolithic", casaVersion, path: `/opt/casa/${casaVersion}`, hasPipeline, canRunCasashell: true };
}

test("an installed runtime satisfying the requirement is exact", () => {
  const c = chooseRuntimeFor({ casaVersion: "4.2.2" }, [runtime("4.2.2"), runtime("6.5.4.9", true)]);
  assert.equal(c.kind, "exact");
  assert.equal(c.kind === "exact" && c.runtime.casaVersion, "4.2.2");
});

test("the table's substitutions give a compatible runtime, with the reason", () => {
  const installed = [runtime("4.2.2", true), runtime("4.7.0"), runtime("4.7.2"), runtime("5.4.0.70"), runtime("6.5.4.9", true)];
  const cases: [string, boolean, string][] = [
    ["4.2.1", false, "4.2.2"],
    ["4.6.0", false, "4.7.0"],
    ["4.7.0.1", false, "4.7.2"], // 4.7.0 installed, but not build 1
    ["4.7.1", false, "4.7.2"],
    ["5.4.0.68", false, "5.4.0.70"],
    ["6.2.1.7", true, "6.5.4.9"],
  ];
  for (const [wanted, needsPipeline, got] of cases) {
    const c = chooseRuntimeFor({ casaVersion: wanted, needsPipeline }, installed);
    assert.equal(c.kind, "compatible", wanted);
    if (c.kind !== "compatible") continue;
    assert.equal(c.runtime.casaVersion, got, wanted);
    assert.equal(c.substitution, substitutionFor(wanted));
    assert.ok(c.reason.includes(c.substitution.reason));
  }
});

test("pipeline requirements skip runtimes without the pipeline", () => {
  const c = chooseRuntimeFor({ casaVersion: "6.5.4", needsPipeline: true }, [runtime("6.5.4.9", false)]);
  assert.equal(c.kind, "casa-version-unavailable");
  assert.equal(c.kind === "casa-version-unavailable" && c.withPipeline, true);
});

test("with nothing suitable the answer names the CASA to install", () => {
  const none = chooseRuntimeFor({ casaVersion: "5.1.1" }, [runtime("6.5.4.9", true)]);
  assert.equal(none.kind, "casa-version-unavailable");
  assert.equal(none.kind === "casa-version-unavailable" && none.install, "5.1.1");
  assert.match(none.reason, /^casa-version-unavailable: /);
  const substituted = chooseRuntimeFor({ casaVersion: "5.4.0.68" }, []);
  assert.equal(substituted.kind === "casa-version-unavailable" && substituted.install, "5.4.0.70");
  const six = chooseRuntimeFor({ casaVersion: "6.4.1.12", needsPipeline: true }, []);
  assert.deepEqual(six.kind === "casa-version-unavailable" && [six.install, six.withPipeline], ["6.5.4.9", true]);
  // 6.1 itself is not "newer than 6.1".
  assert.equal(substitutionFor("6.1.1.15"), undefined);
});
