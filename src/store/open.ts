/**
 * Opens the campaign store named by a location: a file path (SQLite, the default) or a
 * `postgres://` URL (PostgreSQL, for campaigns shared by many workers). Applies pending
 * migrations before anything else touches the database.
 */
import { Migrator, type Kysely, type MigrationProvider } from "kysely";
import { ErrorCode, ReimageError } from "../domain/errors.js";
import { StoreDialect } from "./dialect.js";
import { KyselyCampaignStore } from "./kysely-store.js";
import { migrations } from "./migrations/index.js";
import { openPostgresDatabase } from "./postgres.js";
import type { Database } from "./schema.js";
import { openSqliteDatabase } from "./sqlite.js";
import type { CampaignStore } from "./store.js";

const provider: MigrationProvider = { getMigrations: () => Promise.resolve(migrations) };

/** Applies pending migrations; on PostgreSQL, Kysely's advisory lock lets workers start together. */
export async function migrate(db: Kysely<Database>, where: string): Promise<void> {
  const { error, results } = await new Migrator({ db, provider }).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === "Error")?.migrationName ?? "unknown";
    throw new ReimageError(ErrorCode.Store, `${where}: migration ${failed} failed`, { cause: error });
  }
}

async function migrated(opened: { db: Kysely<Database>; where: string }, dialect: StoreDialect): Promise<CampaignStore> {
  try {
    await migrate(opened.db, opened.where);
  } catch (caught) {
    await opened.db.destroy();
    throw caught;
  }
  return new KyselyCampaignStore(opened.db, dialect);
}

export async function openSqliteStore(path: string): Promise<CampaignStore> {
  return migrated(openSqliteDatabase(path), StoreDialect.Sqlite);
}

export async function openPostgresStore(url: string): Promise<CampaignStore> {
  return migrated(await openPostgresDatabase(url), StoreDialect.Postgres);
}

export const isPostgresUrl = (location: string): boolean => /^postgres(ql)?:\/\//.test(location);

export async function openStore(location: string): Promise<CampaignStore> {
  return isPostgresUrl(location) ? openPostgresStore(location) : openSqliteStore(location.replace(/^sqlite:/, ""));
}
