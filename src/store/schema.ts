/**
 * The database as Kysely sees it. Ids are text made by reimage (readable, and identical on
 * SQLite and PostgreSQL); times are ISO-8601 UTC text; JSON is text.
 */
export interface CampaignTable {
  id: string;
  name: string;
  recipe: string;
  archive: string;
  options_json: string;
  created_at: string;
}

export interface MousTable {
  id: string;
  campaign_id: string;
  mous_uid: string;
  project_code: string;
  source_name: string | null;
  category: string | null;
  state: string;
  ordinal: number;
  updated_at: string;
}

export interface StepTable {
  id: string;
  mous_id: string;
  campaign_id: string;
  name: string;
  ordinal: number;
  state: string;
  attempts: number;
  claimed_by: string | null;
  heartbeat_at: string | null;
  started_at: string | null;
  finished_at: string | null;
  outputs_json: string | null;
  error_class: string | null;
  memory_limit_bytes: number | null;
  updated_at: string;
}

export interface RunTable {
  id: string;
  campaign_id: string;
  host: string;
  pid: number;
  state: string;
  started_at: string;
  finished_at: string | null;
  heartbeat_at: string;
}

export interface AttemptTable {
  id: string;
  step_id: string;
  run_id: string;
  number: number;
  state: string;
  started_at: string;
  finished_at: string | null;
  exit_code: number | null;
  signal: string | null;
  wall_seconds: number | null;
  peak_rss_bytes: number | null;
  memory_limit_bytes: number | null;
  runtime_id: string | null;
  process_group: number | null;
  command_json: string | null;
  log_path: string | null;
  stdout_path: string | null;
  stderr_path: string | null;
}

export interface ProductTable {
  id: string;
  mous_id: string;
  step_id: string;
  path: string;
  kind: string;
  size_bytes: number;
  sha256: string;
  meta_json: string | null;
  created_at: string;
}

export interface ErrorTable {
  id: string;
  attempt_id: string;
  step_id: string;
  mous_id: string;
  class: string;
  message: string;
  evidence_line: string | null;
  evidence_file: string | null;
  decision: string | null;
  created_at: string;
}

export interface Database {
  campaign: CampaignTable;
  mous: MousTable;
  step: StepTable;
  run: RunTable;
  attempt: AttemptTable;
  product: ProductTable;
  error: ErrorTable;
}
