import type { z } from "zod";

import type { PrismaClient } from "~/db.server";
import type { Job } from "~/generated/sqlite/client";
import type { Logger } from "~/logger.server";

/**
 * Thrown by a handler when retrying cannot help (the shop is gone, the payload names nothing we hold, Shopify
 * answered 401/403/404): the job goes straight to `dead` instead of burning its remaining attempts.
 */
export class PermanentJobError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "PermanentJobError";
  }
}

export interface JobContext {
  /** The claimed row, as the claim left it (status running, attempts already counting this run). */
  job: Job;
  shop: string | null;
  /** 1 on the first run. */
  attempt: number;
  logger: Logger;
  /** Aborted when this worker lost the job's lease: another worker may be running it now, so stop early. */
  signal: AbortSignal;
  /** The worker's own client: handlers that use it work unchanged against a test database. */
  db: PrismaClient;
}

export interface Backoff {
  /** Delay before the first retry; each further retry doubles it. */
  baseMs: number;
  maxMs: number;
}

export interface JobOptions<P> {
  /** Checked when the job is enqueued (a bad payload throws at the caller) and again before it runs. */
  schema?: z.ZodType<P, z.ZodTypeDef, unknown>;
  /** Used when enqueue() is not given maxAttempts; stored on the row, so the row is what counts at run time. */
  maxAttempts?: number;
  backoff?: Backoff;
  perform(payload: P, ctx: JobContext): Promise<void>;
}

export interface JobDefinition<P = unknown> extends JobOptions<P> {
  type: string;
}

export const DEFAULT_BACKOFF: Backoff = { baseMs: 10_000, maxMs: 30 * 60_000 };

const definitions = new Map<string, JobDefinition<unknown>>();

/**
 * Registers the handler for a job type. A second definition of the same type replaces the first: Vite's dev
 * server re-evaluates modules on every edit, and throwing there would break the dev loop.
 */
export function defineJob<P = unknown>(type: string, options: JobOptions<P>): JobDefinition<P> {
  const definition: JobDefinition<P> = { ...options, type };
  definitions.set(type, definition as JobDefinition<unknown>);
  return definition;
}

export function getJobDefinition(type: string): JobDefinition<unknown> | undefined {
  return definitions.get(type);
}

/** The types this process can run; a worker claims only these, so a job of a type another deployment added waits. */
export function registeredJobTypes(): string[] {
  return [...definitions.keys()];
}
