/**
 * Client-side view of Shopify's GraphQL Admin leaky bucket (per app and shop, measured in query cost points).
 *
 * Every response carries `extensions.cost.throttleStatus`; between responses the bucket refills at `restoreRate`
 * points per second. Before a call we estimate what is available now and wait just long enough for the call's
 * expected cost (the last `requestedQueryCost` seen for that operation); sending it takes that cost from our
 * estimate at once, so a burst of calls from one process queues up here instead of being answered THROTTLED.
 *
 * The view lives in this process's memory. Several app or worker processes each keep their own and do not see each
 * other's spending, so they can still run the bucket dry together: the THROTTLED retry in the client wrapper is the
 * safety net for that, not this estimate.
 *
 * The arithmetic is pure functions of a reading and a clock, so it is unit-tested without sleeping.
 */

export interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

export interface BucketReading extends ThrottleStatus {
  /** Our clock when the response carrying it arrived (Shopify measured it a little earlier: the estimate errs low). */
  observedAt: number;
}

/** `extensions.cost` of a GraphQL Admin response. */
export interface QueryCost {
  requestedQueryCost?: number | null;
  actualQueryCost?: number | null;
  throttleStatus?: ThrottleStatus | null;
}

/** Expected cost of an operation we have not seen answered yet. */
export const DEFAULT_EXPECTED_COST = 50;
/** Wait used when a reading says the bucket does not refill at all (restoreRate 0): check again after this. */
export const NO_RESTORE_RECHECK_MS = 1_000;

/** Points available at `now`: the reading plus what refilled since, never more than the bucket holds. */
export function estimateAvailable(reading: BucketReading, now: number): number {
  const elapsedSeconds = Math.max(0, now - reading.observedAt) / 1000;
  return Math.min(reading.maximumAvailable, reading.currentlyAvailable + elapsedSeconds * reading.restoreRate);
}

/**
 * Milliseconds to wait before sending a call expected to cost `cost`; 0 means send now. A call dearer than the whole
 * bucket waits for a full bucket (asking for more would wait forever; Shopify refuses such a call in any case).
 */
export function waitBeforeSending(reading: BucketReading, cost: number, now: number): number {
  const needed = Math.min(Math.max(0, cost), reading.maximumAvailable);
  const shortfall = needed - estimateAvailable(reading, now);
  if (shortfall <= 0) return 0;
  if (reading.restoreRate <= 0) return NO_RESTORE_RECHECK_MS;
  return Math.ceil((shortfall / reading.restoreRate) * 1000);
}

/**
 * The estimate after sending a call expected to cost `cost` at `now`: what was available minus the cost (it may go
 * below zero when a call costs more than the bucket; the refill then starts from the debt).
 */
export function spend(reading: BucketReading, cost: number, now: number): BucketReading {
  return { ...reading, currentlyAvailable: estimateAvailable(reading, now) - cost, observedAt: now };
}

/**
 * The estimate once a call has been answered. `before` is our estimate (the call's expected cost already taken off
 * when it was sent); `expectedCost` is what we took, `cost` what the answer says (absent: no answer, we cannot know
 * whether Shopify charged it, so the cost stays taken).
 *
 * - Shopify charges `actualQueryCost` (null when it ran nothing: THROTTLED, MAX_COST_EXCEEDED), so the difference
 *   to what we took is given back to our estimate.
 * - The status it reports, less what other calls in flight are expected to take (they may or may not be in its
 *   figure yet), caps the estimate: it is lower when other processes spend from the same bucket. It never raises
 *   the estimate: answers to concurrent calls arrive out of order, and an older, fuller figure arriving last must
 *   not let a burst through.
 */
export function afterAnswer(
  before: BucketReading | null,
  expectedCost: number,
  cost: QueryCost | null | undefined,
  inFlightElsewhere: number,
  now: number,
): BucketReading | null {
  const status = cost?.throttleStatus;
  const valid = !!status && [status.currentlyAvailable, status.maximumAvailable, status.restoreRate].every(Number.isFinite);
  const reported = valid ? status!.currentlyAvailable - Math.max(0, inFlightElsewhere) : null;
  if (!before) {
    if (!valid) return null;
    return { ...status!, currentlyAvailable: reported!, observedAt: now };
  }
  let available = estimateAvailable(before, now);
  if (cost) available += expectedCost - (typeof cost.actualQueryCost === "number" ? cost.actualQueryCost : 0);
  if (!valid) return { ...before, currentlyAvailable: available, observedAt: now };
  return {
    maximumAvailable: status!.maximumAvailable,
    restoreRate: status!.restoreRate,
    currentlyAvailable: Math.min(available, reported!, status!.maximumAvailable),
    observedAt: now,
  };
}

