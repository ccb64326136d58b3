/**
 * The one way the app calls the GraphQL Admin API (routes and jobs alike):
 *
 *   const client = await adminClientForShop(shop, { db });          // jobs: the offline session
 *   const client = adminClientForSession(session);                   // routes: the session authenticate.admin returned
 *   const { shop } = await client.request(SHOP_INFO_QUERY);          // typed by codegen from app/graphql
 *   const data = await client.request(WEBHOOK_SUBSCRIPTION_DELETE_MUTATION, { variables: { id }, sync: "purchases" });
 *   assertNoUserErrors(data.webhookSubscriptionDelete, "WebhookSubscriptionDelete");
 *
 * What it adds to the library's client (see the README "Admin API calls" section and issue 3):
 * - waits before the shop's cost bucket runs dry (throttle.ts), from `extensions.cost.throttleStatus`;
 * - retries THROTTLED, HTTP 429/5xx and network failures with exponential backoff and jitter, at most
 *   `maxAttempts` sends in all;
 * - on HTTP 401 flags the shop `needsReauth`, clears the rejected token from session storage (so the merchant's
 *   next visit exchanges a new one, exactly as the library does for its own 401s) and throws ShopNeedsReauthError;
 * - turns GraphQL errors and (on request) mutation `userErrors` into typed errors (errors.ts);
 * - writes one activity-log row per call: operation, outcome, cost, duration, attempts.
 *
 * Requests go through `@shopify/admin-api-client` (what `shopify.api.clients.Graphql` wraps; shopifyApp() does not
 * expose its `api`) with the library's `abstractFetch`, so `SHOPIFY_ADMIN_ORIGIN` (the simulator seam installed by
 * ~/shopify.server) applies, and with the library's own retries off (retries: 0): they would double ours.
 *
 * A retried mutation may have been applied by the attempt that failed (a 5xx or a timeout after Shopify acted):
 * mutations sent through here should be safe to repeat, or their callers must tolerate "already done" answers.
 */
import {
  createAdminApiClient,
  type AdminApiClient,
  type AdminOperations,
  type ClientResponse,
  type ReturnData,
} from "@shopify/admin-api-client";
import type { Session } from "@shopify/shopify-api";
import { abstractFetch } from "@shopify/shopify-api/runtime";
import { SessionNotFoundError } from "@shopify/shopify-app-remix/server";

import { recordActivity } from "~/activity/activity.server";
import { prisma, type PrismaClient } from "~/db.server";
import { logger } from "~/logger.server";
import { API_VERSION, authenticate, unauthenticated } from "~/shopify.server";

import {
  AdminApiError,
  errorCode,
  errorMessage,
  GraphqlErrorsError,
  normaliseUserErrors,
  ShopNeedsReauthError,
  ThrottledError,
  UserErrorsError,
  type UserError,
} from "./errors";
import { parseOperation } from "./operation";
import { AdminThrottle, backoffDelay, realSleep, type QueryCost, type ThrottleStatus } from "./throttle";

export {
  AdminApiError,
  assertNoUserErrors,
  GraphqlErrorsError,
  ShopNeedsReauthError,
  ThrottledError,
  UserErrorsError,
  type ReauthReason,
  type UserError,
} from "./errors";
export { parseOperation } from "./operation";

export interface RetryPolicy {
  /** Sends in all, the first included. */
  maxAttempts: number;
  /** First retry after a 5xx/network failure waits about this long; each further retry doubles it. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** One send that has not answered after this long counts as a network failure (and is retried). */
  timeoutMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 1_000, maxDelayMs: 30_000, timeoutMs: 60_000 };

export interface AdminClientOptions {
  /** Where the activity log and the shop's needsReauth flag are written. Default: the app's client. */
  db?: PrismaClient;
  retry?: Partial<RetryPolicy>;
}

type Operations = AdminOperations;

/** Options of one call. `variables` are typed from the codegen'd map when the document is in it, else anything. */
export type AdminRequestOptions<Operation extends keyof Operations = string> = {
  variables?: Operations[Operation]["variables"];
  /** Aborts the waits and the request (a job's `ctx.signal`: the worker lost the lease). */
  signal?: AbortSignal;
  /** The sync the call is made for: the activity log files it there. */
  sync?: string | null;
  /**
   * Mutations: throw UserErrorsError when any root field's payload carries `userErrors`, instead of returning the
   * data for the caller to check with assertNoUserErrors. Either way such a call is logged as `user_errors`.
   */
  throwOnUserErrors?: boolean;
};

