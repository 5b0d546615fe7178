/**
 * The reference Python for tests: a venv with astropy, numpy, mocpy and astropy-healpix in the reimage cache
 * folder, created on first use (a fresh CI machine has nothing) and reused after. A marker
 * file written last says the install finished; a lock folder keeps two test files that
 * start together from installing twice.
 */
import { execFile } from "node:child_process";
import { mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadConfig } from "../../src/config.js";
import { ReimageError, ErrorCode, coerceError } from "../../src/domain/index.js";

const PACKAGES = ["astropy", "numpy", "mocpy", "astropy-healpix"] as const;
const INSTALL_TIME_LIMIT_MS = 20 * 60 * 1000;
const STALE_LOCK_MS = 30 * 60 * 1000;

/** The helper script beside this file's source (the compiled file lives in dist/test/reference). */
export const ASTROPY_HELPER = fileURLToPath(new URL("../../../test/reference/astropy_wcs.py", import.meta.url));

export function run(command: string, args: readonly string[], input?: string, timeoutMs = INSTALL_TIME_LIMIT_MS): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(command, args, { shell: false, timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error !== null) {
        reject(
          new ReimageError(ErrorCode.ProcessFailed, `${command} ${args.join(" ")} failed (exit ${String(error.code)}, signal ${String(error.signal)}): ${stderr.slice(-2000)}`, {
            cause: error,
          }),
        );
        return;
      }
      resolve(stdout);
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Returns the venv's python, creating the venv first if needed. */
export async function ensureReferencePython(): Promise<string> {
  const config = loadConfig();
  const venv = join(config.cacheDir, "reference-venv");
  const python = join(venv, "bin", "python");
  const marker = join(venv, "reimage-reference.json");
  const ready = async (): Promise<boolean> => {
    if (!(await exists(marker)) || !(await exists(python))) return false;
    const recorded = JSON.parse(await readFile(marker, "utf8")) as { packages?: string[] };
    return PACKAGES.every((p) => recorded.packages?.includes(p) === true);
  };
  if (await ready()) return python;

  await mkdir(config.cacheDir, { recursive: true });
  const lock = join(config.cacheDir, "reference-venv.lock");
  const deadline = Date.now() + INSTALL_TIME_LIMIT_MS;
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch (caught) {
      if ((caught as NodeJS.ErrnoException).code !== "EEXIST") throw coerceError(caught);
      const since = Date.now() - (await stat(lock).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
      if (since > STALE_LOCK_MS) await rm(lock, { recursive: true, force: true });
      if (await ready()) return python;
      if (Date.now() > deadline) throw new ReimageError(ErrorCode.TimeLimit, `waited too long for ${lock}`);
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
  try {
    if (await ready()) return python;
    if (!(await exists(python))) await run(config.casa.python, ["-m", "venv", venv]);
    await run(python, ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", ...PACKAGES]);
    await writeFile(marker, JSON.stringify({ packages: PACKAGES, installed: new Date().toISOString() }, null, 2));
    return python;
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

/** What the helper answers for one request; fields are present when the request asked for them. */
export interface AstropyAnswer {
  readonly hdus?: { name: string; type: string }[];
  readonly header?: Record<string, string | number | boolean | null | { re: number; im: number }>;
  readonly data?: { shape: number[]; dtype: string; min: number | null; max: number | null; mean: number | null; nanCount: number; sha256: string };
  readonly samples?: (number | null)[];
  readonly table?: Record<string, unknown[]>;
  readonly wcs?: { ctype: string[]; cunit: string[]; crval: number[]; lonpole: number; latpole: number; restfrq: number; specsys: string; radesys: string };
  readonly world?: (number | null)[][];
  readonly pixels?: (number | null)[][];
  readonly frames?: [number, number][];
  readonly doppler?: Record<"vrad" | "vopt" | "velo" | "fromVrad" | "fromVopt" | "fromVelo", number[]>;
}

export interface AstropyRequest {
  readonly file?: string;
  readonly hdu?: number;
  readonly pixels?: readonly (readonly number[])[];
  readonly world?: readonly (readonly number[])[];
  readonly samples?: readonly (readonly number[])[];
  readonly wcsInfo?: boolean;
  readonly frames?: readonly { lon: number; lat: number; from: string; to: string }[];
  readonly doppler?: { restfreq: number; freqs?: readonly number[]; velocities?: readonly number[] };
}

/** Asks astropy, in one Python process, for the answers to several requests. */
export async function askAstropy(requests: readonly AstropyRequest[]): Promise<AstropyAnswer[]> {
  const python = await ensureReferencePython();
  const out = await run(python, [ASTROPY_HELPER], JSON.stringify({ requests }), 5 * 60 * 1000);
  return (JSON.parse(out) as { answers: AstropyAnswer[] }).answers;
}
