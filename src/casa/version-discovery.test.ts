import { test } from "node:test";
import assert from "node:assert/strict";
import { discoverFromCalibrationScripts, satisfiesPrefix } from "./version-discovery.js";

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
  assert.equal(
    discoverFromCalibrationScripts([
      { file: "a.py", text: "if re.search('^5.1.1', '.'.join([str(i) for i in cu.version().tolist()[:-1]])) == None:" },
    ])?.casaVersion,
    "5.1.1",
  );
  assert.equal(
    discoverFromCalibrationScripts([{ file: "b.py", text: "if re.search('^6\\.7', casalith.version_string()) == None:" }])?.casaVersion,
    "6.7",
  );
});

test("a commented-out assert, or none, gives no answer from the scripts", () => {
  assert.equal(discoverFromCalibrationScripts([{ file: "c.py", text: "# if re.search('^4.2.2', casadef.casa_version) == None:" }]), undefined);
  assert.equal(discoverFromCalibrationScripts([{ file: "d.py", text: "applycal(vis='x.ms')" }]), undefined);
});

test("a runtime satisfies an asserted prefix part by part, whatever the separator", () => {
  assert.ok(satisfiesPrefix("6.7.0.31", "6.7"));
  assert.ok(satisfiesPrefix("6.5.4-9", "6.5.4"));
  assert.ok(!satisfiesPrefix("6.7.0.31", "6.7.1"));
  assert.ok(!satisfiesPrefix("4.2.20", "4.2.2"));
});
