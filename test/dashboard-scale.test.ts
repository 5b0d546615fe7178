/**
 * The MOUS list as a person uses it on a large campaign: 20,000 MOUSs in the store, sorted,
 * paged and filtered in Debian's Chromium. The store does the work (indexes, LIMIT/OFFSET),
 * so each page is one small query whatever the campaign's size.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqliteStore } from "../src/store/open.js";
import type { CampaignStore } from "../src/store/store.js";
import { startDashboard, type Dashboard } from "../src/web/server.js";
import { openBrowser, type BrowserSession } from "./browser/chromium.js";

const work = mkdtempSync(join(tmpdir(), "reimage-big-dashboard-"));
let big: CampaignStore;
let bigDashboard: Dashboard;
let session: BrowserSession;

const n = 20_000;
const mouses = Array.from({ length: n }, (_, i) => ({
  mousUid: `uid://A001/X${(1000 + ((i * 7919) % n)).toString(16)}/X${(i % 7) + 1}`,
  projectCode: `20${13 + (i % 11)}.1.${String(i % 997).padStart(5, "0")}.S`,
  sourceName: `source_${i}`,
  category: ["C7 B3 12m single", "C9 B6 12m mosaic", "C5 B7 7m single"][i % 3]!,
}));

before(async () => {
  big = await openSqliteStore(join(work, "big.sqlite"));
  await big.createCampaign({ id: "big", name: "Twenty thousand MOUSs", recipe: "casatasks", archive: "/nowhere", options: {} }, mouses, ["fetch"]);
  bigDashboard = await startDashboard({ store: big, port: 0 });
  session = await openBrowser(() => bigDashboard.url, "dashboard");
});

after(async () => {
  await session?.close();
  await bigDashboard?.close();
  await big?.close();
  rmSync(work, { recursive: true, force: true });
});

test("the MOUS list of a 20,000-MOUS campaign sorts, pages and filters in the store", async () => {
  const page = session.page;
  await page.goto(new URL("/runs", bigDashboard.url).href);
  assert.match((await page.getByTestId("pager").first().textContent()) ?? "", /MOUSs 1–50 of 20000/);
  await page.click("th >> text=project");
  await page.click("th >> text=project");
  const expected = [...mouses].sort((a, b) => (a.projectCode < b.projectCode ? 1 : a.projectCode > b.projectCode ? -1 : 0));
  const cells = page.getByTestId("runs-table").locator("tbody tr td:nth-child(2)");
  assert.deepEqual(await cells.allTextContents(), expected.slice(0, 50).map((m) => m.projectCode));
  await page.click("text=next ›");
  assert.deepEqual(await cells.allTextContents(), expected.slice(50, 100).map((m) => m.projectCode));
  await page.selectOption('select[name="category"]', "C9 B6 12m mosaic");
  await page.fill('input[name="q"]', "source_1234");
  await page.click("button >> text=Filter");
  const matching = mouses.filter((m) => m.category === "C9 B6 12m mosaic" && m.sourceName.includes("source_1234"));
  assert.match((await page.getByTestId("pager").first().textContent()) ?? "", new RegExp(`of ${matching.length}`));
  const uids = await page.getByTestId("runs-table").locator("tbody tr td:nth-child(1)").allTextContents();
  // The filter keeps the order chosen before (project, descending).
  assert.deepEqual(uids, [...matching].reverse().sort((a, b) => (a.projectCode < b.projectCode ? 1 : a.projectCode > b.projectCode ? -1 : 0)).map((m) => m.mousUid));
  await session.shot("runs-20000");
  assert.deepEqual(session.outside, []);
});
