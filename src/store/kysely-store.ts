/**
 * The campaign store over Kysely. The SQL here is the portable subset SQLite and
 * PostgreSQL share: conditional updates for claims, one transaction per state change, so
 * that a kill -9 at any moment leaves either the old state or the new one. Where the two
 * disagree, the dialect's traits (dialect.ts) decide.
 *
 * Several workers may share a campaign. A step belongs to the run that claimed it
 * (`step.claimed_by`) for as long as that run heartbeats; a run whose heartbeat is stale is
 * declared dead in a transaction that first takes the run's own row on the condition that
 * it has not heartbeated since it was seen, so two workers never both recover it, and a
 * run that was only slow learns from its next heartbeat that it lost its steps.
 */
import { randomUUID } from "node:crypto";
import { sql, type ExpressionBuilder, type Kysely, type Transaction } from "kysely";
import {
  AttemptState,
  MousState,
  StepState,
  type ErrorClass,
  type ProductKind,
  type StepName,
} from "../domain/campaign.js";
import { ErrorCode, ReimageError } from "../domain/errors.js";
import { DIALECT_TRAITS, type DialectTraits, type StoreDialect } from "./dialect.js";
import type { Database } from "./schema.js";
import type {
  AttemptReport,
  AttemptResult,
  CampaignReport,
  CampaignRow,
  CampaignStore,
  CampaignSummary,
  ClaimedStep,
  MousListPage,
  MousListQuery,
  MousReport,
  MousSort,
  NewCampaign,
  NewMous,
  ProductRow,
  RecoveredAttempts,
  RunRow,
  StepRow,
} from "./store.js";

const now = () => new Date().toISOString();
const parseJson = (text: string | null): Record<string, unknown> | null =>
  text === null ? null : (JSON.parse(text) as Record<string, unknown>);

export class KyselyCampaignStore implements CampaignStore {
  private readonly traits: DialectTraits;
  constructor(
    private readonly db: Kysely<Database>,
    readonly dialect: StoreDialect,
  ) {
    this.traits = DIALECT_TRAITS[dialect];
  }

  async createCampaign(campaign: NewCampaign, mouses: readonly NewMous[], steps: readonly StepName[]) {
    return this.db.transaction().execute(async (trx) => {
      const existing = await trx.selectFrom("campaign").select("id").where("id", "=", campaign.id).executeTakeFirst();
      if (existing) return { created: false };
      const t = now();
      await trx
        .insertInto("campaign")
        .values({
          id: campaign.id,
          name: campaign.name,
          recipe: campaign.recipe,
          archive: campaign.archive,
          options_json: JSON.stringify(campaign.options),
          created_at: t,
        })
        .execute();
      const mousRows = mouses.map((m, i) => ({
        id: `${campaign.id}/${m.mousUid}`,
        campaign_id: campaign.id,
        mous_uid: m.mousUid,
        project_code: m.projectCode,
        source_name: m.sourceName ?? null,
        category: m.category ?? null,
        state: MousState.Pending,
        ordinal: i,
        updated_at: t,
      }));
      const stepRows = mousRows.flatMap((m) =>
        steps.map((name, ordinal) => ({
          id: `${m.id}/${name}`,
          mous_id: m.id,
          campaign_id: campaign.id,
          name,
          ordinal,
          state: StepState.Pending,
          attempts: 0,
          updated_at: t,
        })),
      );
      // Many rows per statement, few enough to stay under either database's parameter limit.
      for (const chunk of chunks(mousRows, INSERT_ROWS)) await trx.insertInto("mous").values(chunk).execute();
      for (const chunk of chunks(stepRows, INSERT_ROWS)) await trx.insertInto("step").values(chunk).execute();
      return { created: true };
    });
  }

  async getCampaign(id: string): Promise<CampaignRow | undefined> {
    const row = await this.db.selectFrom("campaign").selectAll().where("id", "=", id).executeTakeFirst();
    return row && toCampaign(row);
  }

  async listCampaigns(): Promise<readonly CampaignRow[]> {
    const rows = await this.db.selectFrom("campaign").selectAll().orderBy("created_at", "desc").execute();
    return rows.map(toCampaign);
  }

