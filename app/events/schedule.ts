/**
 * When to try an event again. Pure arithmetic, so the 24-hour promise is tested without a clock.
 *
 * A delivery run lasts RETRY_WINDOW_MS from its start (the emit, a replay, or the moment a destination became
 * available for an event that was waiting). After failed attempt n the next one comes base·2^(n−1) later, capped
 * at an hour, with ±10 % jitter so that events which failed together (the platform was down) do not all come
 * back in the same second: ~30 s, 1 m, 2 m, 4 m, 8 m, 16 m, 32 m, then hourly. The last attempt is made at the
 * window's end; when it fails the event is `failed` (about 31 attempts in all when every one fails).
 */
export const RETRY_WINDOW_MS = 24 * 3600 * 1000;
export const RETRY_BASE_MS = 30_000;
export const RETRY_MAX_DELAY_MS = 3600 * 1000;
const JITTER = 0.1;

export function retryDelayMs(failedAttempt: number, random: () => number = Math.random): number {
  const delay = Math.min(RETRY_MAX_DELAY_MS, RETRY_BASE_MS * 2 ** Math.max(0, failedAttempt - 1));
  return Math.round(delay * (1 - JITTER + 2 * JITTER * random()));
}

export type AttemptResult =
  | { kind: "response"; status: number; retryAfterMs?: number }
  | { kind: "error"; error: string };

export type AttemptOutcome =
  | { status: "delivered" }
  | { status: "retrying"; nextAttemptAt: Date }
  | { status: "failed"; reason: string };

/**
 * 2xx → delivered. 410 Gone → failed at once (the receiver says it no longer wants these; Standard Webhooks asks
 * senders to stop). Anything else → another attempt while the window lasts, honouring Retry-After up to the
 * hourly cap, and never later than the window's end.
 */
export function decideOutcome(input: {
  result: AttemptResult;
  attempt: number;
  now: Date;
  deadline: Date;
  random?: () => number;
}): AttemptOutcome {
  const { result, attempt, now, deadline } = input;
  if (result.kind === "response" && result.status >= 200 && result.status < 300) return { status: "delivered" };
  if (result.kind === "response" && result.status === 410) {
    return { status: "failed", reason: "the destination answered 410 Gone" };
  }
  if (now.getTime() >= deadline.getTime()) {
    return { status: "failed", reason: "no successful delivery within 24 hours" };
  }
  let delay = retryDelayMs(attempt, input.random);
  if (result.kind === "response" && result.retryAfterMs !== undefined) {
    delay = Math.min(RETRY_MAX_DELAY_MS, Math.max(delay, result.retryAfterMs));
  }
  const next = Math.min(now.getTime() + delay, deadline.getTime());
  return { status: "retrying", nextAttemptAt: new Date(next) };
}
