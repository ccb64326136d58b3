/**
 * What can go wrong with an Admin API call, as values with names: callers branch on the class, the activity log and
 * the merchant-facing status block read `operation`, `status` and the Shopify text carried here.
 * Import them from `~/shopify/admin-client.server` (which re-exports this file).
 */

export interface AdminApiErrorOptions {
  operation: string;
  shop?: string;
  /** HTTP status when Shopify answered one (401, 5xx, ...); absent for GraphQL-level failures and network errors. */
  status?: number;
  /** How many requests were sent before giving up. */
  attempts?: number;
  cause?: unknown;
}

export class AdminApiError extends Error {
  readonly operation: string;
  readonly shop?: string;
  readonly status?: number;
  readonly attempts?: number;

  constructor(message: string, options: AdminApiErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "AdminApiError";
    this.operation = options.operation;
    this.shop = options.shop;
    this.status = options.status;
    this.attempts = options.attempts;
  }
}

/** Shopify still answered THROTTLED after every attempt: the bucket is being drained by something else. */
export class ThrottledError extends AdminApiError {
  constructor(message: string, options: AdminApiErrorOptions) {
    super(message, options);
    this.name = "ThrottledError";
  }
}

export type ReauthReason =
  /** Shopify answered 401: the stored token was rejected (revoked, app reinstalled elsewhere, ...). */
  | "unauthorized"
  /** No offline session (or one without a token) in session storage. */
  | "no_session"
  /** Flagged earlier and not re-authenticated since. */
  | "needs_reauth"
  /** The app is uninstalled from the shop. */
  | "uninstalled";

/**
 * No call can succeed until the merchant opens the app again (which exchanges a new token and clears the flag,
 * see app/shops/shops.server.ts `recordInstall`). Jobs should stop, not retry: wrap it in PermanentJobError.
 */
export class ShopNeedsReauthError extends AdminApiError {
  readonly reason: ReauthReason;

  constructor(message: string, options: AdminApiErrorOptions & { reason: ReauthReason }) {
    super(message, options);
    this.name = "ShopNeedsReauthError";
    this.reason = options.reason;
  }
}

export interface UserError {
  field: string[] | null;
  message: string;
  code?: string | null;
}

/** A mutation ran but Shopify refused the input; `userErrors` is Shopify's own field/message list. */
export class UserErrorsError extends AdminApiError {
  readonly userErrors: UserError[];

  constructor(operation: string, userErrors: UserError[], options: Omit<AdminApiErrorOptions, "operation"> = {}) {
    super(`${operation}: ${userErrors.map(describeUserError).join("; ")}`, { ...options, operation });
    this.name = "UserErrorsError";
    this.userErrors = userErrors;
  }
}

/** Top-level GraphQL errors other than THROTTLED: invalid document, ACCESS_DENIED, MAX_COST_EXCEEDED, ... */
export class GraphqlErrorsError extends AdminApiError {
  readonly errors: unknown[];
  /** Whatever partial `data` came with the errors (Shopify may answer both). */
  readonly data: unknown;

  constructor(operation: string, errors: unknown[], options: Omit<AdminApiErrorOptions, "operation"> & { data?: unknown } = {}) {
    super(`${operation}: ${errors.map(errorMessage).join("; ")}`, { ...options, operation });
    this.name = "GraphqlErrorsError";
    this.errors = errors;
    this.data = options.data ?? null;
  }

  /** The `extensions.code` of each error (ACCESS_DENIED, MAX_COST_EXCEEDED, ...), for callers that branch on it. */
  get codes(): string[] {
    return this.errors.map(errorCode).filter((c): c is string => c !== null);
  }
}

type UserErrorsPayload = { userErrors?: { field?: string[] | null; message: string; code?: string | null }[] | null };

/**
 * Throws UserErrorsError when `payload.userErrors` is non-empty, and when the payload itself is missing (a mutation
 * that returned no payload did not happen). Call it on every mutation payload.
 */
export function assertNoUserErrors<T extends UserErrorsPayload>(
  payload: T | null | undefined,
  operation: string,
): asserts payload is T {
  if (payload === null || payload === undefined) {
    throw new AdminApiError(`${operation}: Shopify returned no payload`, { operation });
  }
  const userErrors = normaliseUserErrors(payload.userErrors);
  if (userErrors.length > 0) throw new UserErrorsError(operation, userErrors);
}

export function normaliseUserErrors(list: UserErrorsPayload["userErrors"]): UserError[] {
  return (list ?? []).map((e) => ({
    field: e.field ?? null,
    message: e.message,
    ...(e.code === undefined ? {} : { code: e.code }),
  }));
}

function describeUserError(e: UserError): string {
  return e.field?.length ? `${e.field.join(".")}: ${e.message}` : e.message;
}

export function errorMessage(error: unknown): string {
  if (error && typeof error === "object" && "message" in error && typeof error.message === "string") return error.message;
  return typeof error === "string" ? error : JSON.stringify(error);
}

export function errorCode(error: unknown): string | null {
  if (!error || typeof error !== "object" || !("extensions" in error)) return null;
  const extensions = (error as { extensions?: { code?: unknown } }).extensions;
  return typeof extensions?.code === "string" ? extensions.code : null;
}