  async startRun(campaignId: string, host: string, pid: number): Promise<string> {
    const id = `run-${new Date().toISOString().replace(/[-:.]/g, "")}-${randomUUID().slice(0, 8)}`;
    const t = now();
    await this.db
      .insertInto("run")
      .values({ id, campaign_id: campaignId, host, pid, state: "running", started_at: t, heartbeat_at: t, finished_at: null })
      .execute();
    return id;
  }

  async heartbeatRun(runId: string): Promise<boolean> {
    const t = now();
    return this.db.transaction().execute(async (trx) => {
      const run = await trx.updateTable("run").set({ heartbeat_at: t }).where("id", "=", runId).where("state", "=", "running").executeTakeFirst();
      if (Number(run.numUpdatedRows) !== 1) return false;
      await trx.updateTable("step").set({ heartbeat_at: t }).where("claimed_by", "=", runId).where("state", "=", StepState.Running).execute();
      return true;
    });
  }

  async finishRun(runId: string, state: "finished" | "interrupted"): Promise<void> {
    // A run another worker declared dead stays interrupted, whatever it thinks of itself.
    await this.db.updateTable("run").set({ state, finished_at: now() }).where("id", "=", runId).where("state", "=", "running").execute();
  }

  async recoverInterrupted(campaignId: string, isAlive: (run: RunRow) => boolean): Promise<RecoveredAttempts> {
    const runs = await this.db
      .selectFrom("run")
      .select(["id", "host", "pid", "state", "heartbeat_at"])
      .where("campaign_id", "=", campaignId)
      .where("state", "=", "running")
      .execute();
    const dead = runs
      .map((r) => ({ id: r.id, host: r.host, pid: r.pid, state: "running" as const, heartbeatAt: r.heartbeat_at }))
      .filter((r) => !isAlive(r));
    let freed = 0;
    const orphans: { attemptId: string; host: string; processGroup: number }[] = [];
    for (const run of dead) {
      freed += await this.db.transaction().execute(async (trx) => {
        const t = now();
        // The fence: only if the run is still running and has not heartbeated since it was
        // judged. Another worker recovering it at the same moment waits here, then finds
        // nothing to do; a run that heartbeated meanwhile is left alone.
        const fenced = await trx
          .updateTable("run")
          .set({ state: "interrupted", finished_at: t })
          .where("id", "=", run.id)
          .where("state", "=", "running")
          .where("heartbeat_at", "=", run.heartbeatAt)
          .executeTakeFirst();
        if (Number(fenced.numUpdatedRows) !== 1) return 0;
        const running = await trx
          .selectFrom("attempt")
          .select(["id", "process_group"])
          .where("run_id", "=", run.id)
          .where("state", "=", AttemptState.Running)
          .execute();
        for (const a of running) {
          if (a.process_group !== null) orphans.push({ attemptId: a.id, host: run.host, processGroup: a.process_group });
        }
        await trx
          .updateTable("attempt")
          .set({ state: AttemptState.Interrupted, finished_at: t })
          .where("run_id", "=", run.id)
          .where("state", "=", AttemptState.Running)
          .execute();
        const freedMouses = await trx
          .selectFrom("step")
          .select("mous_id")
          .where("claimed_by", "=", run.id)
          .where("state", "=", StepState.Running)
          .execute();
        const steps = await trx
          .updateTable("step")
          .set({ state: StepState.Pending, claimed_by: null, heartbeat_at: null, updated_at: t })
          .where("claimed_by", "=", run.id)
          .where("state", "=", StepState.Running)
          .executeTakeFirst();
        for (const { mous_id } of freedMouses) await this.refreshMousStates(trx, campaignId, mous_id);
        return Number(steps.numUpdatedRows);
      });
    }
    return { steps: freed, orphans };
  }

