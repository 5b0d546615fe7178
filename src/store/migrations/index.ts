import type { Migration } from "kysely";
import * as m001 from "./001_initial.js";
import * as m002 from "./002_read_indexes.js";
import * as m003 from "./003_live_mous_order.js";

/** Numbered migrations, applied in order by both dialects. Never edit one that has shipped. */
export const migrations: Record<string, Migration> = {
  "001_initial": m001,
  "002_read_indexes": m002,
  "003_live_mous_order": m003,
};
