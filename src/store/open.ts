/**
 * Opens the campaign store named by a location: a file path (SQLite, the default) or a
 * `postgres://` URL (PostgreSQL, for campaigns shared by many machines). Applies pending
 * migrations before anything else touches the database.
 */
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { Kysely, Migrator, SqliteDialect, type MigrationProvider } from "kysely";
import { ErrorCode, ReimageError } from "../domain/errors.js";
import { KyselyCampaignStore } from "./kysely-store.js";
import { migrations } from "./migrations/index.js";
import type { Database } from "./schema.js";
import type { CampaignStore } from "./store.js";

const provider: MigrationProvider = { getMigrations: () => Promise.resolve(migrations) };

export async function migrate(db: Kysely<Database>, where: string): Promise<void> {
  const { error, results } = await new Migrator({ db, provider }).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === "Error")?.migrationName ?? "unknown";
    throw new ReimageError(ErrorCode.Store, `${where}: migration ${failed} failed`, { cause: error });
  }
}

export async function openSqliteStore(path: string): Promise<CampaignStore> {
  const file = resolve(path);
  mkdirSync(dirname(file), { recursive: true });
  let sqlite: BetterSqlite3.Database;
  try {
    sqlite = new BetterSqlite3(file);
    // WAL keeps readers (status, the dashboard) from blocking the campaign; synchronous
    // NORMAL in WAL mode survives a killed process, which is what a kill -9 test checks.
    sqlite.pragma("journal_mode = WAL");
    sqlite.pragma("synchronous = NORMAL");
    sqlite.pragma("foreign_keys = ON");
    sqlite.pragma("busy_timeout = 10000");
  } catch (caught) {
    throw new ReimageError(ErrorCode.Store, `${file}: cannot open the SQLite database`, { cause: caught });
  }
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  await migrate(db, file);
  return new KyselyCampaignStore(db);
}

export async function openStore(location: string): Promise<CampaignStore> {
  if (/^postgres(ql)?:\/\//.test(location)) {
    throw new ReimageError(ErrorCode.BadInput, `${location}: the PostgreSQL store is not built yet; use a SQLite file path`);
  }
  return openSqliteStore(location.replace(/^sqlite:/, ""));
}