  async activeClaims(campaignId: string): Promise<number> {
    const row = await this.db
      .selectFrom("step")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("campaign_id", "=", campaignId)
      .where("state", "=", StepState.Running)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async runnableSteps(campaignId: string, limit: number): Promise<readonly StepRow[]> {
    // The first unfinished step of each live MOUS, in campaign order, when it is pending:
    // steps of one MOUS run in order. Live MOUSs are walked page by page along their
    // partial index (migration 003), so that a call costs the same for ten MOUSs or ten
    // thousand; MOUSs whose current step another worker runs are passed over.
    const live = [sql.lit(MousState.Pending), sql.lit(MousState.Running)];
    const page = limit * 2 + 32;
    const found: StepRow[] = [];
    let after = -1;
    while (found.length < limit) {
      const mouses = await this.db
        .selectFrom("mous as m")
        .select([
          "m.ordinal",
          (eb) =>
            eb
              .selectFrom("step as e")
              .select("e.id")
              .whereRef("e.mous_id", "=", "m.id")
              .where("e.state", "!=", StepState.Succeeded)
              .orderBy("e.ordinal")
              .limit(1)
              .as("next_step"),
        ])
        .where("m.campaign_id", "=", campaignId)
        .where("m.state", "in", live)
        .where("m.ordinal", ">", after)
        .orderBy("m.ordinal")
        .limit(page)
        .execute();
      const ids = mouses.map((m) => m.next_step).filter((id): id is string => id !== null);
      if (ids.length > 0) {
        const rows = await this.db
          .selectFrom("step as s")
          .innerJoin("mous as m", "m.id", "s.mous_id")
          .select(STEP_COLUMNS)
          .where("s.id", "in", ids)
          .where("s.state", "=", StepState.Pending)
          .orderBy("m.ordinal")
          .execute();
        found.push(...rows.map(toStepRow));
      }
      if (mouses.length < page) break;
      after = mouses[mouses.length - 1]!.ordinal;
    }
    return found.slice(0, limit);
  }

  async claimStep(stepId: string, runId: string): Promise<ClaimedStep | undefined> {
    return this.db.transaction().execute(async (trx) => {
      const t = now();
      // Only a live run claims. On PostgreSQL the run's row is held (shared) until the claim
      // commits, so a recovery of this run either comes before (and we learn it here) or
      // waits for the claim and then frees this step too.
      const run = await trx
        .selectFrom("run")
        .select("state")
        .where("id", "=", runId)
        .$if(this.traits.skipLockedClaims, (q) => q.forShare())
        .executeTakeFirst();
      if (run?.state !== "running") {
        throw new ReimageError(ErrorCode.LeaseLost, `run ${runId} is ${run?.state ?? "unknown to the store"}: it may claim no step`);
      }
      if (this.traits.skipLockedClaims) {
        // Another worker claiming this step right now holds its row: pass, do not queue.
        const free = await trx
          .selectFrom("step")
          .select("id")
          .where("id", "=", stepId)
          .where("state", "=", StepState.Pending)
          .forUpdate()
          .skipLocked()
          .executeTakeFirst();
        if (!free) return undefined;
      }
      const claimed = await trx
        .updateTable("step")
        .set((eb) => ({
          state: StepState.Running,
          claimed_by: runId,
          heartbeat_at: t,
          started_at: t,
          finished_at: null,
          attempts: eb("attempts", "+", 1),
          updated_at: t,
        }))
        .where("id", "=", stepId)
        .where("state", "=", StepState.Pending)
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) !== 1) return undefined;
      const step = await trx
        .selectFrom("step as s")
        .innerJoin("mous as m", "m.id", "s.mous_id")
        .select(STEP_COLUMNS)
        .where("s.id", "=", stepId)
        .executeTakeFirstOrThrow();
      const attemptId = `${stepId}#${step.attempts}`;
      await trx
        .insertInto("attempt")
        .values({
          id: attemptId,
          step_id: stepId,
          run_id: runId,
          number: step.attempts,
          state: AttemptState.Running,
          started_at: t,
          finished_at: null,
          exit_code: null,
          signal: null,
          wall_seconds: null,
          peak_rss_bytes: null,
          memory_limit_bytes: null,
          runtime_id: null,
          process_group: null,
          command_json: null,
          log_path: null,
          stdout_path: null,
          stderr_path: null,
        })
        .execute();
      await trx.updateTable("mous").set({ state: MousState.Running, updated_at: t }).where("id", "=", step.mous_id).execute();
      const earlier = await trx
        .selectFrom("step")
        .select(["name", "outputs_json"])
        .where("mous_id", "=", step.mous_id)
        .where("ordinal", "<", step.ordinal)
        .execute();
      const inputs: Record<string, Record<string, unknown>> = {};
      for (const e of earlier) inputs[e.name] = parseJson(e.outputs_json) ?? {};
      return {
        ...toStepRow(step),
        attemptId,
        attemptNumber: step.attempts,
        inputs,
      };
    });
  }

  async noteAttemptLogs(
    attemptId: string,
    logs: { log?: string; stdout?: string; stderr?: string; command?: readonly string[]; processGroup?: number },
  ): Promise<void> {
    await this.db
      .updateTable("attempt")
      .set({
        ...(logs.log !== undefined && { log_path: logs.log }),
        ...(logs.stdout !== undefined && { stdout_path: logs.stdout }),
        ...(logs.stderr !== undefined && { stderr_path: logs.stderr }),
        ...(logs.command !== undefined && { command_json: JSON.stringify(logs.command) }),
        ...(logs.processGroup !== undefined && { process_group: logs.processGroup }),
      })
      .where("id", "=", attemptId)
      .execute();
  }

  async finishAttempt(attemptId: string, result: AttemptResult): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const t = now();
      const attempt = await trx
        .selectFrom("attempt")
        .select(["step_id", "number", "state", "started_at"])
        .where("id", "=", attemptId)
        .executeTakeFirst();
      if (!attempt) throw new ReimageError(ErrorCode.Store, `no attempt ${attemptId} in the store`);
      if (attempt.state === AttemptState.Interrupted) {
        throw new ReimageError(
          ErrorCode.LeaseLost,
          `attempt ${attemptId} was marked interrupted, its run taken for dead, and its step handed to another worker: its result is not recorded`,
        );
      }
      if (attempt.state !== AttemptState.Running) {
        throw new ReimageError(ErrorCode.Store, `attempt ${attemptId} is already ${attempt.state}`);
      }
      const step = await trx.selectFrom("step").select(["mous_id", "campaign_id", "ordinal"]).where("id", "=", attempt.step_id).executeTakeFirstOrThrow();
      const p = result.process;
      await trx
        .updateTable("attempt")
        .set({
          state: result.state,
          finished_at: t,
          // Steps that run no process (fetch, products) are timed by their attempt.
          wall_seconds: p ? p.wallSeconds : (Date.parse(t) - Date.parse(attempt.started_at)) / 1000,
          ...(p && {
            exit_code: p.exitCode,
            signal: p.signal,
            peak_rss_bytes: p.peakRssBytes,
            memory_limit_bytes: p.memoryLimitBytes ?? null,
            runtime_id: p.runtimeId ?? null,
            command_json: JSON.stringify(p.command),
            log_path: p.logFile ?? null,
            stdout_path: p.stdoutFile ?? null,
            stderr_path: p.stderrFile ?? null,
          }),
        })
        .where("id", "=", attemptId)
        .execute();

      for (const product of result.products ?? []) {
        // A re-run of a step replaces what an earlier attempt recorded at the same path.
        await trx.deleteFrom("product").where("mous_id", "=", step.mous_id).where("path", "=", product.path).execute();
        await trx
          .insertInto("product")
          .values({
            id: `${step.mous_id}:${product.path}`,
            mous_id: step.mous_id,
            step_id: attempt.step_id,
            path: product.path,
            kind: product.kind,
            size_bytes: product.sizeBytes,
            sha256: product.sha256,
            meta_json: product.meta ? JSON.stringify(product.meta) : null,
            created_at: t,
          })
          .execute();
      }
      if (result.failure) {
        await trx
          .insertInto("error")
          .values({
            id: `${attemptId}:error`,
            attempt_id: attemptId,
            step_id: attempt.step_id,
            mous_id: step.mous_id,
            class: result.failure.errorClass,
            message: result.failure.message,
            evidence_line: result.failure.evidenceLine ?? null,
            evidence_file: result.failure.evidenceFile ?? null,
            decision: result.decision ?? null,
            created_at: t,
          })
          .execute();
      }

      const stepState =
        result.state === AttemptState.Succeeded
          ? StepState.Succeeded
          : result.state === AttemptState.Interrupted || result.willRetry
            ? StepState.Pending
            : StepState.Failed;
      await trx
        .updateTable("step")
        .set({
          state: stepState,
          claimed_by: null,
          heartbeat_at: null,
          finished_at: stepState === StepState.Pending ? null : t,
          error_class: result.failure?.errorClass ?? null,
          ...(result.willRetry && result.nextMemoryLimitBytes !== undefined && { memory_limit_bytes: result.nextMemoryLimitBytes }),
          ...(result.outputs !== undefined && { outputs_json: JSON.stringify(result.outputs) }),
          updated_at: t,
        })
        .where("id", "=", attempt.step_id)
        .execute();
      if (result.nothingToProcess) {
        await trx
          .updateTable("step")
          .set({ state: StepState.Skipped, updated_at: t })
          .where("mous_id", "=", step.mous_id)
          .where("ordinal", ">", step.ordinal)
          .execute();
        await trx.updateTable("mous").set({ state: MousState.NothingToProcess, updated_at: t }).where("id", "=", step.mous_id).execute();
      } else {
        await this.refreshMousStates(trx, step.campaign_id, step.mous_id);
      }
    });
  }

  async resetFailed(campaignId: string): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const t = now();
      const res = await trx
        .updateTable("step")
        .set({ state: StepState.Pending, finished_at: null, updated_at: t })
        .where("campaign_id", "=", campaignId)
        .where("state", "=", StepState.Failed)
        .executeTakeFirst();
      await trx
        .updateTable("mous")
        .set({ state: MousState.Pending, updated_at: t })
        .where("campaign_id", "=", campaignId)
        .where("state", "=", MousState.Failed)
        .execute();
      return Number(res.numUpdatedRows);
    });
  }

  /** A MOUS's state follows from its steps: any failed, all done, any started, or none. */
  private async refreshMousStates(trx: Transaction<Database>, campaignId: string, mousId?: string): Promise<void> {
    let q = trx
      .selectFrom("step")
      .select(["mous_id", "state"])
      .where("campaign_id", "=", campaignId);
    if (mousId !== undefined) q = q.where("mous_id", "=", mousId);
    const steps = await q.execute();
    const byMous = new Map<string, string[]>();
    for (const s of steps) byMous.set(s.mous_id, [...(byMous.get(s.mous_id) ?? []), s.state]);
    const t = now();
    for (const [id, states] of byMous) {
      const current = await trx.selectFrom("mous").select("state").where("id", "=", id).executeTakeFirstOrThrow();
      if (current.state === MousState.NothingToProcess) continue;
      const state = states.includes(StepState.Failed)
        ? MousState.Failed
        : states.every((s) => s === StepState.Succeeded || s === StepState.Skipped)
          ? MousState.Succeeded
          : states.includes(StepState.Running) || states.some((s) => s === StepState.Succeeded)
            ? MousState.Running
            : MousState.Pending;
      if (state !== current.state) await trx.updateTable("mous").set({ state, updated_at: t }).where("id", "=", id).execute();
    }
  }

  async stepCounts(campaignId: string): Promise<{ total: number; done: number }> {
    const rows = await this.db
      .selectFrom("step")
      .select(["state", (eb) => eb.fn.countAll<number>().as("n")])
      .where("campaign_id", "=", campaignId)
      .groupBy("state")
      .execute();
    let total = 0;
    let done = 0;
    for (const r of rows) {
      const n = Number(r.n);
      total += n;
      if (r.state !== StepState.Pending && r.state !== StepState.Running) done += n;
    }
    return { total, done };
  }

  async report(campaignId: string): Promise<CampaignReport> {
    return this.reportOf(campaignId, undefined);
  }

  /** The whole campaign's report, or (with `mousId`) the part of it about one MOUS. */
  private async reportOf(campaignId: string, mousId: string | undefined): Promise<CampaignReport> {
    const campaign = await this.getCampaign(campaignId);
    if (!campaign) throw new ReimageError(ErrorCode.BadInput, `no campaign "${campaignId}" in the store`);
    const one = mousId !== undefined;
    const [mouses, steps, attempts, products, errors] = await Promise.all([
      this.db.selectFrom("mous").selectAll().where("campaign_id", "=", campaignId).$if(one, (q) => q.where("id", "=", mousId!)).orderBy("ordinal").execute(),
      this.db.selectFrom("step").selectAll().where("campaign_id", "=", campaignId).$if(one, (q) => q.where("mous_id", "=", mousId!)).orderBy("ordinal").execute(),
      this.db
        .selectFrom("attempt as a")
        .innerJoin("step as s", "s.id", "a.step_id")
        .selectAll("a")
        .where("s.campaign_id", "=", campaignId)
        .$if(one, (q) => q.where("s.mous_id", "=", mousId!))
        .orderBy("a.number")
        .execute(),
      this.db
        .selectFrom("product as p")
        .innerJoin("step as s", "s.id", "p.step_id")
        .select(["p.mous_id", "p.path", "p.kind", "p.size_bytes", "p.sha256", "p.meta_json", "s.name as step"])
        .where("s.campaign_id", "=", campaignId)
        .$if(one, (q) => q.where("p.mous_id", "=", mousId!))
        .orderBy("p.path")
        .execute(),
      this.db
        .selectFrom("error as e")
        .innerJoin("step as s", "s.id", "e.step_id")
        .innerJoin("attempt as a", "a.id", "e.attempt_id")
        .select(["e.mous_id", "s.name as step", "a.number", "e.class", "e.message", "e.evidence_line", "e.evidence_file", "e.decision"])
        .where("s.campaign_id", "=", campaignId)
        .$if(one, (q) => q.where("e.mous_id", "=", mousId!))
        .orderBy("e.created_at")
        .execute(),
    ]);
    const attemptsByStep = groupBy(attempts, (a) => a.step_id);
    const counts: Record<MousState, number> = {
      [MousState.Pending]: 0,
      [MousState.Running]: 0,
      [MousState.Succeeded]: 0,
      [MousState.Failed]: 0,
      [MousState.NothingToProcess]: 0,
    };
    const reports: MousReport[] = mouses.map((m) => {
      counts[m.state as MousState] += 1;
      return {
        mousUid: m.mous_uid,
        projectCode: m.project_code,
        sourceName: m.source_name,
        category: m.category,
        state: m.state as MousState,
        steps: steps
          .filter((s) => s.mous_id === m.id)
          .map((s) => ({
            name: s.name as StepName,
            state: s.state as StepState,
            startedAt: s.started_at,
            finishedAt: s.finished_at,
            outputs: s.outputs_json === null ? null : (JSON.parse(s.outputs_json) as Record<string, unknown>),
            attempts: (attemptsByStep.get(s.id) ?? []).map(
              (a): AttemptReport => ({
                number: a.number,
                state: a.state as AttemptState,
                startedAt: a.started_at,
                finishedAt: a.finished_at,
                exitCode: a.exit_code,
                signal: a.signal,
                wallSeconds: a.wall_seconds,
                peakRssBytes: a.peak_rss_bytes === null ? null : Number(a.peak_rss_bytes),
                memoryLimitBytes: a.memory_limit_bytes === null ? null : Number(a.memory_limit_bytes),
                processGroup: a.process_group,
                logPath: a.log_path,
                stdoutPath: a.stdout_path,
                stderrPath: a.stderr_path,
                runId: a.run_id,
              }),
            ),
          })),
        products: products
          .filter((p) => p.mous_id === m.id)
          .map((p) => ({
            path: p.path,
            kind: p.kind as ProductKind,
            sizeBytes: Number(p.size_bytes),
            sha256: p.sha256,
            meta: parseJson(p.meta_json) ?? undefined,
            step: p.step as StepName,
          })),
        errors: errors
          .filter((e) => e.mous_id === m.id)
          .map((e) => ({
            step: e.step as StepName,
            attempt: e.number,
            errorClass: e.class as ErrorClass,
            message: e.message,
            evidenceLine: e.evidence_line,
            evidenceFile: e.evidence_file,
            decision: e.decision,
          })),
      };
    });
    return { campaign, counts, mouses: reports };
  }

  async mousReport(campaignId: string, mousUid: string): Promise<MousReport | undefined> {
    const report = await this.reportOf(campaignId, `${campaignId}/${mousUid}`);
    return report.mouses[0];
  }

  async listMouses(campaignId: string, query: MousListQuery): Promise<MousListPage> {
    const failedClass = (eb: ExpressionBuilder<Database, "mous">) =>
      eb
        .selectFrom("step as f")
        .select((e) => e.fn.max("f.error_class").as("c"))
        .whereRef("f.mous_id", "=", "mous.id")
        .where("f.state", "=", StepState.Failed);
    const filtered = this.db
      .selectFrom("mous")
      .where("campaign_id", "=", campaignId)
      .$if(query.state !== undefined, (q) => q.where("state", "=", query.state!))
      .$if(query.category !== undefined, (q) => q.where("category", "=", query.category!))
      .$if(query.errorClass !== undefined, (q) =>
        q.where((eb) =>
          eb.exists(
            eb
              .selectFrom("step as f")
              .select("f.id")
              .whereRef("f.mous_id", "=", "mous.id")
              .where("f.state", "=", StepState.Failed)
              .where("f.error_class", "=", query.errorClass!),
          ),
        ),
      )
      .$if(query.search !== undefined && query.search !== "", (q) => {
        const like = `%${query.search!.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
        const op = this.traits.caseInsensitiveLike;
        return q.where((eb) =>
          eb.or([
            eb("mous_uid", op, sql<string>`${like} escape '\\'`),
            eb("project_code", op, sql<string>`${like} escape '\\'`),
            eb("source_name", op, sql<string>`${like} escape '\\'`),
          ]),
        );
      });
    const column = MOUS_SORT_COLUMNS[query.sort];
    const direction = query.descending ? "desc" : "asc";
    const [total, rows] = await Promise.all([
      filtered.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow(),
      filtered
        .select(["mous_uid", "project_code", "source_name", "category", "state", "updated_at", (eb) => failedClass(eb).as("error_class")])
        // SQLite's order (NULLs first when ascending) on both databases.
        .orderBy(column, (ob) => (query.descending ? ob.desc().nullsLast() : ob.asc().nullsFirst()))
        .orderBy("ordinal", direction)
        .limit(query.limit)
        .offset(query.offset)
        .execute(),
    ]);
    return {
      total: Number(total.n),
      rows: rows.map((r) => ({
        mousUid: r.mous_uid,
        projectCode: r.project_code,
        sourceName: r.source_name,
        category: r.category,
        state: r.state as MousState,
        updatedAt: r.updated_at,
        errorClass: (r.error_class as ErrorClass | null) ?? null,
      })),
    };
  }

  async campaignSummary(campaignId: string): Promise<CampaignSummary> {
    const [states, failedClasses, errorClasses, categories, steps, runs, finished] = await Promise.all([
      this.db
        .selectFrom("mous")
        .select(["state", (eb) => eb.fn.countAll<number>().as("n")])
        .where("campaign_id", "=", campaignId)
        .groupBy("state")
        .execute(),
      this.db
        .selectFrom("step")
        .select(["error_class", (eb) => eb.fn.count<number>("mous_id").distinct().as("n")])
        .where("campaign_id", "=", campaignId)
        .where("state", "=", StepState.Failed)
        .groupBy("error_class")
        .execute(),
      this.db
        .selectFrom("error as e")
        .innerJoin("mous as m", "m.id", "e.mous_id")
        .select(["e.class", (eb) => eb.fn.countAll<number>().as("n")])
        .where("m.campaign_id", "=", campaignId)
        .groupBy("e.class")
        .execute(),
      this.db
        .selectFrom("mous")
        .select(["category", "state", (eb) => eb.fn.countAll<number>().as("n")])
        .where("campaign_id", "=", campaignId)
        .groupBy(["category", "state"])
        .execute(),
      this.stepCounts(campaignId),
      this.db
        .selectFrom("run")
        .select(["id", "host", "pid", "state", "heartbeat_at", "started_at"])
        .where("campaign_id", "=", campaignId)
        .orderBy("started_at", "desc")
        .limit(5)
        .execute(),
      this.db
        .selectFrom("step")
        .select([(eb) => eb.fn.min("started_at").as("first"), (eb) => eb.fn.max("finished_at").as("last")])
        .where("campaign_id", "=", campaignId)
        .executeTakeFirstOrThrow(),
    ]);
    const counts: Record<MousState, number> = {
      [MousState.Pending]: 0,
      [MousState.Running]: 0,
      [MousState.Succeeded]: 0,
      [MousState.Failed]: 0,
      [MousState.NothingToProcess]: 0,
    };
    for (const r of states) counts[r.state as MousState] += Number(r.n);
    return {
      counts,
      failedByClass: failedClasses.map((r) => ({ errorClass: (r.error_class ?? "unknown") as ErrorClass, mouses: Number(r.n) })),
      errorsByClass: errorClasses.map((r) => ({ errorClass: r.class as ErrorClass, errors: Number(r.n) })),
      categories: categories.map((r) => ({ category: r.category, state: r.state as MousState, mouses: Number(r.n) })),
      steps,
      runs: runs.map((r) => ({
        id: r.id,
        host: r.host,
        pid: r.pid,
        state: r.state as RunRow["state"],
        heartbeatAt: r.heartbeat_at,
        startedAt: r.started_at,
      })),
      firstStartedAt: finished.first ?? null,
      lastFinishedAt: finished.last ?? null,
    };
  }

  async listProducts(campaignId: string, options: { readonly kinds?: readonly ProductKind[]; readonly mousUid?: string } = {}): Promise<readonly ProductRow[]> {
    const rows = await this.db
      .selectFrom("product as p")
      .innerJoin("mous as m", "m.id", "p.mous_id")
      .innerJoin("step as s", "s.id", "p.step_id")
      .select(PRODUCT_COLUMNS)
      .where("m.campaign_id", "=", campaignId)
      .$if(options.kinds !== undefined, (q) => q.where("p.kind", "in", options.kinds!))
      .$if(options.mousUid !== undefined, (q) => q.where("p.mous_id", "=", `${campaignId}/${options.mousUid!}`))
      .orderBy("m.ordinal")
      .orderBy("p.path")
      .execute();
    return rows.map(toProductRow);
  }

  async getProduct(campaignId: string, productId: string): Promise<ProductRow | undefined> {
    const row = await this.db
      .selectFrom("product as p")
      .innerJoin("mous as m", "m.id", "p.mous_id")
      .innerJoin("step as s", "s.id", "p.step_id")
      .select(PRODUCT_COLUMNS)
      .where("m.campaign_id", "=", campaignId)
      .where("p.id", "=", productId)
      .executeTakeFirst();
    return row && toProductRow(row);
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}

/** Sortable columns of the MOUS list, by the name the dashboard uses. */
const MOUS_SORT_COLUMNS = {
  mous: "mous_uid",
  project: "project_code",
  source: "source_name",
  category: "category",
  state: "state",
  updated: "updated_at",
} as const satisfies Record<MousSort, keyof Database["mous"]>;

const PRODUCT_COLUMNS = [
  "p.id",
  "m.mous_uid",
  "m.project_code",
  "m.source_name",
  "s.name as step",
  "p.path",
  "p.kind",
  "p.size_bytes",
  "p.sha256",
  "p.meta_json",
  "p.created_at",
] as const;

function toProductRow(r: {
  id: string;
  mous_uid: string;
  project_code: string;
  source_name: string | null;
  step: string;
  path: string;
  kind: string;
  size_bytes: number | bigint | string;
  sha256: string;
  meta_json: string | null;
  created_at: string;
}): ProductRow {
  return {
    id: r.id,
    mousUid: r.mous_uid,
    projectCode: r.project_code,
    sourceName: r.source_name,
    step: r.step as StepName,
    path: r.path,
    kind: r.kind as ProductKind,
    sizeBytes: Number(r.size_bytes),
    sha256: r.sha256,
    meta: parseJson(r.meta_json) ?? undefined,
    createdAt: r.created_at,
  };
}

/** The columns of a step joined to its MOUS, as the engine sees them. */
const STEP_COLUMNS = [
  "s.id",
  "s.mous_id",
  "m.mous_uid",
  "m.project_code",
  "s.name",
  "s.ordinal",
  "s.state",
  "s.attempts",
  "s.memory_limit_bytes",
  "s.outputs_json",
] as const;

function toStepRow(r: {
  id: string;
  mous_id: string;
  mous_uid: string;
  project_code: string;
  name: string;
  ordinal: number;
  state: string;
  attempts: number;
  memory_limit_bytes: number | bigint | string | null;
  outputs_json: string | null;
}): StepRow {
  return {
    id: r.id,
    mousId: r.mous_id,
    mousUid: r.mous_uid,
    projectCode: r.project_code,
    name: r.name as StepName,
    ordinal: r.ordinal,
    state: r.state as StepState,
    attempts: r.attempts,
    memoryLimitBytes: r.memory_limit_bytes === null ? null : Number(r.memory_limit_bytes),
    outputs: parseJson(r.outputs_json),
  };
}

function toCampaign(row: Database["campaign"]): CampaignRow {
  return {
    id: row.id,
    name: row.name,
    recipe: row.recipe,
    archive: row.archive,
    options: JSON.parse(row.options_json) as Record<string, unknown>,
    createdAt: row.created_at,
  };
}

/** Rows per multi-row INSERT: 9 columns x 1000 stays under SQLite's 32766 and PostgreSQL's 65535 parameters. */
const INSERT_ROWS = 1000;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = map.get(k);
    if (list) list.push(item);
    else map.set(k, [item]);
  }
  return map;
}
