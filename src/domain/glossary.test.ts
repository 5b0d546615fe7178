import { test } from "node:test";
import assert from "node:assert/strict";
import { cycleOfProject, parseUid } from "./glossary.js";

test("an ALMA uid is understood in both its archive and its file-name spelling", () => {
  const fromArchive = parseUid("uid://A001/X122/X1f3");
  const fromFileName = parseUid("uid___A001_X122_X1f3");
  assert.deepEqual(fromArchive, fromFileName);
  assert.equal(fromArchive?.fileId, "uid___A001_X122_X1f3");
  assert.equal(parseUid("A001/X122/X1f3"), undefined);
});

test("the cycle comes from the project code's year, with no cycle for 2014 or 2020", () => {
  assert.equal(cycleOfProject("2011.0.00001.S"), 0);
  assert.equal(cycleOfProject("2013.1.00123.S"), 2);
  assert.equal(cycleOfProject("2019.1.01234.L"), 7);
  assert.equal(cycleOfProject("2021.1.00001.S"), 8);
  assert.equal(cycleOfProject("2014.1.00001.S"), undefined);
  assert.equal(cycleOfProject("not a project"), undefined);
});
