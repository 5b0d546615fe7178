import { test } from "node:test";
import assert from "node:assert/strict";
import { FixStage, KNOWN_FIXES, beforeRestoreFixes } from "./registry.js";

// Lines as Cycle 1-3 calibration scripts have them (see ALMA-CASA-NOTES: "Calibration scripts
// of that era call known fixes themselves").
const cycle2Script = {
  file: "script/uid___A002_X8fd70d_X188b.ms.scriptForCalibration.py",
  text: [
    "if os.path.exists('uid___A002_X8fd70d_X188b.ms') == False:",
    "    importasdm('uid___A002_X8fd70d_X188b', asis='Antenna Station Receiver Source CalAtmosphere CalWVR')",
    "  if applyonly != True: es.fixForCSV2555('uid___A002_X8fd70d_X188b.ms')",
    "  from recipes.almahelpers import fixsyscaltimes",
    "  fixsyscaltimes(vis = 'uid___A002_X8fd70d_X188b.ms')",
  ].join("\n"),
};

test("every fix in the registry says what it repairs, when, what it does and where it comes from", () => {
  const ids = new Set<string>();
  for (const f of KNOWN_FIXES) {
    assert.ok(!ids.has(f.id), `${f.id} is unique`);
    ids.add(f.id);
    assert.ok(Object.values(FixStage).includes(f.stage));
    for (const text of [f.repairs, f.when, f.action, f.reference]) assert.ok(text.length > 10, `${f.id} is described`);
  }
});

test("an old calibration script in modular CASA needs almahelpers and the es helpers, with the lines that say so", () => {
  const fixes = beforeRestoreFixes([cycle2Script], { kind: "modular" });
  assert.deepEqual(
    fixes.map((f) => [f.id, f.line]),
    [
      ["supply-almahelpers", 4],
      ["supply-es-helpers", 3],
    ],
  );
  assert.equal(fixes[1]!.text, "if applyonly != True: es.fixForCSV2555('uid___A002_X8fd70d_X188b.ms')");
});

test("a monolithic CASA 4 has recipes.almahelpers itself, but never es", () => {
  assert.deepEqual(
    beforeRestoreFixes([cycle2Script], { kind: "monolithic" }).map((f) => f.id),
    ["supply-es-helpers"],
  );
});

test("commented-out calls and scripts that define es themselves need nothing", () => {
  const commented = { file: "a.py", text: "# es.fixForCSV2555('x.ms')\n#from recipes.almahelpers import fixsyscaltimes\n" };
  const ownEs = { file: "b.py", text: "import analysisUtils as aU\nes = aU.stuffForScienceDataReduction()\nes.fixForCSV2555('x.ms')\n" };
  assert.deepEqual(beforeRestoreFixes([commented, ownEs], { kind: "modular" }), []);
});

test("CASA 6 scripts asserting with casalith need the casalith shim only in modular CASA", () => {
  const casa6 = { file: "c.py", text: "import casalith\nif re.search('^6.5', casalith.version_string()) == None:\n" };
  assert.deepEqual(beforeRestoreFixes([casa6], { kind: "modular" }).map((f) => [f.id, f.line]), [["modular-casalith", 1]]);
  assert.deepEqual(beforeRestoreFixes([casa6], { kind: "monolithic" }), []);
});
