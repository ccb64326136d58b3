/**
 * The bulk runner: starts runs (`startBulkRun`), drives them with the one `bulk.run` job, and shows them to pages
 * (`latestBulkRun`, `bulkRunProgress`). A run goes
 *
 *   pending ──submit──▶ running ──poll…──▶ processing ──stream batches──▶ completed
 *      │                   │                    │
 *      └───────────────────┴────────────────────┴──▶ failed | canceled
 *
 * - pending: the job sends bulkOperationRunQuery. "Busy" answers (the shop already runs as many bulk queries as
 *   Shopify allows) wait a minute and try again, for up to an hour.
 * - running: the job polls bulkOperation(id:) and enqueues its own next step (2 s, growing to 30 s), recording
 *   objectCount as Shopify reports it. Polling, not the BULK_OPERATIONS_FINISH webhook: see
 *   docs/decisions/008-bulk-operations.md.
 * - processing: the JSONL at `url` is streamed (never held whole) and applied in batches; after each batch
 *   `linesProcessed` moves forward by a compare-and-set, so a restarted job (lease expired, worker killed) skips what
 *   was applied and replays at most the batch that was in flight.
 * - Every step is one job execution; the next step is enqueued with a dedupeKey on (run, step), so a step that runs
 *   twice cannot fork the chain.
 */
import { z } from "zod";

import { recordActivity } from "~/activity/activity.server";
import type { Db, PrismaClient } from "~/db.server";
import type { BulkRun } from "~/generated/sqlite/client";
import { defineJob, PermanentJobError } from "~/jobs/define.server";
import { enqueue, providerOf } from "~/jobs/queue.server";
import { onJobEvent } from "~/jobs/worker.server";
import { logger as rootLogger, type Logger } from "~/logger.server";
import type { AdminClient } from "~/shopify/admin-client.server";
import { GraphqlErrorsError, ShopNeedsReauthError } from "~/shopify/errors";
import { BULK_OPERATION_CANCEL_MUTATION } from "~/graphql/BulkOperationCancel";
import { BULK_OPERATION_RUN_QUERY_MUTATION } from "~/graphql/BulkOperationRunQuery";
import { BULK_OPERATION_STATUS_QUERY } from "~/graphql/BulkOperationStatus";

import { BulkRunError, getBulkKind, type BulkKind, type BulkRunContext } from "./define.server";
import { jsonlBatches, jsonlLines } from "./jsonl.server";

export const BULK_RUN_JOB = "bulk.run";

export type BulkRunStatus = "pending" | "running" | "processing" | "completed" | "failed" | "canceled";
export const ACTIVE_STATUSES: readonly BulkRunStatus[] = ["pending", "running", "processing"];
const TERMINAL_STATUSES: readonly string[] = ["completed", "failed", "canceled"];

/** Polls start 2 s after submitting and grow to one every 30 s. */
export function pollDelayMs(step: number): number {
  return Math.min(30_000, Math.round(2_000 * 1.5 ** Math.max(0, step - 1)));
}
/** How long a run waits for a free bulk-operation slot before it gives up. */
export const BUSY_RETRY_MS = 60_000;
export const BUSY_GIVE_UP_MS = 60 * 60_000;
/** No byte of the result for this long: the download is abandoned and retried by the job's backoff. */
export const DOWNLOAD_IDLE_TIMEOUT_MS = 60_000;

export class UnknownBulkKindError extends Error {
  constructor(kind: string) {
    super(`No bulk kind "${kind}" is registered (is its module imported by app/jobs/registry.server.ts?)`);
    this.name = "UnknownBulkKindError";
  }
}

export class InvalidBulkParamsError extends Error {
  constructor(kind: string, detail: string) {
    super(`Invalid params for bulk kind ${kind}: ${detail}`);
    this.name = "InvalidBulkParamsError";
  }
}

// ------------------------------------------------------------------------------------------------ starting a run

export interface StartedBulkRun {
  run: BulkRun;
  /** False when a run of this kind was already active for the shop: `run` is that run, nothing new started. */
  created: boolean;
}

