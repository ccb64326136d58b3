import { describe, expect, it } from "vitest";

import {
  RETRY_MAX_DELAY_MS,
  RETRY_WINDOW_MS,
  decideOutcome,
  retryDelayMs,
  type AttemptResult,
} from "~/events/schedule";

const MIN = 60_000;
const HOUR = 60 * MIN;
const middle = () => 0.5; // no jitter

describe("retry delays", () => {
  it("double from 30 s and stop growing at one hour", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 20].map((n) => retryDelayMs(n, middle))).toEqual([
      30_000, MIN, 2 * MIN, 4 * MIN, 8 * MIN, 16 * MIN, 32 * MIN, HOUR, HOUR, HOUR,
    ]);
    expect(retryDelayMs(1000, middle)).toBe(RETRY_MAX_DELAY_MS);
  });

  it("jitter by at most 10 % either way", () => {
    expect(retryDelayMs(1, () => 0)).toBe(27_000);
    expect(retryDelayMs(1, () => 1)).toBe(33_000);
    expect(retryDelayMs(30, () => 1)).toBe(3_960_000);
  });
});

describe("the outcome of an attempt", () => {
  const start = new Date("2026-11-22T00:00:00Z");
  const deadline = new Date(start.getTime() + RETRY_WINDOW_MS);
  const status = (code: number, retryAfterMs?: number): AttemptResult => ({ kind: "response", status: code, retryAfterMs });

  it.each([200, 201, 204, 299])("HTTP %i is delivered", (code) => {
    expect(decideOutcome({ result: status(code), attempt: 1, now: start, deadline })).toEqual({ status: "delivered" });
  });

  it.each([301, 302, 400, 401, 404, 429, 500, 502, 503])("HTTP %i is retried", (code) => {
    const outcome = decideOutcome({ result: status(code), attempt: 1, now: start, deadline, random: middle });
    expect(outcome).toEqual({ status: "retrying", nextAttemptAt: new Date(start.getTime() + 30_000) });
  });

  it("a network error is retried", () => {
    const outcome = decideOutcome({ result: { kind: "error", error: "connection refused" }, attempt: 3, now: start, deadline, random: middle });
    expect(outcome).toEqual({ status: "retrying", nextAttemptAt: new Date(start.getTime() + 2 * MIN) });
  });

  it("410 Gone fails at once", () => {
    expect(decideOutcome({ result: status(410), attempt: 1, now: start, deadline })).toMatchObject({ status: "failed" });
  });

  it("Retry-After lengthens the wait, up to the hourly cap", () => {
    const later = decideOutcome({ result: status(503, 10 * MIN), attempt: 1, now: start, deadline, random: middle });
    expect(later).toEqual({ status: "retrying", nextAttemptAt: new Date(start.getTime() + 10 * MIN) });
    const capped = decideOutcome({ result: status(429, 5 * HOUR), attempt: 1, now: start, deadline, random: middle });
    expect(capped).toEqual({ status: "retrying", nextAttemptAt: new Date(start.getTime() + HOUR) });
  });

  it("never schedules past the window, and fails once the window is over", () => {
    const nearEnd = new Date(deadline.getTime() - 10 * MIN);
    expect(decideOutcome({ result: status(500), attempt: 20, now: nearEnd, deadline, random: middle })).toEqual({
      status: "retrying",
      nextAttemptAt: deadline,
    });
    expect(decideOutcome({ result: status(500), attempt: 21, now: deadline, deadline })).toMatchObject({ status: "failed" });
  });

  it("an always-failing destination gets about 31 attempts spread over exactly 24 hours", () => {
    // GIVEN every attempt fails immediately
    let now = start;
    const attemptsAt: Date[] = [];
    for (let attempt = 1; attempt < 100; attempt += 1) {
      attemptsAt.push(now);
      const outcome = decideOutcome({ result: status(500), attempt, now, deadline, random: Math.random });
      if (outcome.status !== "retrying") {
        expect(outcome.status).toBe("failed");
        break;
      }
      now = outcome.nextAttemptAt;
    }
    // THEN the last attempt is at the 24-hour mark, and no two are more than ~66 minutes apart
    expect(attemptsAt.at(-1)).toEqual(deadline);
    expect(attemptsAt.length).toBeGreaterThanOrEqual(28);
    expect(attemptsAt.length).toBeLessThanOrEqual(34);
    const gaps = attemptsAt.slice(1).map((t, i) => t.getTime() - attemptsAt[i].getTime());
    expect(Math.max(...gaps)).toBeLessThanOrEqual(1.1 * HOUR);
    expect(gaps[0]).toBeLessThanOrEqual(33_000);
  });
});