export interface AdminClient {
  readonly shop: string;
  /**
   * Runs one named operation from app/graphql with its variables and returns `data`. The result and the variables
   * are typed from the codegen'd AdminQueries/AdminMutations maps when `document` is one of their documents;
   * anything else is `any`, or the explicit `TData`.
   */
  request<TData = undefined, Operation extends keyof Operations = string>(
    document: Operation,
    options?: AdminRequestOptions<Operation>,
  ): Promise<TData extends undefined ? ReturnData<Operation, Operations> : TData>;
}

/**
 * Bucket estimates of this process, shared by every client. Each process keeps its own (see throttle.ts): with
 * several workers the THROTTLED retry is what keeps them correct.
 */
export const adminThrottle = new AdminThrottle();

/** For jobs: the shop's offline session from session storage. Refuses shops flagged needsReauth or uninstalled. */
export async function adminClientForShop(shop: string, options: AdminClientOptions = {}): Promise<AdminClient> {
  const db = options.db ?? prisma;
  const row = await db.shop.findUnique({ where: { shop }, select: { needsReauth: true, uninstalledAt: true } });
  if (row?.uninstalledAt) {
    throw new ShopNeedsReauthError(`${shop}: the app is uninstalled`, { operation: "session", shop, reason: "uninstalled" });
  }
  if (row?.needsReauth) {
    throw new ShopNeedsReauthError(`${shop}: Shopify rejected the stored token; the merchant must open the app again`, {
      operation: "session",
      shop,
      reason: "needs_reauth",
    });
  }
  let session: Session;
  try {
    // The library's loader: the offline session id it uses, and a refresh when expiring offline tokens are on.
    ({ session } = await unauthenticated.admin(shop));
  } catch (error) {
    if (!(error instanceof SessionNotFoundError)) throw error;
    await flagNeedsReauth(db, shop, null, false);
    throw new ShopNeedsReauthError(`${shop}: no offline session in session storage`, { operation: "session", shop, reason: "no_session", cause: error });
  }
  if (!session.accessToken) {
    // What the library leaves after it (or we) saw the token rejected: the merchant must come back.
    await flagNeedsReauth(db, shop, null, false);
    throw new ShopNeedsReauthError(`${shop}: the stored session has no access token`, { operation: "session", shop, reason: "no_session" });
  }
  return adminClientForSession(session, options);
}

/** For routes: from the `session` that authenticate.admin returned. */
export function adminClientForSession(session: Session, options: AdminClientOptions = {}): AdminClient {
  return new WrappedAdminClient(session, options.db ?? prisma, { ...DEFAULT_RETRY_POLICY, ...options.retry });
}

/**
 * For loaders and actions: authenticates the request and runs `work` with a client for its session. When Shopify
 * rejects the stored token (the client has then flagged the shop and cleared the token), it authenticates again:
 * the library finds no usable session, exchanges the request's session token for a new access token (afterAuth
 * clears the flag) or bounces the browser to get a fresh session token, and `work` runs once more. Without this a
 * revoked token would keep failing the page until the merchant reinstalled. `work` may run twice: keep it
 * idempotent.
 */
export async function withAdminClient<T>(
  request: Request,
  work: (client: AdminClient, session: Session) => Promise<T>,
  options: AdminClientOptions = {},
): Promise<T> {
  const { session } = await authenticate.admin(request);
  try {
    return await work(adminClientForSession(session, options), session);
  } catch (error) {
    if (!(error instanceof ShopNeedsReauthError) || error.reason !== "unauthorized") throw error;
    logger.info({ shop: session.shop }, "access token rejected during a request: authenticating again");
    const { session: renewed } = await authenticate.admin(request);
    return work(adminClientForSession(renewed, options), renewed);
  }
}

// ------------------------------------------------------------------------------------------------ the wrapper

type ActivityStatus = "ok" | "throttled" | "error" | "user_errors" | "unauthorized";

interface RetryNote {
  attempt: number;
  reason: string;
  delayMs: number;
}

/** What one call learned, for the activity row and the log line. */
interface CallRecord {
  attempts: number;
  waitedMs: number;
  retries: RetryNote[];
  cost: QueryCost | null;
  requestId: string | null;
  userErrors: UserError[];
}

type Outcome =
  | { kind: "ok"; data: Record<string, unknown> | null }
  | { kind: "throttled"; errors: unknown[] }
  | { kind: "retryable"; reason: string; status?: number; retryAfterMs?: number; cause?: unknown }
  | { kind: "unauthorized"; message: string }
  | { kind: "graphql_errors"; errors: unknown[]; data: unknown }
  | { kind: "http_error"; status: number; message: string };