function runJobPayload(runId: string, step: number) {
  return { runId, step };
}

function stepDedupeKey(runId: string, step: number): string {
  return `bulk.run:${runId}:${step}`;
}

/** Matches the payload of every step of one run (payloads are written by runJobPayload, key order fixed). */
function runPayloadMarker(runId: string): string {
  return `"runId":${JSON.stringify(runId)}`;
}

/**
 * Serialises starts of one (shop, kind). SQLite transactions are already serial (BEGIN IMMEDIATE, see
 * db.server.ts); on PostgreSQL a transaction-scoped advisory lock on the pair does it, so two clicks in two
 * processes cannot both see "no active run" and both create one. (No unique constraint can say "one active run":
 * finished runs stay as history.)
 */
async function lockKind(tx: Db, shop: string, kind: string): Promise<void> {
  if (providerOf(tx) !== "postgresql") return;
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`bulk:${shop}:${kind}`}, 0))`;
}

/**
 * Creates a run (status pending) and enqueues its first step, in one transaction. While a run of the same kind is
 * active for the shop, nothing is created and that run is returned (`created: false`). An active run with no job
 * left to drive it (one lost outside the runner's control) is marked failed first, so it cannot block the shop.
 */
export async function startBulkRun(db: PrismaClient, shop: string, kind: string, params: unknown, now = new Date()): Promise<StartedBulkRun> {
  const definition = getBulkKind(kind);
  if (!definition) throw new UnknownBulkKindError(kind);
  const parsed = definition.paramsSchema.safeParse(params);
  if (!parsed.success) throw new InvalidBulkParamsError(kind, parsed.error.message);

  const orphaned: BulkRun[] = [];
  const started = await db.$transaction(async (tx) => {
    await lockKind(tx, shop, kind);
    const active = await tx.bulkRun.findFirst({
      where: { shop, kind, status: { in: [...ACTIVE_STATUSES] } },
      orderBy: { startedAt: "desc" },
    });
    if (active) {
      const driving = await tx.job.count({
        where: { shop, type: BULK_RUN_JOB, status: { in: ["queued", "running"] }, payload: { contains: runPayloadMarker(active.id) } },
      });
      if (driving > 0) return { run: active, created: false };
      const message = "The run stopped unexpectedly (its job was lost) and was replaced by a new one.";
      await tx.bulkRun.updateMany({
        where: { id: active.id, shop, status: active.status },
        data: { status: "failed", error: message, finishedAt: now },
      });
      orphaned.push({ ...active, status: "failed", error: message, finishedAt: now });
    }
    const run = await tx.bulkRun.create({
      data: { shop, kind, status: "pending", params: JSON.stringify(parsed.data), startedAt: now },
    });
    await enqueue(tx, { type: BULK_RUN_JOB, shop, payload: runJobPayload(run.id, 0), dedupeKey: stepDedupeKey(run.id, 0), runAt: now });
    return { run, created: true };
  });
  for (const run of orphaned) {
    await notifyFailed(db, definition, run, new BulkRunError("INTERRUPTED", run.error ?? "interrupted"), rootLogger);
  }
  return started;
}

// ------------------------------------------------------------------------------------------------ reading runs

export async function latestBulkRun(db: Db, shop: string, kind: string): Promise<BulkRun | null> {
  return db.bulkRun.findFirst({ where: { shop, kind }, orderBy: { startedAt: "desc" } });
}

export type BulkRunPhase =
  /** Created, waiting for the job to submit it (or for a free slot at Shopify). */
  | "queued"
  /** Shopify is collecting the data; objectCount grows. */
  | "collecting"
  /** The result is being applied; linesProcessed / linesTotal. */
  | "applying"
  | "completed"
  | "failed"
  | "canceled";

/** What a page shows about a run: plain JSON (dates as ISO strings), safe to return from a loader. */
export interface BulkRunProgress {
  id: string;
  kind: string;
  status: BulkRunStatus;
  phase: BulkRunPhase;
  objectCount: number;
  linesProcessed: number;
  /** Known once Shopify finished collecting (its objectCount), exact once the run completed. */
  linesTotal: number | null;
  /** 0–100 while applying and after; null while Shopify collects (show an indeterminate bar). */
  percent: number | null;
  startedAt: string;
  finishedAt: string | null;
  error: string | null;
  active: boolean;
}

export function bulkRunProgress(run: BulkRun): BulkRunProgress {
  const status = run.status as BulkRunStatus;
  const phase: BulkRunPhase =
    status === "pending" ? "queued" : status === "running" ? "collecting" : status === "processing" ? "applying" : status;
  let percent: number | null = null;
  if (status === "completed") percent = 100;
  else if (run.linesTotal !== null && run.linesTotal > 0 && (status === "processing" || status === "failed" || status === "canceled")) {
    percent = Math.min(100, Math.floor((run.linesProcessed / run.linesTotal) * 100));
  } else if (status === "processing") percent = 0;
  return {
    id: run.id,
    kind: run.kind,
    status,
    phase,
    objectCount: run.objectCount,
    linesProcessed: run.linesProcessed,
    linesTotal: run.linesTotal,
    percent,
    startedAt: run.startedAt.toISOString(),
    finishedAt: run.finishedAt?.toISOString() ?? null,
    error: run.error,
    active: ACTIVE_STATUSES.includes(status),
  };
}

// ------------------------------------------------------------------------------------------------ the job

/** A step found that another execution moved the run on (or ended it): this one stops quietly. */
class RunMovedOn extends Error {
  constructor() {
    super("the run was moved on by another execution");
    this.name = "RunMovedOn";
  }
}

interface Step<P> {
  ctx: BulkRunContext<P>;
  kind: BulkKind<P>;
  step: number;
  client: () => Promise<AdminClient>;
  now: () => Date;
}

export const bulkRunJob = defineJob(BULK_RUN_JOB, {
  schema: z.object({ runId: z.string().min(1), step: z.number().int().nonnegative() }),
  maxAttempts: 8,
  backoff: { baseMs: 15_000, maxMs: 15 * 60_000 },
  async perform({ runId, step }, job) {
    const { db, shop, signal } = job;
    if (!shop) throw new PermanentJobError("bulk.run job without a shop");
    const run = await db.bulkRun.findFirst({ where: { id: runId, shop } });
    if (!run || TERMINAL_STATUSES.includes(run.status)) return; // shop/redact removed it, or it is over
    const logger = job.logger.child({ bulkRunId: run.id, bulkKind: run.kind });
    const kind = getBulkKind(run.kind);
    if (!kind) {
      await markEnded(db, run, "failed", `This app version cannot run "${run.kind}" (unknown kind).`, logger);
      return;
    }
    const params = kind.paramsSchema.safeParse(JSON.parse(run.params) as unknown);
    if (!params.success) {
      await endRun(db, kind, run, new BulkRunError("INVALID", "The run's stored settings are no longer valid; start it again."), logger);
      return;
    }
    const ctx: BulkRunContext<unknown> = { db, shop, run, params: params.data, logger, signal };
    let client: AdminClient | undefined;
    const s: Step<unknown> = {
      ctx,
      kind,
      step,
      now: () => new Date(),
      client: async () => {
        // Loaded here, not at the top: the job registry imports this module, and the client brings the Shopify
        // composition root (and its environment check) with it.
        const { adminClientForShop } = await import("~/shopify/admin-client.server");
        client ??= await adminClientForShop(shop, { db });
        return client;
      },
    };
    try {
      const reason = await kind.proceed?.(ctx);
      if (reason) return await stopRun(s, reason);
      if (run.status === "pending") return await submit(s);
      if (run.status === "running") return await poll(s);
      if (run.status === "processing") return await stream(s, run);
    } catch (error) {
      if (error instanceof RunMovedOn) {
        logger.info("bulk run moved on under this step; stopping");
        return;
      }
      if (error instanceof BulkRunError) return await endRun(db, kind, run, error, logger);
      if (error instanceof ShopNeedsReauthError) {
        const message =
          error.reason === "uninstalled"
            ? "The app was uninstalled from the store."
            : "Shopify no longer accepts the app's access: open the app in Shopify admin, then start again.";
        return await endRun(db, kind, run, new BulkRunError("NEEDS_REAUTH", message, { cause: error }), logger);
      }
      if (error instanceof GraphqlErrorsError) {
        // ACCESS_DENIED, an invalid document, MAX_COST_EXCEEDED: the same request would fail again.
        return await endRun(db, kind, run, new BulkRunError("REJECTED", `Shopify refused the request: ${error.message}`, { cause: error }), logger);
      }
      if (signal.aborted) throw error; // the lease is gone; the new owner carries on
      if (job.attempt >= job.job.maxAttempts) {
        const detail = error instanceof Error ? error.message : String(error);
        await endRun(db, kind, run, new BulkRunError("INTERRUPTED", `Gave up after ${job.attempt} attempts: ${detail}`, { cause: error }), logger);
      }
      throw error; // transient: the job runner retries with backoff
    }
  },
});

async function enqueueStep(db: Db, s: Step<unknown>, delayMs: number): Promise<void> {
  const next = s.step + 1;
  await enqueue(db, {
    type: BULK_RUN_JOB,
    shop: s.ctx.shop,
    payload: runJobPayload(s.ctx.run.id, next),
    runAt: new Date(s.now().getTime() + delayMs),
    dedupeKey: stepDedupeKey(s.ctx.run.id, next),
  });
}

/** Shopify's "the shop runs as many bulk queries as allowed": by code, or by its wording when no code came. */
function isBusy(errors: { message: string; code?: string | null }[]): boolean {
  return errors.some((e) =>
    e.code ? e.code === "OPERATION_IN_PROGRESS" || e.code === "LIMIT_REACHED" : /already in progress/i.test(e.message),
  );
}

async function submit(s: Step<unknown>): Promise<void> {
  const { ctx, kind } = s;
  const client = await s.client();
  const data = await client.request(BULK_OPERATION_RUN_QUERY_MUTATION, {
    variables: { query: kind.query(ctx.params), groupObjects: kind.groupObjects ?? false },
    sync: kind.sync ?? null,
    signal: ctx.signal,
  });
  const payload = data.bulkOperationRunQuery;
  if (!payload) throw new Error("bulkOperationRunQuery returned no payload");
  const errors = payload.userErrors.map((e) => ({ message: e.message, code: e.code ?? null }));
  if (errors.length > 0 && isBusy(errors)) {
    if (s.now().getTime() - ctx.run.startedAt.getTime() >= BUSY_GIVE_UP_MS) {
      throw new BulkRunError(
        "BUSY",
        "Shopify kept this store's bulk operations busy for an hour (other apps or syncs may be exporting); try again later.",
      );
    }
    ctx.logger.info({ userErrors: errors }, "Shopify is running other bulk operations for the shop; waiting for a slot");
    await enqueueStep(ctx.db, s, BUSY_RETRY_MS);
    return;
  }
  if (errors.length > 0) {
    throw new BulkRunError("REJECTED", `Shopify refused the bulk query: ${errors.map((e) => e.message).join("; ")}`);
  }
  const operation = payload.bulkOperation;
  if (!operation) throw new Error("bulkOperationRunQuery returned neither an operation nor userErrors");
  const moved = await ctx.db.$transaction(async (tx) => {
    const { count } = await tx.bulkRun.updateMany({
      where: { id: ctx.run.id, shop: ctx.shop, status: "pending" },
      data: { status: "running", bulkOperationId: operation.id },
    });
    if (count === 0) return true;
    await enqueueStep(tx, s, pollDelayMs(1));
    return false;
  });
  if (moved) {
    // Another execution of this step submitted first (or the run ended): ours is a spare, stop it.
    await cancelOperation(s, operation.id);
    throw new RunMovedOn();
  }
  ctx.logger.info({ bulkOperationId: operation.id }, "bulk query submitted");
}

function describeFailure(op: { errorCode?: string | null; objectCount: unknown; partialDataUrl?: string | null }): string {
  const why =
    op.errorCode === "ACCESS_DENIED"
      ? "the app lacks a permission the query needs"
      : op.errorCode === "TIMEOUT"
        ? "it took longer than Shopify allows"
        : "Shopify had an internal error";
  const partial = op.partialDataUrl ? ` Shopify had read ${Number(op.objectCount)} objects before it stopped; they were not applied.` : "";
  return `Shopify's bulk operation failed: ${why}.${partial}`;
}