export interface BackoffPolicy {
  baseDelayMs: number;
  maxDelayMs: number;
}

/**
 * Delay before retry number `retry` (1 = the first retry): exponential, capped, with "equal jitter" (half fixed,
 * half random) so that several workers that failed together do not come back together, yet none retries at once.
 */
export function backoffDelay(retry: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const realSleep: Sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });

export interface Ticket {
  /** Time spent waiting for the bucket before this ticket was granted. */
  waitedMs: number;
  /** Points this call was expected to take (what was taken from the estimate for it). */
  expectedCost: number;
  /**
   * Call once the call is over, with the answer's `extensions.cost` when there was one (it corrects the shop's
   * estimate, see afterAnswer, and teaches the operation's cost). Only the first call counts.
   */
  settle(cost?: QueryCost | null): void;
}

interface ShopBucket {
  reading: BucketReading | null;
  /** Expected cost of calls sent and not yet settled. */
  inFlight: number;
  /** While we have no reading, the one call sent to get it; the others wait until it settles. */
  probe: Promise<void> | null;
}

/** The per-shop bucket estimates of one process, and the expected cost of each operation name. */
export class AdminThrottle {
  readonly #shops = new Map<string, ShopBucket>();
  readonly #costs = new Map<string, number>();
  readonly #now: () => number;
  readonly #sleep: Sleep;

  constructor(options: { now?: () => number; sleep?: Sleep } = {}) {
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ?? realSleep;
  }

  expectedCost(operation: string): number {
    return this.#costs.get(operation) ?? DEFAULT_EXPECTED_COST;
  }

  reading(shop: string): BucketReading | null {
    return this.#shops.get(shop)?.reading ?? null;
  }

  /**
   * Resolves when a call of `operation` may be sent to `shop`, its expected cost taken from the estimate. Without a
   * reading for the shop yet, the first caller goes at once and the others wait until it settles: a cold process
   * with a backlog would otherwise fire everything blind.
   */
  async acquire(shop: string, operation: string, signal?: AbortSignal): Promise<Ticket> {
    const bucket = this.#bucket(shop);
    let waitedMs = 0;
    for (;;) {
      signal?.throwIfAborted();
      const cost = this.expectedCost(operation);
      if (!bucket.reading) {
        if (bucket.probe) {
          const started = this.#now();
          await bucket.probe;
          waitedMs += this.#now() - started;
          continue;
        }
        let settled!: () => void;
        bucket.probe = new Promise<void>((resolve) => (settled = resolve));
        return this.#ticket(shop, operation, bucket, waitedMs, 0, () => {
          bucket.probe = null;
          settled();
        });
      }
      const now = this.#now();
      const wait = waitBeforeSending(bucket.reading, cost, now);
      if (wait <= 0) {
        bucket.reading = spend(bucket.reading, cost, now);
        return this.#ticket(shop, operation, bucket, waitedMs, cost, () => {});
      }
      // Check again after the wait rather than trusting it: other calls may have spent or settled meanwhile.
      await this.#sleep(wait, signal);
      waitedMs += wait;
    }
  }

  /** Drops what we know about one shop (or everything): after a plan change, and between tests. */
  forget(shop?: string): void {
    if (shop === undefined) {
      this.#shops.clear();
      this.#costs.clear();
    } else {
      this.#shops.delete(shop);
    }
  }

  #bucket(shop: string): ShopBucket {
    let bucket = this.#shops.get(shop);
    if (!bucket) {
      bucket = { reading: null, inFlight: 0, probe: null };
      this.#shops.set(shop, bucket);
    }
    return bucket;
  }

  #ticket(shop: string, operation: string, bucket: ShopBucket, waitedMs: number, expectedCost: number, onSettle: () => void): Ticket {
    bucket.inFlight += expectedCost;
    let settled = false;
    return {
      waitedMs,
      expectedCost,
      settle: (cost) => {
        if (settled) return;
        settled = true;
        bucket.inFlight = Math.max(0, bucket.inFlight - expectedCost);
        if (cost && typeof cost.requestedQueryCost === "number" && cost.requestedQueryCost >= 0) {
          this.#costs.set(operation, cost.requestedQueryCost);
        }
        if (this.#shops.get(shop) === bucket) {
          bucket.reading = afterAnswer(bucket.reading, expectedCost, cost, bucket.inFlight, this.#now());
        }
        onSettle();
      },
    };
  }
}
