import { sql, type Kysely } from "kysely";

/**
 * The live MOUSs of a campaign (pending or running) in campaign order: where the next
 * runnable steps are looked for. A partial index, so that finding them costs the same at
 * the start of a campaign of tens of thousands of MOUSs as at its end, whatever has finished.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex("mous_live_order")
    .on("mous")
    .columns(["campaign_id", "ordinal"])
    .where(sql.ref("state"), "in", [sql.lit("pending"), sql.lit("running")])
    .execute();
}
