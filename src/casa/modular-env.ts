/**
 * The modular CASA environment reimage manages: a Python virtual environment in the cache
 * folder holding casatools, casatasks, casadata (and casashell when it installs), with a
 * site configuration that keeps CASA offline.
 *
 * Why a site configuration: without one, `import casatasks` tries to update its measures
 * data in ~/.casa/data and fails with AutoUpdatesNotAllowed on a machine with no network.
 * Pointing `measurespath` at the data casadata ships, with both auto-updates off, makes
 * every CASA process here work offline.
 */
import { existsSync, readdirSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ErrorCode, ReimageError } from "../domain/errors.js";
import { runQuiet } from "./quiet-process.js";

/** What a finished set-up records in the environment, and what the registry reads back. */
export interface ModularEnvManifest {
  readonly kind: "modular";
  readonly casaVersion: string;
  readonly packages: Readonly<Record<string, string>>;
  readonly casashell: boolean;
  readonly python: string;
  readonly pythonVersion: string;
  readonly installSeconds: number;
  readonly installedAt: string;
}

export const MANIFEST_FILE = "reimage-casa.json";
export const SITE_CONFIG_FILE = "casasiteconfig.py";
/** casatasks 6.7.0.31 imports six without declaring it. */
const PACKAGES = ["casatools", "casatasks", "casadata", "casaconfig", "six"] as const;

export function envPython(envDir: string): string {
  return join(envDir, "bin", "python");
}

/** The environment variables every CASA process of this environment runs with. */
export function casaEnvironment(envDir: string): Record<string, string> {
  return { CASASITECONFIG: join(envDir, SITE_CONFIG_FILE) };
}

export async function readManifest(envDir: string): Promise<ModularEnvManifest | undefined> {
  const path = join(envDir, MANIFEST_FILE);
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(await readFile(path, "utf8")) as ModularEnvManifest;
  } catch (caught) {
    throw new ReimageError(ErrorCode.CasaSetupFailed, `${path}: unreadable CASA environment manifest`, { cause: caught });
  }
}

export interface SetupOptions {
  readonly python: string;
  readonly envDir: string;
  readonly onProgress?: (line: string) => void;
}

/**
 * Makes sure the environment exists and works; installs it when it does not. Idempotent:
 * the manifest is written last, so an interrupted install is detected and redone.
 */
export async function ensureModularCasa(options: SetupOptions): Promise<ModularEnvManifest> {
  const existing = await readManifest(options.envDir);
  if (existing && existsSync(envPython(options.envDir))) return existing;
  return installModularCasa(options);
}

