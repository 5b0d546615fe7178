/**
 * A real, throwaway PostgreSQL server for tests and benchmarks: Debian's `postgresql`
 * package installed if its programs are absent (we are root on CI machines, which start
 * fresh), a cluster made by `initdb` in a temporary folder, owned by the unprivileged
 * `postgres` user when we are root (PostgreSQL refuses to run as root), started by `pg_ctl`
 * on a free TCP port of 127.0.0.1 with its unix socket in that folder, so that no system
 * cluster is used or touched. `createDatabase()` gives each test its own database;
 * `stop()` shuts the server down and removes the folder (and so does the process's exit).
 *
 * Nothing is skipped: a server that cannot be installed or started throws with the reason
 * (and the server log's tail).
 */
import { execFile, spawnSync } from "node:child_process";
import { existsSync, readdirSync, rmSync } from "node:fs";
import { chown, mkdtemp, readFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

const MiB = 2 ** 20;

export interface PostgresServer {
  /** The server's maintenance database URL (postgres://postgres@127.0.0.1:PORT/postgres). */
  readonly url: string;
  readonly port: number;
  readonly version: string;
  /** A new, empty database; returns its URL. */
  createDatabase(name?: string): Promise<string>;
  stop(): Promise<void>;
}

export interface PostgresOptions {
  /**
   * Durability off (fsync, synchronous commit, full-page writes): fine for a throwaway
   * test database, and much faster; keep it on to measure what a real site would see.
   */
  readonly durable?: boolean;
  readonly maxConnections?: number;
}

interface Ran {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number;
}

function run(command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; uid?: number; gid?: number; timeoutMs?: number } = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      [...args],
      {
        shell: false,
        timeout: options.timeoutMs ?? 120_000,
        maxBuffer: 64 * MiB,
        ...(options.env && { env: options.env }),
        ...(options.uid !== undefined && { uid: options.uid }),
        ...(options.gid !== undefined && { gid: options.gid }),
      },
      (error, stdout, stderr) => {
        if (error && typeof error.code === "string") reject(new Error(`cannot run ${command}: ${error.message}`, { cause: error }));
        else resolve({ stdout, stderr, code: error ? (typeof error.code === "number" ? error.code : -1) : 0 });
      },
    );
  });
}

async function must(command: string, args: readonly string[], options: Parameters<typeof run>[2] = {}): Promise<string> {
  const r = await run(command, args, options);
  if (r.code !== 0) throw new Error(`${command} ${args.join(" ")} exited with ${r.code}: ${(r.stderr || r.stdout).slice(-2000)}`);
  return r.stdout;
}

/** The newest installed server's bin folder (Debian keeps them in /usr/lib/postgresql/<major>/bin). */
function serverBinDir(): string | undefined {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root)
    .filter((d) => /^\d+$/.test(d) && existsSync(join(root, d, "bin", "initdb")) && existsSync(join(root, d, "bin", "pg_ctl")))
    .sort((a, b) => Number(b) - Number(a));
  return majors[0] === undefined ? undefined : join(root, majors[0], "bin");
}

async function ensureInstalled(): Promise<string> {
  const found = serverBinDir();
  if (found) return found;
  if (process.getuid?.() !== 0) {
    throw new Error("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb) and we are not root: install Debian's `postgresql` package");
  }
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  await must("apt-get", ["update", "-q"], { env, timeoutMs: 10 * 60_000 });
  // Another engineer's or test's apt may hold the lock for a while: wait for it, do not fail.
  await must("apt-get", ["install", "-y", "-q", "--no-install-recommends", "-o", "DPkg::Lock::Timeout=600", "postgresql"], { env, timeoutMs: 20 * 60_000 });
  const bin = serverBinDir();
  if (!bin) throw new Error("initdb and pg_ctl are still missing after installing Debian's postgresql package");
  return bin;
}

/** The unprivileged account the server runs as when we are root. */
async function serverAccount(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number((await must("id", ["-u", "postgres"])).trim());
  const gid = Number((await must("id", ["-g", "postgres"])).trim());
  if (!Number.isInteger(uid) || !Number.isInteger(gid) || uid === 0) throw new Error("the `postgres` user the package creates is missing or is root");
  return { uid, gid };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

let databases = 0;

export async function startPostgres(options: PostgresOptions = {}): Promise<PostgresServer> {
  const bin = await ensureInstalled();
  const account = await serverAccount();
  const dir = await mkdtemp(join(tmpdir(), "reimage-pg-"));
  const data = join(dir, "data");
  const logFile = join(dir, "server.log");
  if (account) await chown(dir, account.uid, account.gid);
  const as = account ?? {};
  // C collation: text sorts by code point, as SQLite sorts it.
  await must(join(bin, "initdb"), ["-D", data, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync"], as);
  const port = await freePort();
  const settings = [
    `-p ${port}`,
    "-c listen_addresses=127.0.0.1",
    `-c unix_socket_directories=${dir}`,
    `-c max_connections=${options.maxConnections ?? 100}`,
    ...(options.durable ? [] : ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]),
  ].join(" ");
  const pgCtl = join(bin, "pg_ctl");
  const stopNow = () => {
    spawnSync(pgCtl, ["-D", data, "-m", "immediate", "stop"], { stdio: "ignore", ...as });
    rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", stopNow);
  const started = await run(pgCtl, ["-D", data, "-l", logFile, "-o", settings, "-w", "-t", "60", "start"], as);
  if (started.code !== 0) {
    const log = await readFile(logFile, "utf8").catch(() => "(no server log)");
    stopNow();
    throw new Error(`pg_ctl start exited with ${started.code}: ${started.stderr || started.stdout}\nserver log:\n${log.slice(-3000)}`);
  }
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  const version = String((await admin.query<{ server_version: string }>("show server_version")).rows[0]?.server_version);
  await admin.end();
  return {
    url,
    port,
    version,
    async createDatabase(name = `reimage_test_${process.pid}_${++databases}`) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`create database "${name.replace(/"/g, "")}"`);
      } finally {
        await client.end();
      }
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    async stop() {
      process.removeListener("exit", stopNow);
      await run(pgCtl, ["-D", data, "-m", "fast", "-w", "stop"], as);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
