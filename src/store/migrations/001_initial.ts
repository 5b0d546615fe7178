import type { Kysely } from "kysely";

/** Campaigns, their MOUSs and steps; runs of `reimage run`, attempts, products and errors. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("campaign")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("recipe", "text", (c) => c.notNull())
    .addColumn("archive", "text", (c) => c.notNull())
    .addColumn("options_json", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();
  await db.schema
    .createTable("mous")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("campaign_id", "text", (c) => c.notNull().references("campaign.id"))
    .addColumn("mous_uid", "text", (c) => c.notNull())
    .addColumn("project_code", "text", (c) => c.notNull())
    .addColumn("source_name", "text")
    .addColumn("category", "text")
    .addColumn("state", "text", (c) => c.notNull())
    .addColumn("ordinal", "integer", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .addUniqueConstraint("mous_campaign_uid", ["campaign_id", "mous_uid"])
    .execute();
  await db.schema
    .createTable("step")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("mous_id", "text", (c) => c.notNull().references("mous.id"))
    .addColumn("campaign_id", "text", (c) => c.notNull().references("campaign.id"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("ordinal", "integer", (c) => c.notNull())
    .addColumn("state", "text", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("claimed_by", "text")
    .addColumn("heartbeat_at", "text")
    .addColumn("started_at", "text")
    .addColumn("finished_at", "text")
    .addColumn("outputs_json", "text")
    .addColumn("error_class", "text")
    .addColumn("memory_limit_bytes", "bigint")
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("step_campaign_state").on("step").columns(["campaign_id", "state"]).execute();
  await db.schema.createIndex("step_mous").on("step").columns(["mous_id", "ordinal"]).execute();
  await db.schema
    .createTable("run")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("campaign_id", "text", (c) => c.notNull().references("campaign.id"))
    .addColumn("host", "text", (c) => c.notNull())
    .addColumn("pid", "integer", (c) => c.notNull())
    .addColumn("state", "text", (c) => c.notNull())
    .addColumn("started_at", "text", (c) => c.notNull())
    .addColumn("finished_at", "text")
    .addColumn("heartbeat_at", "text", (c) => c.notNull())
    .execute();
  await db.schema
    .createTable("attempt")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("step_id", "text", (c) => c.notNull().references("step.id"))
    .addColumn("run_id", "text", (c) => c.notNull().references("run.id"))
    .addColumn("number", "integer", (c) => c.notNull())
    .addColumn("state", "text", (c) => c.notNull())
    .addColumn("started_at", "text", (c) => c.notNull())
    .addColumn("finished_at", "text")
    .addColumn("exit_code", "integer")
    .addColumn("signal", "text")
    .addColumn("wall_seconds", "double precision")
    .addColumn("peak_rss_bytes", "bigint")
    .addColumn("memory_limit_bytes", "bigint")
    .addColumn("runtime_id", "text")
    .addColumn("process_group", "integer")
    .addColumn("command_json", "text")
    .addColumn("log_path", "text")
    .addColumn("stdout_path", "text")
    .addColumn("stderr_path", "text")
    .addUniqueConstraint("attempt_step_number", ["step_id", "number"])
    .execute();
  await db.schema
    .createTable("product")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("mous_id", "text", (c) => c.notNull().references("mous.id"))
    .addColumn("step_id", "text", (c) => c.notNull().references("step.id"))
    .addColumn("path", "text", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("size_bytes", "bigint", (c) => c.notNull())
    .addColumn("sha256", "text", (c) => c.notNull())
    .addColumn("meta_json", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addUniqueConstraint("product_mous_path", ["mous_id", "path"])
    .execute();
  await db.schema
    .createTable("error")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("attempt_id", "text", (c) => c.notNull().references("attempt.id"))
    .addColumn("step_id", "text", (c) => c.notNull().references("step.id"))
    .addColumn("mous_id", "text", (c) => c.notNull().references("mous.id"))
    .addColumn("class", "text", (c) => c.notNull())
    .addColumn("message", "text", (c) => c.notNull())
    .addColumn("evidence_line", "text")
    .addColumn("evidence_file", "text")
    .addColumn("decision", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();
}
