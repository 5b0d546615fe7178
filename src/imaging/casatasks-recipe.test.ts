import { test } from "node:test";
import assert from "node:assert/strict";
import { msMetadata, spw, targetField } from "./fixtures.js";
import { py, writeCasatasksScript } from "./casatasks-recipe.js";
import { planImaging } from "./plan.js";

const MOUS = "uid://A001/X3001/X16";

function script(...args: Parameters<typeof planImaging>): string {
  const p = planImaging(...args);
  assert.equal(p.kind, "imaging-plan");
  return writeCasatasksScript(p, { libDir: "/opt/reimage/casa-scripts" });
}

/** The CASA calls of a script: lines that call a task, without the stage bookkeeping. */
function taskLines(text: string, task: string): string[] {
  return text.split("\n").map((l) => l.trim()).filter((l) => l.startsWith(`${task}(`) || l.startsWith(`result = ${task}(`));
}

test("a 3-field mosaic gets gridder='mosaic' in every tclean", () => {
  const fields = [targetField(0, "SimMosaic", -25), targetField(1, "SimMosaic"), targetField(2, "SimMosaic", 25)];
  const text = script(MOUS, [msMetadata({ fields })]);
  const tcleans = taskLines(text, "tclean");
  assert.ok(tcleans.length >= 7);
  for (const line of tcleans) {
    assert.match(line, /gridder='mosaic'/);
    assert.match(line, /mosweight=True/);
    assert.match(line, /field='SimMosaic'/);
  }
});

test("the script spells out every stage of the recipe", () => {
  const text = script(MOUS, [msMetadata()]);
  const [split] = taskLines(text, "mstransform");
  assert.equal(
    split,
    "mstransform(vis='/data/calibrated/uid___A002_Xb10001_X1a2.ms.split.cal', outputvis='uid___A002_Xb10001_X1a2_targets.ms', " +
      "intent='OBSERVE_TARGET#ON_SOURCE', spw='0,1', datacolumn='data', reindex=False)",
  );
  const flags = taskLines(text, "flagdata");
  assert.ok(flags.some((l) => l.includes("autocorr=True")));
  assert.ok(flags.some((l) => l.includes("mode='shadow'")));
  const [contsub] = taskLines(text, "uvcontsub");
  assert.match(contsub ?? "", /fitspec=recipe\.continuum_selection\(CONT_DAT, 'uid___A002_Xb10001_X1a2_targets\.ms', \['SimTarget'\], \[0, 1\]\)/);
  assert.match(contsub ?? "", /fitorder=1[,)]/);
  const tcleans = taskLines(text, "tclean");
  const findcont = tcleans.filter((l) => l.includes(".findcont'"));
  assert.equal(findcont.length, 2);
  for (const l of findcont) assert.match(l, /specmode='cube'.*robust=1\.0.*niter=0/);
  const cubes = tcleans.filter((l) => l.includes(".cube.I.iter1'"));
  assert.equal(cubes.length, 2);
  for (const l of cubes) {
    assert.match(l, /weighting='briggsbwtaper'/);
    assert.match(l, /perchanweightdensity=True/);
    assert.match(l, /restoringbeam='common'/);
    assert.match(l, /usemask='auto-multithresh'/);
    assert.match(l, /sidelobethreshold=2\.0, noisethreshold=4\.25, lownoisethreshold=1\.5/);
    assert.match(l, /minbeamfrac=0\.3/);
    assert.match(l, /outframe='LSRK'/);
    assert.match(l, /pbcor=True/);
  }
  // Continuum images read their channels from cont.dat at run time.
  const cont = tcleans.find((l) => l.includes(".spw0_1.cont.I.iter1'"));
  assert.match(cont ?? "", /spw=\[recipe\.continuum_selection\(CONT_DAT, 'uid___A002_Xb10001_X1a2_targets\.ms', \['SimTarget'\], \[0, 1\]\)\]/);
  assert.match(cont ?? "", /deconvolver='hogbom'/);
  assert.match(text, /recipe\.find_continuum\('SimTarget', 0, 'member\.uid___A001_X3001_X16\.SimTarget_sci\.spw0\.mfs\.I\.findcont', pb_level=0\.5, nsigma=3\.5\)/);
  assert.match(text, /recipe\.write_cont_dat\(CONT_DAT\)/);
  const exports = taskLines(text, "exportfits");
  assert.ok(exports.some((l) => l.includes("fitsimage='products/member.uid___A001_X3001_X16.SimTarget_sci.spw0.cube.I.pbcor.fits'")));
  assert.ok(exports.every((l) => l.includes("overwrite=True")));
  assert.match(text, /^# --- hifa_exportdata/m);
  assert.match(text, /^recipe\.finish\(\)$/m);
  assert.match(text, /^sys\.path\.insert\(0, '\/opt\/reimage\/casa-scripts'\)$/m);
  assert.doesNotMatch(text, /undefined|NaN|Infinity|\[object Object\]/);
});

test("numbers keep their Python types: integers for CASA integer parameters, floats elsewhere", () => {
  const text = script(MOUS, [msMetadata()]);
  const [first] = taskLines(text, "tclean");
  assert.match(first ?? "", /imsize=\[144, 144\]/);
  assert.match(first ?? "", /nchan=-1/);
  assert.match(first ?? "", /pblimit=0\.2/);
  const mfs = taskLines(text, "result = tclean")[0] ?? taskLines(text, "tclean").find((l) => l.includes(".mfs.I.iter1'"));
  assert.match(mfs ?? "", /negativethreshold=0\.0/);
  assert.match(mfs ?? "", /growiterations=75/);
});

test("a wide band writes mtmfs with two terms for the aggregate continuum", () => {
  const text = script(MOUS, [msMetadata({ scienceSpws: [spw(0, 90, 128), spw(1, 110, 128)] })]);
  const cont = taskLines(text, "tclean").find((l) => l.includes(".spw0_1.cont.I.iter1'"));
  assert.match(cont ?? "", /deconvolver='mtmfs', nterms=2/);
  assert.match(text, /'almaName': 'member\.uid___A001_X3001_X16\.SimTarget_sci\.spw0_1\.cont\.I\.tt0\.pbcor\.fits'/);
});

test("Python string literals are escaped", () => {
  assert.equal(py("it's"), "'it\\'s'");
  assert.equal(py("a\\b"), "'a\\\\b'");
  assert.equal(py("two\nlines"), "'two\\nlines'");
});
