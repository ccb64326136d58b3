import type { z } from "zod";

import type { PrismaClient } from "~/db.server";
import type { BulkRun } from "~/generated/sqlite/client";
import type { Logger } from "~/logger.server";

/**
 * A bulk kind: one thing the app reads from Shopify with a bulk query and applies line by line (the purchase
 * backfill, the catalog export, the consent import). Registered once with `defineBulkKind` (like defineJob); the one
 * `bulk.run` job (runner.server.ts) drives every run of every kind. See app/bulk/README.md.
 */

/** One JSONL line: a node as the bulk query selected it; nested-connection children carry `__parentId`. */
export type BulkLine = Record<string, unknown> & { __parentId?: string };

export interface BulkRunContext<P> {
  /** The worker's client (a test database in tests). */
  db: PrismaClient;
  shop: string;
  /** The run as this job execution read it (linesProcessed is where this execution started). */
  run: BulkRun;
  params: P;
  logger: Logger;
  /** Aborted when the worker lost the job's lease: another worker owns the run now, stop early. */
  signal: AbortSignal;
}

export type BulkRunErrorCode =
  /** Shopify refused the query (userErrors other than "busy"). */
  | "REJECTED"
  /** Shopify kept answering that the shop already runs as many bulk queries as it allows. */
  | "BUSY"
  /** The operation ended FAILED (errorCode ACCESS_DENIED, TIMEOUT, INTERNAL_SERVER_ERROR); may have had partial data. */
  | "SHOPIFY_FAILED"
  /** The operation was canceled on Shopify's side. */
  | "SHOPIFY_CANCELED"
  /** The result is older than Shopify keeps it (seven days): the operation is EXPIRED, its URL dead. */
  | "EXPIRED"
  /** The result file could not be downloaded (a 4xx that is not an expiry) or is not JSONL. */
  | "BAD_RESULT"
  /** Shopify rejected the app's token, or the app is uninstalled. */
  | "NEEDS_REAUTH"
  /** The kind's `proceed` said stop (its sync was turned off): the run ends `canceled`. */
  | "STOPPED"
  /** The job gave up (attempts exhausted) or vanished; the run cannot go on by itself. */
  | "INTERRUPTED"
  /** The stored params no longer pass the kind's schema, or the kind is not registered. */
  | "INVALID";

/** Why a run ended without completing; `message` is what the merchant reads (BulkRun.error). */
export class BulkRunError extends Error {
  readonly code: BulkRunErrorCode;

  constructor(code: BulkRunErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "BulkRunError";
    this.code = code;
  }
}

export interface BulkKindOptions<P> {
  /** Stored in BulkRun.kind, e.g. "purchases.backfill". */
  kind: string;
  /**
   * What a run is asked for. Checked by startBulkRun; its output is stored as JSON (BulkRun.params) and parsed
   * again before every step, so it must survive JSON.stringify (ISO strings, not Dates).
   */
  paramsSchema: z.ZodType<P, z.ZodTypeDef, unknown>;
  /** The bulkOperationRunQuery document: no variables (use `bulkDocument` from ./document to fill a template). */
  query(params: P): string;
  /**
   * Ask Shopify to keep each nested-connection child right after its parent (slower for Shopify, and more likely to
   * time out). With it, every batch ends at a root line, so a batch holds whole objects with all their children.
   * Without it (Shopify's default) children may come anywhere after their parent.
   */
  groupObjects?: boolean;
  /** Lines per `consume` call (default 250). With groupObjects a batch may exceed it to finish its last object. */
  batchSize?: number;
  /** The sync the Admin API calls are filed under in the activity log. */
  sync?: string | null;
  /**
   * Applies one batch of parsed lines, in file order. Must be idempotent per line: after a crash the last
   * unfinished batch is applied again.
   */
  consume(ctx: BulkRunContext<P>, lines: BulkLine[]): Promise<void>;
  /** After the last batch, before the run is marked completed; may run again after a crash (be idempotent). */
  finished?(ctx: BulkRunContext<P>): Promise<void>;
  /** Once, after the run was marked failed or canceled. A throw is logged and ignored. */
  failed?(ctx: BulkRunContext<P>, error: BulkRunError): Promise<void>;
  /**
   * Checked before every step and batch: null to go on, or the reason to stop (e.g. "Purchase sync is off").
   * A stopped run ends `canceled` with that reason, and its Shopify operation is canceled if still running.
   */
  proceed?(ctx: BulkRunContext<P>): Promise<string | null>;
}

export interface BulkKind<P = unknown> extends BulkKindOptions<P> {
  batchSize: number;
}

export const DEFAULT_BATCH_SIZE = 250;

const kinds = new Map<string, BulkKind<unknown>>();

/**
 * Registers a kind. The module that calls it must be imported by app/jobs/registry.server.ts (a worker can only
 * run kinds it has loaded). A second definition of the same kind replaces the first (Vite re-evaluates modules).
 */
export function defineBulkKind<P>(options: BulkKindOptions<P>): BulkKind<P> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`bulk kind ${options.kind}: batchSize must be a positive integer`);
  const kind: BulkKind<P> = { ...options, batchSize };
  kinds.set(options.kind, kind as BulkKind<unknown>);
  return kind;
}

export function getBulkKind(kind: string): BulkKind<unknown> | undefined {
  return kinds.get(kind);
}
