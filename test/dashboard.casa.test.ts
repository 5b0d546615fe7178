/**
 * The dashboard as a person uses it, in Debian's Chromium driven by playwright-core, on the
 * demo campaign made by real CASA: the overview, the MOUS list, a MOUS with its images
 * (and previews when the products step recorded them), a failed MOUS with its evidence,
 * and the sky view with Aladin Lite drawing the footprints over the campaign's own image.
 * The browser may reach the dashboard only: any other request is refused and fails the
 * test. Screenshots are kept in .test-artifacts/dashboard/ for people to look at.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { STEP_ORDER } from "../src/domain/campaign.js";
import { packageRoot } from "../src/paths.js";
import { openSqliteStore } from "../src/store/open.js";
import type { CampaignStore } from "../src/store/store.js";
import { startDashboard, type Dashboard } from "../src/web/server.js";
import { openBrowser, type BrowserSession } from "./browser/chromium.js";

const cli = join(packageRoot, "dist", "src", "cli", "main.js");
const work = mkdtempSync(join(tmpdir(), "reimage-dashboard-"));
let store: CampaignStore;
let dashboard: Dashboard;
let session: BrowserSession;

before(async () => {
  const run = spawnSync(process.execPath, [cli, "--work-dir", work, "demo"], { encoding: "utf8", env: { ...process.env, CI: "1" }, maxBuffer: 64 * 2 ** 20 });
  assert.equal(run.status, 0, run.stderr.slice(-3000));
  store = await openSqliteStore(join(work, "reimage.sqlite"));
  dashboard = await startDashboard({ store, port: 0 });
  session = await openBrowser(() => dashboard.url, "dashboard");
});

after(async () => {
  await session?.close();
  await dashboard?.close();
  await store?.close();
  rmSync(work, { recursive: true, force: true });
});

const shot = (name: string, fullPage = true) => session.shot(name, fullPage);

test("the overview shows the demo campaign's states and its one error class", async () => {
  await session.page.goto(dashboard.url);
  assert.match((await session.page.textContent("h1")) ?? "", /Demo/);
  assert.match((await session.page.getByTestId("progress").textContent()) ?? "", /of steps finished/);
  assert.ok(await session.page.locator('svg[aria-label="Failed MOUSs by error class"] >> text=empty-selection').count());
  await shot("overview");
});

test("from the MOUS list to a MOUS: its steps, attempts with logs, and its images", async () => {
  await session.page.click("nav >> text=MOUSs");
  const rows = session.page.getByTestId("runs-table").locator("tbody tr");
  assert.equal(await rows.count(), 3);
  await shot("runs");
  await session.page.click("text=uid://A001/X3001/X12");
  assert.match(session.page.url(), /\/mous\/uid___A001_X3001_X12$/);
  assert.equal(await session.page.getByTestId("timeline").locator(".bar").count(), STEP_ORDER.length, "every step, one attempt each");
  const products = session.page.getByTestId("product");
  assert.ok((await products.count()) >= 3, "the cubes and continuum images of spw 0 and 1");
  const previews = products.locator("img");
  for (let i = 0; i < (await previews.count()); i += 1) {
    const src = (await previews.nth(i).getAttribute("src")) ?? "";
    const png = await session.page.request.get(new URL(src, dashboard.url).href);
    assert.equal(png.status(), 200, `preview ${src}: ${await png.text()}`);
    assert.deepEqual([...(await png.body()).subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47], "a PNG");
  }
  if ((await previews.count()) === 0) assert.ok(await session.page.locator("text=no preview recorded").count(), "the page says when there is no preview");
  await shot("mous");
  const log = await session.page.request.get(new URL(await session.page.locator('a:text("log")').first().getAttribute("href") ?? "", dashboard.url).href);
  assert.equal(log.status(), 200);
  assert.match(await log.text(), /INFO|casa/i, "the attempt's CASA log");
});

test("a failed MOUS shows its error class and CASA's line of evidence", async () => {
  await session.page.goto(new URL("/runs?state=failed", dashboard.url).href);
  await session.page.click("text=uid://A001/X3001/X1a");
  const errors = session.page.getByTestId("errors");
  assert.match((await errors.textContent()) ?? "", /empty-selection/);
  assert.ok((await errors.locator("pre.evidence").count()) >= 1);
  await shot("mous-failed");
});

test("the sky view draws every footprint with Aladin Lite over the campaign's own image", async () => {
  await session.page.click("nav >> text=Sky");
  await session.page.waitForFunction("window.reimageSky !== undefined", null, { timeout: 60_000 });
  const sky = await session.page.evaluate<{ footprints?: number; background?: string; error?: string }>("window.reimageSky");
  assert.equal(sky.error, undefined);
  assert.ok((sky.footprints ?? 0) >= 6, `footprints of both imaged MOUSs (${sky.footprints})`);
  await session.page.waitForFunction("window.reimageSkyBackground !== undefined", null, { timeout: 60_000 });
  assert.equal(await session.page.evaluate("window.reimageSkyBackground"), "loaded");
  await session.page.waitForTimeout(1500);
  await shot("sky", false);
  assert.deepEqual(session.outside, [], "the browser asked for nothing outside the dashboard");
});