async function poll(s: Step<unknown>): Promise<void> {
  const { ctx, kind } = s;
  const id = ctx.run.bulkOperationId;
  if (!id) throw new BulkRunError("INVALID", "The run has no Shopify bulk operation to follow.");
  const client = await s.client();
  const data = await client.request(BULK_OPERATION_STATUS_QUERY, { variables: { id }, sync: kind.sync ?? null, signal: ctx.signal });
  const op = data.bulkOperation;
  if (!op) throw new BulkRunError("SHOPIFY_FAILED", "Shopify no longer knows the bulk operation of this run.");
  const objectCount = Number(op.objectCount);
  switch (op.status) {
    case "CREATED":
    case "RUNNING":
    case "CANCELING": {
      await ctx.db.$transaction(async (tx) => {
        const { count } = await tx.bulkRun.updateMany({
          where: { id: ctx.run.id, shop: ctx.shop, status: "running" },
          data: { objectCount },
        });
        if (count === 0) throw new RunMovedOn();
        await enqueueStep(tx, s, pollDelayMs(s.step + 1));
      });
      return;
    }
    case "COMPLETED": {
      if (!op.url) {
        // Shopify returns no file when the query matched nothing.
        await complete(s, 0, objectCount);
        return;
      }
      const { count } = await ctx.db.bulkRun.updateMany({
        where: { id: ctx.run.id, shop: ctx.shop, status: "running" },
        data: { status: "processing", resultUrl: op.url, objectCount, linesTotal: objectCount, linesProcessed: 0 },
      });
      if (count === 0) throw new RunMovedOn();
      const run = await ctx.db.bulkRun.findFirstOrThrow({ where: { id: ctx.run.id, shop: ctx.shop } });
      await stream(s, run);
      return;
    }
    case "FAILED":
      throw new BulkRunError("SHOPIFY_FAILED", describeFailure(op));
    case "CANCELED":
      throw new BulkRunError("SHOPIFY_CANCELED", "The bulk operation was canceled in Shopify before it finished.");
    case "EXPIRED":
      throw new BulkRunError("EXPIRED", "Shopify no longer keeps this result (results are kept 7 days); start again.");
    default:
      throw new Error(`unexpected bulk operation status ${String(op.status)}`);
  }
}

