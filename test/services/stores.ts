/**
 * One suite, two databases: the store's tests run on SQLite (a file in a temporary folder)
 * and on a real PostgreSQL (a database of its own per test, in a throwaway server started
 * once per test file). Call `storeBackends()` at the top of a test file: it registers the
 * server's shutdown for when the file's tests are done.
 */
import { after } from "node:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openPostgresStore, openSqliteStore } from "../../src/store/open.js";
import type { CampaignStore } from "../../src/store/store.js";
import { startPostgres, type PostgresServer } from "./postgres.js";

export interface StoreBackend {
  readonly name: "sqlite" | "postgres";
  /** A fresh, empty store; `location` is what `openStore` would take to open it again. */
  open(this: void): Promise<{ store: CampaignStore; location: string; dispose: () => Promise<void> }>;
  /** Runs `fn` on a fresh store and closes it afterwards. */
  withStore<T>(this: void, fn: (store: CampaignStore, location: string) => Promise<T>): Promise<T>;
}

export function storeBackends(): readonly StoreBackend[] {
  let server: Promise<PostgresServer> | undefined;
  after(async () => {
    if (server) await (await server).stop();
  });
  const backend = (name: StoreBackend["name"], open: StoreBackend["open"]): StoreBackend => ({
    name,
    open,
    async withStore(fn) {
      const { store, location, dispose } = await open();
      try {
        return await fn(store, location);
      } finally {
        await store.close();
        await dispose();
      }
    },
  });
  return [
    backend("sqlite", async () => {
      const dir = mkdtempSync(join(tmpdir(), "reimage-store-"));
      const location = join(dir, "campaign.sqlite");
      return { store: await openSqliteStore(location), location, dispose: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })) };
    }),
    backend("postgres", async () => {
      server ??= startPostgres();
      const location = await (await server).createDatabase();
      return { store: await openPostgresStore(location), location, dispose: () => Promise.resolve() };
    }),
  ];
}
