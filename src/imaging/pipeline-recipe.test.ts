import { test } from "node:test";
import assert from "node:assert/strict";
import { pipelineCommand, writePipelineScript } from "./pipeline-recipe.js";

test("the casa --pipeline script runs the hifatargets stages in order between h_init and h_save", () => {
  const text = writePipelineScript({ vis: ["uid___A002_X1_X2.ms", "uid___A002_X1_X3.ms"], proposalCode: "2024.1.00042.S" });
  const calls = text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => /^(h_|hif)/.test(l) || l.startsWith("context = h_init"))
    .map((l) => l.replace(/^context = /, ""));
  assert.deepEqual(calls, [
    "h_init()",
    "hifa_importdata(vis=['uid___A002_X1_X2.ms', 'uid___A002_X1_X3.ms'], session=['session_1', 'session_1'])",
    "hif_mstransform()",
    "hifa_flagtargets()",
    "hif_makeimlist(specmode='mfs')",
    "hif_findcont()",
    "hif_uvcontsub()",
    "hif_makeimages()",
    "hif_makeimlist(specmode='cont')",
    "hif_makeimages()",
    "hif_makeimlist(specmode='cube')",
    "hif_makeimages()",
    "hifa_exportdata()",
    "h_save()",
  ]);
  assert.match(text, /context\.set_state\('ProjectSummary', 'proposal_code', '2024\.1\.00042\.S'\)/);
  // h_save runs even when a stage raises, so the weblog and context survive a failure.
  assert.match(text, /finally:\n {4}h_save\(\)/);
});

test("sessions must match the MSs", () => {
  assert.throws(() => writePipelineScript({ vis: ["a.ms"], sessions: ["s1", "s2"] }), RangeError);
});

test("the command line is casa --pipeline with no GUI and an explicit log", () => {
  assert.deepEqual(pipelineCommand("/opt/casa-6.5.4-9-pipeline-2023.1.0.124", "/w/pipe.py", "/w/casa.log"), [
    "/opt/casa-6.5.4-9-pipeline-2023.1.0.124/bin/casa",
    "--pipeline",
    "--nogui",
    "--nologger",
    "--agg",
    "--logfile",
    "/w/casa.log",
    "-c",
    "/w/pipe.py",
  ]);
});