/** GETs the result; a refused URL is checked against the operation (expired, or replaced by a fresh link). */
async function openResult(s: Step<unknown>, run: BulkRun, idle: AbortController): Promise<Response> {
  const url = run.resultUrl;
  if (!url) throw new BulkRunError("INVALID", "The run has no result to read.");
  const signal = AbortSignal.any([s.ctx.signal, idle.signal]);
  const response = await fetch(url, { signal });
  if (response.ok && response.body) return response;
  await response.body?.cancel();
  if (response.status === 429 || response.status >= 500) throw new Error(`the result download answered HTTP ${response.status}`);
  // 4xx: a signed link that expired (seven days) or was replaced. Ask Shopify what it has now.
  const client = await s.client();
  const data = await client.request(BULK_OPERATION_STATUS_QUERY, {
    variables: { id: run.bulkOperationId ?? "" },
    sync: s.kind.sync ?? null,
    signal: s.ctx.signal,
  });
  const op = data.bulkOperation;
  if (!op || op.status === "EXPIRED" || !op.url) {
    throw new BulkRunError("EXPIRED", "Shopify no longer keeps this result (results are kept 7 days); start again.");
  }
  if (op.url !== url) {
    await s.ctx.db.bulkRun.updateMany({ where: { id: run.id, shop: run.shop, status: "processing" }, data: { resultUrl: op.url } });
    throw new Error("the result link was replaced by Shopify; reading the new one on the retry");
  }
  throw new BulkRunError("BAD_RESULT", `The bulk result could not be downloaded (HTTP ${response.status}).`);
}

