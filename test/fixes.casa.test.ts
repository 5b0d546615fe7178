/**
 * Known fixes with real CASA. A demo delivery's calibration script is edited into the form
 * Cycle 1-5 scripts have (it calls `es.fixForCSV2555` and imports `fixsyscaltimes` from
 * `recipes.almahelpers`, neither of which modular CASA has); the restore must supply both
 * and record it. The restored MS is then given the CSV-2555 defect (a SOURCE name that is
 * not its field's), and the fix step must find and repair it, and say so.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureDemoArchive, type DemoArchive, type DemoMous } from "../src/archive/demo-archive.js";
import { LocalMirrorSource } from "../src/archive/sources.js";
import { runCampaign, type StepRunner } from "../src/campaign/engine.js";
import { fetchStep } from "../src/campaign/steps/fetch.js";
import { fixStep } from "../src/campaign/steps/fix.js";
import { restoreStep } from "../src/campaign/steps/restore.js";
import { casaEnvironment, envPython } from "../src/casa/modular-env.js";
import { runQuiet } from "../src/casa/quiet-process.js";
import { scanRuntimes } from "../src/casa/runtimes.js";
import { loadConfig } from "../src/config.js";
import { StepName } from "../src/domain/campaign.js";
import { LocalExecutor } from "../src/executors/local.js";
import { openSqliteStore } from "../src/store/open.js";

const config = loadConfig();
const work = mkdtempSync(join(tmpdir(), "reimage-fixes-"));
let archive: DemoArchive;
let mous: DemoMous;

before(async () => {
  archive = await ensureDemoArchive(join(work, "archive"), config.casa.modularEnvDir);
  // The smallest delivery is enough: the fixes act on any MS.
  const size = (m: DemoMous) => m.tars.reduce((s, t) => s + statSync(t).size, 0);
  mous = [...archive.mouses].sort((a, b) => size(a) - size(b))[0]!;
});
after(() => rmSync(work, { recursive: true, force: true }));

async function casaPython(code: string): Promise<string> {
  const script = join(work, `snippet-${Date.now()}.py`);
  writeFileSync(script, code);
  return runQuiet(envPython(config.casa.modularEnvDir), [script], { env: casaEnvironment(config.casa.modularEnvDir), what: "a CASA table snippet" });
}

const namesOf = (ms: string) => `
import json, casatools
tb = casatools.table()
tb.open(${JSON.stringify(ms)} + "/FIELD"); f = dict(zip([int(s) for s in tb.getcol("SOURCE_ID")], [str(n) for n in tb.getcol("NAME")])); tb.close()
tb.open(${JSON.stringify(ms)} + "/SOURCE"); s = list(zip([int(i) for i in tb.getcol("SOURCE_ID")], [str(n) for n in tb.getcol("NAME")])); tb.close()
print(json.dumps({"field": f, "source": s}))
`;

test("helpers old calibration scripts call are supplied and recorded; CSV-2555 names are found and repaired", async () => {
  // A mirror holding only this MOUS's delivery tree, its calibration script in the old form.
  const mirror = join(work, "mirror");
  cpSync(join(archive.dir, mous.memberDir), join(mirror, mous.memberDir.replace(/^mirror\//, "")), { recursive: true });
  const scriptDir = join(mirror, mous.memberDir.replace(/^mirror\//, ""), "script");
  const calScript = readdirSync(scriptDir).find((n) => n.endsWith(".scriptForCalibration.py"))!;
  const original = readFileSync(join(scriptDir, calScript), "utf8");
  const importLine = original.split("\n").find((l) => /^\s*importasdm\(/.test(l))!;
  const indent = /^\s*/.exec(importLine)![0];
  const edited = original.replace(
    importLine,
    [importLine, `${indent}es.fixForCSV2555(ms)`, `${indent}from recipes.almahelpers import fixsyscaltimes`, `${indent}fixsyscaltimes(vis=ms)`].join("\n"),
  );
  assert.notEqual(edited, original);
  writeFileSync(join(scriptDir, calScript), edited);

  const store = await openSqliteStore(join(work, "fixes.sqlite"));
  try {
    await store.createCampaign(
      { id: "fixes", name: "fixes", recipe: "restore-only", archive: mirror, options: {} },
      [{ mousUid: mous.mousUid, projectCode: mous.projectCode }],
      [StepName.Fetch, StepName.Restore, StepName.Fix],
    );
    const { runtimes } = await scanRuntimes(config.casa);
    const executor = new LocalExecutor();
    const realFix = fixStep({ runtimes, executor });
    let corrupted: { ms: string; wrongName: string } | undefined;
    const notUsed: StepRunner = () => Promise.reject(new Error("not part of this campaign"));
    const summary = await runCampaign({
      store,
      campaignId: "fixes",
      campaignDir: join(work, "campaign"),
      maxParallel: 1,
      memoryBudgetBytes: 8 * 1024 ** 3,
      predictMemoryBytes: () => 1,
      steps: {
        fetch: fetchStep(new LocalMirrorSource(mirror)),
        restore: restoreStep({ runtimes, executor }),
        // Between restore and fix, the restored MS gets the defect.
        fix: async (ctx) => {
          const ms = (ctx.step.inputs.restore?.measurementSets as string[])[0]!;
          await casaPython(`
import casatools
tb = casatools.table()
tb.open(${JSON.stringify(ms)} + "/SOURCE", nomodify=False)
tb.putcell("NAME", 0, "WRONG_NAME")
tb.close()
`);
          corrupted = { ms, wrongName: "WRONG_NAME" };
          return realFix(ctx);
        },
        image: notUsed,
        products: notUsed,
        analyse: notUsed,
      },
    });
    assert.equal(summary.state, "finished");
    const report = await store.report("fixes");
    const m = report.mouses[0]!;
    assert.equal(m.state, "succeeded", JSON.stringify(m.errors));

    const restore = m.steps.find((s) => s.name === "restore")!;
    const outputs = restore.outputs as { fixesApplied: { id: string; file: string; line: number }[]; fixRecords: { fix: string; repaired: number }[] };
    const ids = outputs.fixesApplied.map((f) => f.id).sort();
    assert.deepEqual(ids, ["modular-casalith", "supply-almahelpers", "supply-es-helpers"]);
    // es.fixForCSV2555 ran inside the calibration script, on the freshly imported MS.
    assert.equal(outputs.fixRecords.length, 1);
    assert.equal(outputs.fixRecords[0]!.fix, "csv2555-source-names");

    assert.ok(corrupted);
    const fix = m.steps.find((s) => s.name === "fix")!;
    const fixOut = fix.outputs as { checked: string[]; applied: { id: string; ms: string; changed: string }[] };
    assert.deepEqual(fixOut.checked, ["csv2555-source-names"]);
    assert.equal(fixOut.applied.length, 1);
    assert.equal(fixOut.applied[0]!.ms, corrupted.ms);
    assert.match(fixOut.applied[0]!.changed, /WRONG_NAME/);

    // After the fix, every source's name is its field's, read back from the MS itself.
    const names = JSON.parse((await casaPython(namesOf(corrupted.ms))).trim().split("\n").at(-1)!) as { field: Record<string, string>; source: [number, string][] };
    for (const [id, name] of names.source) {
      if (names.field[String(id)] !== undefined) assert.equal(name, names.field[String(id)], `source ${id}`);
    }
    assert.ok(!names.source.some(([, n]) => n === "WRONG_NAME"));
  } finally {
    await store.close();
  }
});
