/**
 * The PostgreSQL side of the store: a connection pool on a `postgres://` URL, for
 * campaigns that several workers, on one machine or many, share.
 */
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { ErrorCode, ReimageError } from "../domain/errors.js";
import type { Database } from "./schema.js";

/** The URL without its password, fit for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "postgres://(unparsable URL)";
  }
}

export async function openPostgresDatabase(url: string): Promise<{ db: Kysely<Database>; where: string }> {
  const where = redactUrl(url);
  // A worker runs a handful of steps at once and each holds a connection only for one
  // transaction: a small pool keeps a few dozen workers under PostgreSQL's 100 connections.
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  // An idle client losing its server (a restart) must not crash the process; the next
  // query reports the problem where it is made.
  pool.on("error", () => {});
  try {
    const client = await pool.connect();
    client.release();
  } catch (caught) {
    await pool.end().catch(() => {});
    throw new ReimageError(ErrorCode.Store, `${where}: cannot connect to PostgreSQL`, { cause: caught });
  }
  return { db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), where };
}