/** The body's chunks, aborting the download when no chunk arrives for DOWNLOAD_IDLE_TIMEOUT_MS. */
async function* watched(body: ReadableStream<Uint8Array>, idle: AbortController): AsyncGenerator<Uint8Array> {
  let timer = setTimeout(() => idle.abort(new Error("the result download stalled")), DOWNLOAD_IDLE_TIMEOUT_MS);
  try {
    for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
      clearTimeout(timer);
      timer = setTimeout(() => idle.abort(new Error("the result download stalled")), DOWNLOAD_IDLE_TIMEOUT_MS);
      yield chunk;
    }
  } finally {
    clearTimeout(timer);
  }
}

async function stream(s: Step<unknown>, run: BulkRun): Promise<void> {
  const { ctx, kind } = s;
  const idle = new AbortController();
  const response = await openResult(s, run, idle);
  let processed = run.linesProcessed;
  const batchCtx: BulkRunContext<unknown> = { ...ctx, run };
  try {
    // A TruncatedResultError (the connection ended mid-line) is not a BulkRunError: the step is retried.
    const batches = jsonlBatches(jsonlLines(watched(response.body!, idle)), {
      skip: processed,
      batchSize: kind.batchSize,
      wholeObjects: kind.groupObjects === true,
    });
    for await (const batch of batches) {
      ctx.signal.throwIfAborted();
      const reason = await kind.proceed?.(batchCtx);
      if (reason) return await stopRun(s, reason);
      await kind.consume(batchCtx, batch.lines);
      const next = batch.start + batch.lines.length;
      const { count } = await ctx.db.bulkRun.updateMany({
        where: { id: run.id, shop: run.shop, status: "processing", linesProcessed: processed },
        data: { linesProcessed: next },
      });
      if (count === 0) throw new RunMovedOn();
      processed = next;
    }
  } finally {
    await response.body?.cancel().catch(() => {});
  }
  await complete(s, processed, run.objectCount);
}