async function installModularCasa({ python, envDir, onProgress = () => {} }: SetupOptions): Promise<ModularEnvManifest> {
  const started = Date.now();
  const log = join(envDir + ".setup.log");
  await rm(envDir, { recursive: true, force: true });
  await mkdir(join(envDir, ".."), { recursive: true });
  const step = async (what: string, command: string, args: string[], env: Record<string, string> = {}) => {
    onProgress(`casa setup: ${what}`);
    return runQuiet(command, args, { logFile: log, env, what });
  };
  await step(`virtual environment with ${python} in ${envDir}`, python, ["-m", "venv", envDir]);
  const py = envPython(envDir);
  await step("upgrading pip", py, ["-m", "pip", "install", "--quiet", "--upgrade", "pip"]);
  await step(`installing ${PACKAGES.join(", ")} from PyPI`, py, ["-m", "pip", "install", "--quiet", ...PACKAGES]);
  let casashell = true;
  try {
    await step("installing casashell", py, ["-m", "pip", "install", "--quiet", "casashell"]);
  } catch (caught) {
    // casashell is optional for images made with casatasks; scriptForPI needs it, and the
    // registry reports its absence so that restores choose another runtime.
    casashell = false;
    onProgress(`casa setup: casashell did not install (${(caught as Error).message}); continuing without it`);
  }

  const dataDir = (await step("locating casadata", py, ["-c", "import casadata, os; print(os.path.join(os.path.dirname(casadata.__file__), '__data__'))"])).trim();
  await writeFile(
    join(envDir, SITE_CONFIG_FILE),
    [
      "# Written by reimage: CASA reads its measures data from casadata and never updates it.",
      `measurespath = ${JSON.stringify(dataDir)}`,
      "measures_auto_update = False",
      "data_auto_update = False",
      "",
    ].join("\n"),
  );

  const versions = JSON.parse(
    await step("reading installed versions", py, [
      "-c",
      "import json, importlib.metadata as m, sys\n" +
        `names = ${JSON.stringify([...PACKAGES, "casashell", "numpy"])}\n` +
        "out = {}\n" +
        "for n in names:\n" +
        "    try: out[n] = m.version(n)\n" +
        "    except m.PackageNotFoundError: pass\n" +
        "print(json.dumps({'packages': out, 'python': sys.version.split()[0]}))",
    ]),
  ) as { packages: Record<string, string>; python: string };

  const smoke = await checkModularCasa(envDir, onProgress);
  const manifest: ModularEnvManifest = {
    kind: "modular",
    casaVersion: smoke.casaVersion,
    packages: versions.packages,
    casashell,
    python,
    pythonVersion: versions.python,
    installSeconds: Math.round((Date.now() - started) / 1000),
    installedAt: new Date().toISOString(),
  };
  await writeFile(join(envDir, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + "\n");
  onProgress(`casa setup: CASA ${manifest.casaVersion} ready in ${manifest.installSeconds} s`);
  return manifest;
}

/**
 * Runs a small CASA task for real: builds a 32x32 image with a known pixel and asks
 * `imstat` for its maximum. Proves imports, the offline site configuration and the
 * measures data all work.
 */
export async function checkModularCasa(envDir: string, onProgress: (line: string) => void = () => {}): Promise<{ casaVersion: string }> {
  const script = [
    "import json, os, tempfile",
    "import casatools, casatasks",
    "d = tempfile.mkdtemp(prefix='reimage-casa-check-')",
    "casatasks.casalog.setlogfile(os.path.join(d, 'casa.log'))",
    "ia = casatools.image()",
    "img = os.path.join(d, 'check.im')",
    "ia.fromshape(img, [32, 32, 1, 1])",
    "px = ia.getchunk(); px[10, 12, 0, 0] = 3.5; ia.putchunk(px); ia.done()",
    "st = casatasks.imstat(imagename=img)",
    "me = casatools.measures(); ep = me.epoch('utc', '2024-01-01T00:00:00'); me.doframe(ep)",
    "print(json.dumps({'max': float(st['max'][0]), 'maxpos': [int(v) for v in st['maxpos'][:2]], 'version': casatasks.version_string()}))",
  ].join("\n");
  onProgress("casa setup: checking CASA with a small imstat");
  const out = await runQuiet(envPython(envDir), ["-c", script], {
    env: casaEnvironment(envDir),
    what: "CASA check (imstat on a test image)",
  });
  const lastLine = out.trim().split("\n").at(-1) ?? "";
  let parsed: { max: number; maxpos: number[]; version: string };
  try {
    parsed = JSON.parse(lastLine) as typeof parsed;
  } catch (caught) {
    throw new ReimageError(ErrorCode.CasaSetupFailed, `CASA check printed no result: ${lastLine}`, { cause: caught });
  }
  if (parsed.max !== 3.5 || parsed.maxpos[0] !== 10 || parsed.maxpos[1] !== 12) {
    throw new ReimageError(ErrorCode.CasaSetupFailed, `CASA check: imstat found max ${parsed.max} at ${parsed.maxpos.join(",")}, expected 3.5 at 10,12`);
  }
  return { casaVersion: parsed.version };
}

/**
 * casadata's Splatalogue database inside a modular environment
 * (`lib/python3.X/site-packages/casadata/__data__/ephemerides/splatalogue.db`);
 * `undefined` when the environment has none.
 */
export function splatalogueDatabase(envDir: string): string | undefined {
  const lib = join(envDir, "lib");
  if (!existsSync(lib)) return undefined;
  for (const entry of readdirSync(lib).filter((e) => e.startsWith("python")).sort().reverse()) {
    const path = join(lib, entry, "site-packages", "casadata", "__data__", "ephemerides", "splatalogue.db");
    if (existsSync(path)) return path;
  }
  return undefined;
}
