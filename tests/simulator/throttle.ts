import { PLAN_RESTORE_RATE } from "./store/store";
import type { ShopState } from "./store/types";

/**
 * GraphQL Admin rate limit: a leaky bucket of cost points per (app, shop). Restore rates are Shopify's documented
 * per-plan values (Standard 100/s, Advanced 200/s, Plus 1,000/s, Commerce Components 2,000/s). The bucket holds
 * 20 seconds of restore (2,000 points on Standard), which is what Shopify reports as `maximumAvailable` for these
 * rates; both are overridable per shop for tests.
 */

export const BUCKET_SECONDS = 20;

export interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

interface Bucket {
  available: number;
  at: number;
}

export class LeakyBuckets {
  private readonly buckets = new Map<string, Bucket>();
  constructor(private readonly now: () => number = () => Date.now()) {}

  limits(shop: ShopState): { max: number; rate: number } {
    const rate = shop.restoreRateOverride ?? PLAN_RESTORE_RATE[shop.plan];
    const max = shop.bucketSizeOverride ?? rate * BUCKET_SECONDS;
    return { max, rate };
  }

  private bucket(shop: ShopState): Bucket {
    const { max, rate } = this.limits(shop);
    const now = this.now();
    let b = this.buckets.get(shop.domain);
    if (!b) {
      b = { available: max, at: now };
      this.buckets.set(shop.domain, b);
    }
    b.available = Math.min(max, b.available + ((now - b.at) / 1000) * rate);
    b.at = now;
    return b;
  }

  status(shop: ShopState): ThrottleStatus {
    const b = this.bucket(shop);
    const { max, rate } = this.limits(shop);
    return { maximumAvailable: max, currentlyAvailable: Math.floor(b.available), restoreRate: rate };
  }

  /** Takes `cost` points if available; otherwise takes nothing. */
  take(shop: ShopState, cost: number): boolean {
    const b = this.bucket(shop);
    if (cost > b.available) return false;
    b.available -= cost;
    return true;
  }

  /** Gives back the difference between requested and actual cost. */
  refund(shop: ShopState, points: number): void {
    const b = this.bucket(shop);
    b.available = Math.min(this.limits(shop).max, b.available + points);
  }

  /** Test/control hook: set the points currently available. */
  set(shop: ShopState, available: number): void {
    const b = this.bucket(shop);
    b.available = Math.max(0, Math.min(this.limits(shop).max, available));
  }

  reset(): void {
    this.buckets.clear();
  }
}
