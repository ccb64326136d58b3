/**
 * Test control for the Admin GraphQL endpoint: failures Shopify produces now and then (a 5xx from its edge, a 429,
 * a connection dropped mid-request) injected on demand, and per-shop counters that let a test check what the
 * endpoint answered (e.g. "no request was ever THROTTLED"). Driven by `sim.graphql.faults` in process or by
 * `POST /_simulator/shops/<shop>/faults` (README "Fault injection"). Cleared by `sim.reset()`.
 */

export type AdminApiFault =
  /** Answer with this HTTP status (429 or 500–599) and a Shopify-like JSON error body; nothing is executed. */
  | { status: number }
  /** Close the connection without answering, as a network failure looks to the client. */
  | { disconnect: true };

export interface AdminApiStats {
  /** GraphQL requests that reached the shop's endpoint (including injected failures). */
  requests: number;
  /** Requests answered THROTTLED. */
  throttled: number;
  /** Requests answered with an injected fault. */
  faulted: number;
}

export function parseFault(input: Record<string, unknown>): AdminApiFault {
  if (input.disconnect === true) return { disconnect: true };
  const status = Number(input.status);
  if (Number.isInteger(status) && (status === 429 || (status >= 500 && status <= 599))) return { status };
  throw new Error('a fault is {"status": 429 | 500-599} or {"disconnect": true}');
}

export class AdminApiFaults {
  private readonly queues = new Map<string, AdminApiFault[]>();
  private readonly counters = new Map<string, AdminApiStats>();

  /** The next `count` requests to the shop's GraphQL endpoint fail this way (appended after faults already queued). */
  inject(shop: string, fault: AdminApiFault, count = 1): void {
    if (!Number.isInteger(count) || count < 1) throw new Error("count must be a positive integer");
    const queue = this.queues.get(shop) ?? [];
    for (let i = 0; i < count; i++) queue.push(fault);
    this.queues.set(shop, queue);
  }

  /** Called once per GraphQL request: counts it and hands out the next injected fault, if any. */
  next(shop: string): AdminApiFault | undefined {
    const stats = this.stats(shop);
    stats.requests += 1;
    const fault = this.queues.get(shop)?.shift();
    if (fault) stats.faulted += 1;
    return fault;
  }

  countThrottled(shop: string): void {
    this.stats(shop).throttled += 1;
  }

  pending(shop: string): AdminApiFault[] {
    return [...(this.queues.get(shop) ?? [])];
  }

  /** Live counters of the shop (the same object each time; copy it to keep a snapshot). */
  stats(shop: string): AdminApiStats {
    let stats = this.counters.get(shop);
    if (!stats) {
      stats = { requests: 0, throttled: 0, faulted: 0 };
      this.counters.set(shop, stats);
    }
    return stats;
  }

  clear(shop?: string): void {
    if (shop === undefined) this.queues.clear();
    else this.queues.delete(shop);
  }

  reset(): void {
    this.queues.clear();
    this.counters.clear();
  }
}