class WrappedAdminClient implements AdminClient {
  readonly shop: string;
  readonly #session: Session;
  readonly #db: PrismaClient;
  readonly #policy: RetryPolicy;
  readonly #client: AdminApiClient;

  constructor(session: Session, db: PrismaClient, policy: RetryPolicy) {
    if (!session.accessToken) {
      throw new ShopNeedsReauthError(`${session.shop}: the session has no access token`, {
        operation: "session",
        shop: session.shop,
        reason: "no_session",
      });
    }
    this.shop = session.shop;
    this.#session = session;
    this.#db = db;
    this.#policy = policy;
    this.#client = createAdminApiClient({
      storeDomain: session.shop,
      apiVersion: API_VERSION,
      accessToken: session.accessToken,
      userAgentPrefix: "Syncline",
      retries: 0,
      // Read at call time: the simulator seam may be installed after this client was created.
      customFetchApi: (input, init) => abstractFetch(input, init),
    });
  }

  async request<TData = undefined, Operation extends keyof Operations = string>(
    document: Operation,
    options?: AdminRequestOptions<Operation>,
  ): Promise<TData extends undefined ? ReturnData<Operation, Operations> : TData> {
    const source = String(document);
    const { type, name } = parseOperation(source);
    const operation = name ?? `anonymous ${type}`;
    const { variables, signal, sync, throwOnUserErrors } = (options ?? {}) as {
      variables?: Record<string, unknown>;
      signal?: AbortSignal;
      sync?: string | null;
      throwOnUserErrors?: boolean;
    };
    const log = logger.child({ shop: this.shop, operation, ...(sync ? { sync } : {}) });
    const started = performance.now();
    const call: CallRecord = { attempts: 0, waitedMs: 0, retries: [], cost: null, requestId: null, userErrors: [] };
    let status: ActivityStatus = "error";
    let failure: unknown = null;
    try {
      const data = await this.#run(source, operation, variables, signal, call, log);
      if (type === "mutation") call.userErrors = userErrorsOf(data);
      if (call.userErrors.length > 0) {
        status = "user_errors";
        log.warn({ userErrors: call.userErrors }, "Shopify refused the mutation's input");
        if (throwOnUserErrors) throw new UserErrorsError(operation, call.userErrors, { shop: this.shop, attempts: call.attempts });
      } else {
        status = "ok";
      }
      return data as TData extends undefined ? ReturnData<Operation, Operations> : TData;
    } catch (error) {
      failure = error;
      if (status !== "user_errors") status = statusOf(error);
      throw error;
    } finally {
      const durationMs = performance.now() - started;
      if (status === "ok" || status === "user_errors") {
        log.debug({ durationMs, attempts: call.attempts, cost: call.cost?.actualQueryCost }, "Admin API call done");
      }
      await this.#record({ operation, type, sync: sync ?? null, status, durationMs, call, variables, failure }, log);
    }
  }

  /** Sends until an answer is final: success, or an error that retrying cannot fix, or attempts run out. */
  async #run(
    document: string,
    operation: string,
    variables: Record<string, unknown> | undefined,
    signal: AbortSignal | undefined,
    call: CallRecord,
    log: typeof logger,
  ): Promise<Record<string, unknown> | null> {
    for (let attempt = 1; ; attempt++) {
      const ticket = await adminThrottle.acquire(this.shop, operation, signal);
      call.waitedMs += ticket.waitedMs;
      call.attempts = attempt;
      let outcome: Outcome;
      let cost: QueryCost | null = null;
      try {
        ({ outcome, cost } = await this.#send(document, variables, signal, call));
      } finally {
        ticket.settle(cost);
      }
      const errorOptions = { shop: this.shop, attempts: attempt };

      switch (outcome.kind) {
        case "ok":
          return outcome.data;
        case "unauthorized":
          await flagNeedsReauth(this.#db, this.shop, this.#session.accessToken ?? null, true);
          log.warn({ attempts: attempt }, "Shopify rejected the access token (401): shop flagged needsReauth");
          throw new ShopNeedsReauthError(`${operation}: Shopify rejected the access token for ${this.shop} (${outcome.message})`, {
            ...errorOptions,
            operation,
            status: 401,
            reason: "unauthorized",
          });
        case "graphql_errors":
          throw new GraphqlErrorsError(operation, outcome.errors, { ...errorOptions, data: outcome.data });
        case "http_error":
          throw new AdminApiError(`${operation}: Shopify answered HTTP ${outcome.status} (${outcome.message})`, {
            ...errorOptions,
            operation,
            status: outcome.status,
          });
        case "throttled": {
          if (attempt >= this.#policy.maxAttempts) {
            throw new ThrottledError(`${operation}: still THROTTLED after ${attempt} attempts`, { ...errorOptions, operation });
          }
          // The next acquire() waits until the bucket (just read from this answer) has refilled by the requested
          // cost; the jitter only keeps workers that were throttled together from coming back in the same instant.
          // Without a throttle status in the answer there is nothing to compute from: back off instead.
          const delayMs = call.cost?.throttleStatus
            ? Math.round(Math.random() * (this.#policy.baseDelayMs / 4))
            : backoffDelay(attempt, this.#policy);
          call.retries.push({ attempt, reason: "THROTTLED", delayMs });
          log.info({ attempt, delayMs, throttleStatus: call.cost?.throttleStatus }, "THROTTLED: waiting for the bucket to refill");
          await realSleep(delayMs, signal);
          break;
        }
        case "retryable": {
          if (attempt >= this.#policy.maxAttempts) {
            throw new AdminApiError(`${operation}: ${outcome.reason}, still failing after ${attempt} attempts`, {
              ...errorOptions,
              operation,
              status: outcome.status,
              cause: outcome.cause,
            });
          }
          const delayMs = Math.min(this.#policy.maxDelayMs, Math.max(outcome.retryAfterMs ?? 0, backoffDelay(attempt, this.#policy)));
          call.retries.push({ attempt, reason: outcome.reason, delayMs });
          log.warn({ attempt, delayMs, status: outcome.status }, `${outcome.reason}: retrying`);
          await realSleep(delayMs, signal);
          break;
        }
      }
    }
  }

  /** One HTTP request through the library's client; classifies the answer without throwing for Shopify's errors. */
  async #send(
    document: string,
    variables: Record<string, unknown> | undefined,
    signal: AbortSignal | undefined,
    call: CallRecord,
  ): Promise<{ outcome: Outcome; cost: QueryCost | null }> {
    const timeout = AbortSignal.timeout(this.#policy.timeoutMs);
    const response = await this.#client.request(document, {
      variables,
      retries: 0,
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    // The caller's abort is not a Shopify failure: stop now, whatever the client made of it.
    signal?.throwIfAborted();

    const cost = (response.extensions as { cost?: QueryCost } | undefined)?.cost ?? null;
    if (cost) call.cost = cost;
    const headers = response.headers ?? response.errors?.response?.headers;
    call.requestId = headers?.get("X-Request-Id") ?? call.requestId;
    const deprecated = headers?.get("X-Shopify-API-Deprecated-Reason");
    if (deprecated) logger.warn({ shop: this.shop, deprecated }, "Shopify reports a deprecated field in an operation");
    return { outcome: await this.#classify(response, timeout), cost };
  }

  async #classify(response: ClientResponse, timeout: AbortSignal): Promise<Outcome> {
    const errors = response.errors;
    if (!errors) return { kind: "ok", data: (response.data as Record<string, unknown> | undefined) ?? null };

    const status = errors.networkStatusCode;
    if (status === undefined) {
      const reason = timeout.aborted ? `no answer within ${this.#policy.timeoutMs} ms` : `network error (${errors.message ?? "fetch failed"})`;
      return { kind: "retryable", reason, cause: errors };
    }
    if (status === 401) return { kind: "unauthorized", message: await bodyText(errors.response) };
    if (status === 429 || status >= 500) {
      const retryAfter = Number(errors.response?.headers.get("Retry-After"));
      return {
        kind: "retryable",
        reason: `HTTP ${status}`,
        status,
        retryAfterMs: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined,
      };
    }
    if (status !== 200) return { kind: "http_error", status, message: await bodyText(errors.response) };

    const graphQLErrors = (errors.graphQLErrors ?? []) as unknown[];
    if (graphQLErrors.length === 0) {
      // 200 without data or errors, or a body that is not JSON: treat like a failed request.
      return { kind: "retryable", reason: errors.message ?? "unreadable answer", status };
    }
    if (graphQLErrors.some((e) => errorCode(e) === "THROTTLED")) return { kind: "throttled", errors: graphQLErrors };
    if (graphQLErrors.every((e) => errorCode(e) === "INTERNAL_SERVER_ERROR")) {
      return { kind: "retryable", reason: "INTERNAL_SERVER_ERROR", status };
    }
    return { kind: "graphql_errors", errors: graphQLErrors, data: response.data ?? null };
  }

  async #record(
    entry: {
      operation: string;
      type: string;
      sync: string | null;
      status: ActivityStatus;
      durationMs: number;
      call: CallRecord;
      variables: Record<string, unknown> | undefined;
      failure: unknown;
    },
    log: typeof logger,
  ): Promise<void> {
    const { call } = entry;
    try {
      await recordActivity(this.#db, {
        shop: this.shop,
        direction: "out",
        kind: "admin_api",
        name: entry.operation,
        status: entry.status,
        sync: entry.sync,
        durationMs: entry.durationMs,
        reference: call.requestId,
        detail: {
          type: entry.type,
          attempts: call.attempts,
          waitedMs: Math.round(call.waitedMs),
          ...(call.retries.length ? { retries: call.retries } : {}),
          cost: call.cost ? { requested: call.cost.requestedQueryCost ?? null, actual: call.cost.actualQueryCost ?? null } : null,
          throttleStatus: (call.cost?.throttleStatus as ThrottleStatus | undefined) ?? null,
          ...(call.userErrors.length ? { userErrors: call.userErrors } : {}),
          ...(entry.failure ? { error: describeFailure(entry.failure) } : {}),
          variables: boundedVariables(entry.variables),
        },
      });
    } catch (error) {
      // The log is a record of the call, never a reason for it to fail.
      log.error({ err: error }, "could not write the Admin API call to the activity log");
    }
  }
}

// ------------------------------------------------------------------------------------------------ helpers

/** `userErrors` of every root field's payload (a mutation document may hold several root fields). */
function userErrorsOf(data: Record<string, unknown> | null): UserError[] {
  if (!data) return [];
  return Object.values(data).flatMap((payload) =>
    payload && typeof payload === "object" && "userErrors" in payload && Array.isArray(payload.userErrors)
      ? normaliseUserErrors(payload.userErrors as { field?: string[] | null; message: string; code?: string | null }[])
      : [],
  );
}

function statusOf(error: unknown): ActivityStatus {
  if (error instanceof ShopNeedsReauthError) return "unauthorized";
  if (error instanceof ThrottledError) return "throttled";
  if (error instanceof UserErrorsError) return "user_errors";
  return "error";
}

function describeFailure(error: unknown): Record<string, unknown> {
  if (error instanceof GraphqlErrorsError) return { name: error.name, message: error.message, errors: error.errors };
  if (error instanceof AdminApiError) return { name: error.name, message: error.message, ...(error.status ? { status: error.status } : {}) };
  return { name: error instanceof Error ? error.name : "Error", message: errorMessage(error) };
}

const MAX_LOGGED_VARIABLES_CHARS = 4_000;

/** Variables for the activity row (recordActivity redacts PII); a bulk input is summarised, not copied. */
function boundedVariables(variables: Record<string, unknown> | undefined): unknown {
  if (!variables) return null;
  const text = JSON.stringify(variables);
  if (text.length <= MAX_LOGGED_VARIABLES_CHARS) return variables;
  return { truncated: true, chars: text.length, keys: Object.keys(variables) };
}

async function bodyText(response: Response | undefined): Promise<string> {
  if (!response) return "no response";
  try {
    const text = await response.text();
    return text.slice(0, 500) || response.statusText;
  } catch {
    return response.statusText;
  }
}

/**
 * Marks the shop as needing re-authentication. With `invalidate`, also clears the rejected token from session
 * storage (only where it is still the stored one, so a token exchanged meanwhile survives): the library then sees no
 * active session on the merchant's next visit and exchanges a new token, and `recordInstall` clears the flag.
 * Never throws: the caller is already reporting the real problem.
 */
async function flagNeedsReauth(db: PrismaClient, shop: string, rejectedToken: string | null, invalidate: boolean): Promise<void> {
  try {
    if (invalidate) {
      // A 401 proves the shop had a session, so the Shop row may be created here if it is somehow missing.
      await db.shop.upsert({ where: { shop }, create: { shop, needsReauth: true }, update: { needsReauth: true } });
    } else {
      // No session: flag a shop we know about, but do not invent a Shop row for a domain that never installed.
      await db.shop.updateMany({ where: { shop, uninstalledAt: null }, data: { needsReauth: true } });
    }
    if (invalidate && rejectedToken) {
      await db.session.updateMany({ where: { shop, accessToken: rejectedToken }, data: { accessToken: "" } });
    }
  } catch (error) {
    logger.error({ err: error, shop }, "could not flag the shop as needing re-authentication");
  }
}
