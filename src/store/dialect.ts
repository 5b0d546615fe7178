/**
 * What differs between the two databases the store runs on. The store's SQL is one
 * portable body; each dialect answers here for the few places where SQLite and PostgreSQL
 * disagree, so that adding a third would mean filling in one more record.
 */
export const StoreDialect = {
  Sqlite: "sqlite",
  Postgres: "postgres",
} as const;
export type StoreDialect = (typeof StoreDialect)[keyof typeof StoreDialect];

export interface DialectTraits {
  /**
   * Row locks: claims take the step's row with `FOR UPDATE SKIP LOCKED` (a worker passes
   * over a step another worker is claiming instead of queueing behind it) and hold their
   * run's row `FOR SHARE` against a concurrent recovery. SQLite has no row locks; its one
   * writer (transactions begin IMMEDIATE) serialises claims and recoveries instead.
   */
  readonly skipLockedClaims: boolean;
  /** Case-insensitive LIKE: SQLite's LIKE already is for ASCII; PostgreSQL needs ILIKE. */
  readonly caseInsensitiveLike: "like" | "ilike";
}

export const DIALECT_TRAITS: Record<StoreDialect, DialectTraits> = {
  [StoreDialect.Sqlite]: { skipLockedClaims: false, caseInsensitiveLike: "like" },
  [StoreDialect.Postgres]: { skipLockedClaims: true, caseInsensitiveLike: "ilike" },
};
