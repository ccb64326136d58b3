/**
 * How many consent writes the push runs at once (app/consent/push.server.ts). The bucket, not latency, must be the
 * bound: with one write in flight a 50 ms round trip caps a shop at 20 writes/s, below a Plus shop's 100. Enough
 * lanes cover the writes the bucket allows in LANE_SECONDS; the throttle makes each wait for its points, so extra
 * lanes cost nothing but a waiting promise.
 */

/** What Shopify charges for one mutation by default (shopify-platform.md, Rate limits). */
export const MUTATION_COST = 10;
/** Seconds one write is expected to take end to end (request and the database work around it). */
const LANE_SECONDS = 0.3;
const MIN_LANES = 2;
const MAX_LANES = 32;

/** Lanes for a shop whose bucket refills at `restoreRate` points per second (from extensions.cost.throttleStatus). */
export function lanesFor(restoreRate: number | null): number {
  if (!restoreRate || restoreRate <= 0) return MIN_LANES * 2;
  return Math.min(MAX_LANES, Math.max(MIN_LANES, Math.ceil((restoreRate / MUTATION_COST) * LANE_SECONDS)));
}