async function complete(s: Step<unknown>, lines: number, objectCount: number): Promise<void> {
  const { ctx, kind } = s;
  const current = await ctx.db.bulkRun.findFirstOrThrow({ where: { id: ctx.run.id, shop: ctx.shop } });
  await kind.finished?.({ ...ctx, run: current });
  const finishedAt = s.now();
  const { count } = await ctx.db.bulkRun.updateMany({
    where: { id: ctx.run.id, shop: ctx.shop, status: { in: ["running", "processing"] } },
    data: { status: "completed", linesTotal: lines, linesProcessed: lines, objectCount, finishedAt, error: null },
  });
  if (count === 0) throw new RunMovedOn();
  ctx.logger.info({ lines, objectCount }, "bulk run completed");
  await recordRunActivity(ctx.db, { ...current, status: "completed", linesProcessed: lines, linesTotal: lines, objectCount, finishedAt }, kind.sync ?? null, null);
}

async function cancelOperation(s: Step<unknown>, id: string): Promise<void> {
  try {
    const client = await s.client();
    const data = await client.request(BULK_OPERATION_CANCEL_MUTATION, { variables: { id }, sync: s.kind.sync ?? null });
    const errors = data.bulkOperationCancel?.userErrors ?? [];
    if (errors.length) s.ctx.logger.info({ userErrors: errors }, "bulk operation not canceled (already finished?)");
  } catch (error) {
    // Best effort: an operation left running ends by itself and its result expires unread.
    s.ctx.logger.warn({ err: error, bulkOperationId: id }, "could not cancel the bulk operation");
  }
}

