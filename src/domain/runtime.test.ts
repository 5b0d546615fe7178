import { test } from "node:test";
import assert from "node:assert/strict";
import {
  compareCasaVersions,
  normaliseCasaVersion,
  parseCasaVersion,
  sameCasaRelease,
  type CasaVersion,
} from "./runtime.js";

const v = (text: string): CasaVersion => {
  const parsed = parseCasaVersion(text);
  assert.ok(parsed, `${text} should parse`);
  return parsed;
};

test("a version written with a dash before the build is the same as the dotted one", () => {
  assert.deepEqual(parseCasaVersion("6.2.1-7"), { major: 6, minor: 2, patch: 1, build: 7 });
  assert.equal(normaliseCasaVersion("6.2.1-7"), "6.2.1.7");
  assert.equal(normaliseCasaVersion("6.2.1.7"), "6.2.1.7");
  assert.equal(compareCasaVersions(v("6.2.1-7"), v("6.2.1.7")), 0);
});

test("a version without a build keeps none, and text that is no version parses to nothing", () => {
  assert.deepEqual(parseCasaVersion("4.7.2"), { major: 4, minor: 7, patch: 2 });
  assert.equal(normaliseCasaVersion(" 5.4.0-70 "), "5.4.0.70");
  for (const text of ["4.2", "", "casa-6.5.4-9", "6.5.4.9.1", "6.x.1", "5.4.0-70.el7"]) {
    assert.equal(parseCasaVersion(text), undefined, text);
  }
});

test("versions order by number, not by text, and a missing build sorts first", () => {
  const sorted = ["6.10.0.1", "6.5.4.9", "4.7.2", "6.5.4", "5.4.0-70", "6.5.4-10", "5.4.0.68"]
    .map(v)
    .sort(compareCasaVersions)
    .map((x) => `${x.major}.${x.minor}.${x.patch}${x.build === undefined ? "" : "." + x.build}`);
  assert.deepEqual(sorted, ["4.7.2", "5.4.0.68", "5.4.0.70", "6.5.4", "6.5.4.9", "6.5.4.10", "6.10.0.1"]);
});

test("the same release ignores the build, as CASA's own version asserts do", () => {
  assert.ok(sameCasaRelease(v("5.4.0-68"), v("5.4.0.70")));
  assert.ok(sameCasaRelease(v("4.7.2"), v("4.7.2-1")));
  assert.ok(!sameCasaRelease(v("6.5.4.9"), v("6.5.5.9")));
  assert.ok(!sameCasaRelease(v("6.1.1.15"), v("6.11.1.15")));
});
