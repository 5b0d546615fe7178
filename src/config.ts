/**
 * The one module that reads the environment. Everything else receives a `Config` value.
 * Precedence: defaults < environment < explicit overrides (CLI flags).
 */
import { homedir } from "node:os";
import { delimiter, join, resolve } from "node:path";

export interface Config {
  /** Where reimage keeps reusable, machine-wide things (the CASA environment). */
  readonly cacheDir: string;
  /** Where a campaign keeps its archive copy, database and products. */
  readonly workDir: string;
  /** The store: a SQLite file path or a postgres:// URL; default `<workDir>/reimage.sqlite`. */
  readonly storeUrl: string | undefined;
  readonly casa: {
    /** The Python that builds the modular CASA virtual environment. */
    readonly python: string;
    /** Folder of the modular CASA virtual environment reimage manages. */
    readonly modularEnvDir: string;
    /** Folders searched for monolithic CASA installs (`casa-*` folders holding `bin/casa`). */
    readonly monolithicDirs: readonly string[];
    /** Extra modular environments (virtualenv folders) to list beside the managed one. */
    readonly extraModularEnvs: readonly string[];
  };
  /** Plain progress lines instead of a redrawn bar (CI, pipes). */
  readonly plainProgress: boolean;
}

export type ConfigOverrides = { workDir?: string | undefined; cacheDir?: string | undefined; store?: string | undefined };

function list(value: string | undefined): string[] {
  return (value ?? "").split(delimiter).filter((s) => s.length > 0);
}

export function loadConfig(
  overrides: ConfigOverrides = {},
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): Config {
  const cacheDir = resolve(
    overrides.cacheDir ??
      env["REIMAGE_CACHE_DIR"] ??
      join(env["XDG_CACHE_HOME"] ?? join(homedir(), ".cache"), "reimage"),
  );
  const workDir = resolve(cwd, overrides.workDir ?? env["REIMAGE_WORK_DIR"] ?? "reimage-work");
  return {
    cacheDir,
    workDir,
    storeUrl: overrides.store ?? env["REIMAGE_STORE"],
    casa: {
      python: env["REIMAGE_PYTHON"] ?? "python3",
      modularEnvDir: resolve(env["REIMAGE_CASA_ENV"] ?? join(cacheDir, "casa-modular")),
      monolithicDirs: list(env["REIMAGE_CASA_DIRS"] ?? ["/opt/casa", "/usr/local/casa", join(cacheDir, "casa-monolithic")].join(delimiter)),
      extraModularEnvs: list(env["REIMAGE_CASA_ENVS"]),
    },
    plainProgress: env["CI"] !== undefined || !process.stdout.isTTY,
  };
}