async function stopRun(s: Step<unknown>, reason: string): Promise<void> {
  const { ctx } = s;
  const current = await ctx.db.bulkRun.findFirst({ where: { id: ctx.run.id, shop: ctx.shop } });
  if (current?.status === "running" && current.bulkOperationId) await cancelOperation(s, current.bulkOperationId);
  await endRun(ctx.db, s.kind, current ?? ctx.run, new BulkRunError("STOPPED", reason), ctx.logger);
}

/** Marks the run failed (canceled for STOPPED) if it is still active, then tells the kind once. */
async function endRun(db: PrismaClient, kind: BulkKind<unknown>, run: BulkRun, error: BulkRunError, logger: Logger): Promise<void> {
  const status = error.code === "STOPPED" ? "canceled" : "failed";
  const ended = await markEnded(db, run, status, error.message, logger);
  if (ended) await notifyFailed(db, kind, ended, error, logger);
}

async function markEnded(db: PrismaClient, run: BulkRun, status: "failed" | "canceled", message: string, logger: Logger): Promise<BulkRun | null> {
  const finishedAt = new Date();
  const { count } = await db.bulkRun.updateMany({
    where: { id: run.id, shop: run.shop, status: { in: [...ACTIVE_STATUSES] } },
    data: { status, error: message, finishedAt },
  });
  if (count === 0) return null;
  logger.warn({ status, error: message }, "bulk run ended without completing");
  const ended = await db.bulkRun.findFirst({ where: { id: run.id, shop: run.shop } });
  await recordRunActivity(db, ended ?? { ...run, status, error: message, finishedAt }, getBulkKind(run.kind)?.sync ?? null, message);
  return ended;
}

async function notifyFailed(db: PrismaClient, kind: BulkKind<unknown>, run: BulkRun, error: BulkRunError, logger: Logger): Promise<void> {
  if (!kind.failed) return;
  const parsed = kind.paramsSchema.safeParse(JSON.parse(run.params) as unknown);
  try {
    await kind.failed({ db, shop: run.shop, run, params: parsed.success ? parsed.data : undefined, logger, signal: new AbortController().signal }, error);
  } catch (hookError) {
    logger.error({ err: hookError }, "the bulk kind's failed() hook threw");
  }
}

async function recordRunActivity(db: PrismaClient, run: BulkRun, sync: string | null, error: string | null): Promise<void> {
  try {
    await recordActivity(db, {
      shop: run.shop,
      direction: "internal",
      kind: "job",
      name: run.kind,
      status: run.status,
      sync,
      durationMs: (run.finishedAt ?? new Date()).getTime() - run.startedAt.getTime(),
      reference: run.id,
      detail: {
        objectCount: run.objectCount,
        linesProcessed: run.linesProcessed,
        linesTotal: run.linesTotal,
        ...(error ? { error } : {}),
      },
    });
  } catch (activityError) {
    rootLogger.error({ err: activityError, shop: run.shop }, "could not write the bulk run to the activity log");
  }
}

/**
 * A `bulk.run` job that died outside perform() (its lease expired on every attempt, its payload was unreadable)
 * leaves the run without a driver: mark it failed so that the page says so and a new run can start.
 */
onJobEvent(async (event) => {
  if (event.type !== "dead" || event.job.type !== BULK_RUN_JOB || !event.job.shop) return;
  let runId: unknown;
  try {
    runId = (JSON.parse(event.job.payload) as { runId?: unknown }).runId;
  } catch {
    return;
  }
  if (typeof runId !== "string") return;
  const run = await event.db.bulkRun.findFirst({ where: { id: runId, shop: event.job.shop } });
  if (!run || !ACTIVE_STATUSES.includes(run.status as BulkRunStatus)) return;
  const kind = getBulkKind(run.kind);
  const error = new BulkRunError("INTERRUPTED", `The run stopped: ${event.error}`);
  if (kind) await endRun(event.db, kind, run, error, rootLogger);
  else await markEnded(event.db, run, "failed", error.message, rootLogger);
});
