import { test } from "node:test";
import assert from "node:assert/strict";
import { ErrorClass, MousState, StepName, type ErrorClass as ErrorClassT, type MousState as MousStateT } from "../domain/campaign.js";
import type { CampaignReport, ErrorReport } from "../store/store.js";
import { outcomeChartSvg, outcomeColumns, outcomeTable } from "./outcome-table.js";

const error = (errorClass: ErrorClassT): ErrorReport => ({
  step: StepName.Image,
  attempt: 1,
  errorClass,
  message: errorClass,
  evidenceLine: null,
  evidenceFile: null,
  decision: null,
});
const mous = (id: number, category: string, state: MousStateT, errors: ErrorReport[] = []): CampaignReport["mouses"][number] => ({
  mousUid: `uid://A001/X1/X${id}`,
  projectCode: "2019.1.00001.S",
  sourceName: null,
  category,
  state,
  steps: [],
  products: [],
  errors,
});

// Six MOUSs in two categories: one recovered from a memory failure by a retry, two failed
// for good (memory after a first memory error; CASA version), one QA-only shell, one open.
const report = {
  campaign: { id: "c", name: "c" },
  counts: {},
  mouses: [
    mous(1, "C7 B3 12m single line small", MousState.Succeeded),
    mous(2, "C7 B3 12m single line small", MousState.Succeeded, [error(ErrorClass.Memory)]),
    mous(3, "C7 B3 12m single line small", MousState.Failed, [error(ErrorClass.Memory), error(ErrorClass.Memory)]),
    mous(4, "C4 B7 12m mosaic continuum medium", MousState.Failed, [error(ErrorClass.CasaVersion)]),
    mous(5, "C4 B7 12m mosaic continuum medium", MousState.NothingToProcess),
    mous(6, "C4 B7 12m mosaic continuum medium", MousState.Pending),
  ],
} as unknown as CampaignReport;

test("a failed MOUS counts once, under its last error; errors a retry got past count as recovered", () => {
  const t = outcomeTable(report);
  const small = t.rows.find((r) => r.category.startsWith("C7"))!;
  assert.deepEqual(
    { mouses: small.mouses, succeeded: small.succeeded, failed: small.failed, failedBy: small.failedBy, recoveredBy: small.recoveredBy },
    { mouses: 3, succeeded: 2, failed: 1, failedBy: { memory: 1 }, recoveredBy: { memory: 2 } },
  );
  const mosaic = t.rows.find((r) => r.category.startsWith("C4"))!;
  assert.deepEqual([mosaic.failed, mosaic.nothingToProcess, mosaic.open], [1, 1, 1]);
  assert.deepEqual([t.total.mouses, t.total.succeeded, t.total.failed], [6, 2, 2]);
  // Memory occurred three times, CASA version once: memory comes first.
  assert.deepEqual(t.classes, [ErrorClass.Memory, ErrorClass.CasaVersion]);
});

test("the table has a column per class that occurred and a total row", () => {
  const { headers, rows } = outcomeColumns(outcomeTable(report));
  assert.deepEqual(headers.slice(5, 7), ["failed memory", "failed casa-version"]);
  assert.equal(rows.at(-1)![0], "all");
  assert.equal(rows.length, 3);
});

test("the chart is one bar per category, with a segment per outcome and category names escaped", () => {
  const withMarkup = { ...report, mouses: [...report.mouses, mous(7, "<C9 & co>", MousState.Succeeded)] } as CampaignReport;
  const svg = outcomeChartSvg(outcomeTable(withMarkup), "t");
  assert.ok(svg.startsWith("<svg"));
  assert.ok(svg.includes("&lt;C9 &amp; co&gt;"));
  assert.ok(!svg.includes("<C9"));
  // Segments: C4 (failed casa-version, nothing, open), C7 (succeeded, failed memory), C9 (succeeded).
  assert.equal((svg.match(/<rect [^>]*><title>/g) ?? []).length, 6);
});
