import type { Kysely } from "kysely";

/**
 * Indexes for the dashboard's reads: the MOUS list filtered and sorted over tens of
 * thousands of rows, and a MOUS's products and errors found without a scan.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex("mous_campaign_state").on("mous").columns(["campaign_id", "state"]).execute();
  await db.schema.createIndex("mous_campaign_category").on("mous").columns(["campaign_id", "category"]).execute();
  await db.schema.createIndex("mous_campaign_project").on("mous").columns(["campaign_id", "project_code"]).execute();
  await db.schema.createIndex("mous_campaign_updated").on("mous").columns(["campaign_id", "updated_at"]).execute();
  await db.schema.createIndex("step_mous_state").on("step").columns(["mous_id", "state", "error_class"]).execute();
  await db.schema.createIndex("product_mous").on("product").columns(["mous_id", "kind"]).execute();
  await db.schema.createIndex("error_mous").on("error").columns(["mous_id"]).execute();
  await db.schema.createIndex("attempt_step").on("attempt").columns(["step_id"]).execute();
}
