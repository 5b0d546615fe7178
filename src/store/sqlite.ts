/**
 * The SQLite side of the store: one file, WAL, and transactions that take the write lock
 * when they begin, so that several processes sharing the file never fail half-way through
 * a claim or a state change.
 */
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { CompiledQuery, Kysely, SqliteDialect, SqliteDriver, type DatabaseConnection, type SqliteDialectConfig } from "kysely";
import { ErrorCode, ReimageError } from "../domain/errors.js";
import type { Database } from "./schema.js";

/**
 * A deferred transaction (SQLite's `BEGIN`) that reads first and writes later fails at
 * once with SQLITE_BUSY when another process wrote in between, whatever the busy timeout;
 * `BEGIN IMMEDIATE` waits for the write lock up front, so the busy timeout applies.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("begin immediate"));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly settings: SqliteDialectConfig) {
    super(settings);
  }
  override createDriver(): SqliteDriver {
    return new ImmediateSqliteDriver(this.settings);
  }
}

export function openSqliteDatabase(path: string): { db: Kysely<Database>; where: string } {
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
  return { db: new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: sqlite }) }), where: file };
}
