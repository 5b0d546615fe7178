/**
 * Debian's Chromium under playwright-core for the browser tests: installed with apt-get when
 * missing, WebGL2 by SwiftShader (Aladin Lite needs it), and a page that may reach one
 * server only: every other request is refused and listed, for the test to assert on.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { packageRoot } from "../../src/paths.js";
import { ensureDebianBinary } from "../reference/ensure-debian.js";

export interface BrowserSession {
  readonly browser: Browser;
  readonly page: Page;
  /** URLs the page asked for outside the allowed server (refused). */
  readonly outside: readonly string[];
  /** Saves a screenshot as `.test-artifacts/<folder>/<name>.png`. */
  shot(name: string, fullPage?: boolean): Promise<void>;
  close(): Promise<void>;
}

export async function openBrowser(allowedUrl: () => string, folder: string): Promise<BrowserSession> {
  const executablePath = await ensureDebianBinary("chromium", "chromium");
  const browser = await chromium.launch({ executablePath, args: ["--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader"] });
  const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
  const outside: string[] = [];
  await page.route(
    (url) => !url.href.startsWith(allowedUrl()),
    async (route) => {
      outside.push(route.request().url());
      await route.abort();
    },
  );
  const artefacts = join(packageRoot, ".test-artifacts", folder);
  mkdirSync(artefacts, { recursive: true });
  return {
    browser,
    page,
    outside,
    shot: async (name, fullPage = true) => {
      await page.screenshot({ path: join(artefacts, `${name}.png`), fullPage });
    },
    close: () => browser.close(),
  };
}
