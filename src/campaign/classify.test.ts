import { test } from "node:test";
import assert from "node:assert/strict";
import { classifyFailure, toLogLines } from "./classify.js";

// Lines as CASA 6.7.0 wrote them on this machine.
const LEAP_SECOND = [
  "2026-11-25 05:44:25\tSEVERE\timportasdm::MeasTable::dUTC(Double) (file /source/casa6/casatools/casacore/measures/Measures/MeasTable.cc, line 4290)\tLeap second table TAI_UTC seems out-of-date.",
  "2026-11-25 05:44:25\tSEVERE\timportasdm::MeasTable::dUTC(Double) (file /source/casa6/casatools/casacore/measures/Measures/MeasTable.cc, line 4290)+\tUntil the table is updated (see the CASA documentation or your system admin),",
].join("\n");

test("the leap-second SEVERE lines every CASA log carries today never make a failure class", () => {
  const f = classifyFailure({ exitCode: 1, signal: null, lines: toLogLines("casa.log", LEAP_SECOND) });
  assert.equal(f.errorClass, "unknown");
  assert.equal(f.evidenceLine, undefined);
});

test("an empty selection is named by CASA's own line, and the earliest such line is the evidence", () => {
  const log = [
    LEAP_SECOND,
    "2026-11-25 06:01:02\tSEVERE\tmstransform::::casa\tTask mstransform raised an exception of class RuntimeError with the following message: MSSelectionNullSelection : The selected table has zero rows.",
    "2026-11-25 06:01:03\tSEVERE\ttclean::::casa\tTask tclean raised an exception of class RuntimeError with the following message: Data selection ended with 0 rows",
  ].join("\n");
  const f = classifyFailure({ exitCode: 1, signal: null, lines: toLogLines("image.casa.log", log) });
  assert.equal(f.errorClass, "empty-selection");
  assert.match(f.evidenceLine ?? "", /mstransform.*MSSelectionNullSelection/);
  assert.equal(f.evidenceFile, "image.casa.log");
});

test("scriptForPI's own ERROR lines decide version and missing-data failures", () => {
  const version = classifyFailure({
    exitCode: 1,
    signal: null,
    lines: toLogLines("stdout", "CASA exits with a non-zero status : ERROR: PLEASE USE THE SAME VERSION OF CASA THAT YOU USED FOR GENERATING THE SCRIPT: 4.2.2"),
  });
  assert.equal(version.errorClass, "casa-version");
  const missing = classifyFailure({ exitCode: 1, signal: null, lines: toLogLines("stdout", 'ERROR: No ASDM found in directory "raw".') });
  assert.equal(missing.errorClass, "missing-data");
  const disk = classifyFailure({ exitCode: 1, signal: null, lines: toLogLines("stdout", "ERROR: probably not enough free disk space. Needed: 3.1 GB") });
  assert.equal(disk.errorClass, "disk-full");
});

test("signals speak when no line does: SIGKILL is the OOM killer, SIGSEGV a crash", () => {
  assert.equal(classifyFailure({ exitCode: null, signal: "SIGKILL", lines: [] }).errorClass, "memory");
  assert.equal(classifyFailure({ exitCode: null, signal: "SIGSEGV", lines: [] }).errorClass, "crash");
  assert.equal(classifyFailure({ exitCode: 1, signal: null, timedOut: true, lines: [] }).errorClass, "time-limit");
});

test("a memory error line outranks the crash it causes", () => {
  const lines = toLogLines("stderr", "terminate called after throwing an instance of 'std::bad_alloc'\nAborted (core dumped)");
  const f = classifyFailure({ exitCode: 134, signal: null, lines });
  assert.equal(f.errorClass, "memory");
  assert.match(f.evidenceLine ?? "", /bad_alloc/);
});

test("an unexplained failure keeps the last problem line as evidence", () => {
  const log = "2026-11-25 05:44:27\tSEVERE\texportasdm::::casa\tTask exportasdm raised an exception of class RuntimeError with the following message: The sdm tool method fromms failed";
  const f = classifyFailure({ exitCode: 1, signal: null, lines: toLogLines("casa.log", log) });
  assert.equal(f.errorClass, "unknown");
  assert.match(f.evidenceLine ?? "", /fromms failed/);
});
