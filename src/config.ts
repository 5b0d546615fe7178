/**
 * The one module that reads the environment. Everything else receives a `Config` value.
 * Precedence: defaults < environment < explicit overrides (CLI flags).
 */
import { homedir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import { ErrorCode, ReimageError } from "./domain/errors.js";

export const EXECUTOR_KINDS = ["local", "slurm"] as const;
export type ExecutorKind = (typeof EXECUTOR_KINDS)[number];

/** Where CASA jobs run: this machine's processes, or a Slurm cluster's batch jobs. */
export interface ExecutorConfig {
  readonly kind: ExecutorKind;
  readonly slurm: {
    readonly partition: string | undefined;
    /** More `#SBATCH` options for the site (account, QOS), space-separated in the environment. */
    readonly extraOptions: readonly string[];
    readonly pollSeconds: number;
  };
}

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
  readonly executor: ExecutorConfig;
  /** Plain progress lines instead of a redrawn bar (CI, pipes). */
  readonly plainProgress: boolean;
}

export type ConfigOverrides = {
  workDir?: string | undefined;
  cacheDir?: string | undefined;
  store?: string | undefined;
  executor?: string | undefined;
};

function executorKind(value: string): ExecutorKind {
  if ((EXECUTOR_KINDS as readonly string[]).includes(value)) return value as ExecutorKind;
  throw new ReimageError(ErrorCode.BadInput, `executor "${value}": expected one of ${EXECUTOR_KINDS.join(", ")}`);
}

function positiveNumber(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!(n > 0)) throw new ReimageError(ErrorCode.BadInput, `${name}=${value}: expected a positive number`);
  return n;
}

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
    executor: {
      kind: executorKind(overrides.executor ?? env["REIMAGE_EXECUTOR"] ?? "local"),
      slurm: {
        partition: env["REIMAGE_SLURM_PARTITION"] || undefined,
        extraOptions: (env["REIMAGE_SLURM_OPTIONS"] ?? "").split(/\s+/).filter((o) => o.length > 0),
        pollSeconds: positiveNumber("REIMAGE_SLURM_POLL_SECONDS", env["REIMAGE_SLURM_POLL_SECONDS"], 2),
      },
    },
    plainProgress: env["CI"] !== undefined || !process.stdout.isTTY,
  };
}
