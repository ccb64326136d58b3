import type { Db, PrismaClient } from "~/db.server";
import { isUniqueViolation } from "~/db/errors.server";
import type { SyncSetting } from "~/generated/sqlite/client";

/**
 * One change at a time per (shop, switch). A toggle or a repair *claims* the switch by moving SyncSetting.version
 * from the value it read to the next one, in a conditional update: of two concurrent claimers exactly one matches.
 * While it works the status says "enabling" or "disabling", every write it makes is conditional on its version, and
 * it renews the claim after each call to Shopify. A claim not renewed for CLAIM_TTL_MS is abandoned (the process
 * died) and may be taken over, so a crash cannot wedge a switch; the abandoned worker, if it was only slow, finds
 * its version gone at its next write and stops.
 *
 * The age of a claim is the row's updatedAt, so nothing else may bump it needlessly: lastEventAt is written with
 * raw SQL for that reason (records.server.ts).
 */
export const CLAIM_TTL_MS = 60_000;

export const IN_FLIGHT_STATUSES = ["enabling", "disabling"] as const;
export type InFlightStatus = (typeof IN_FLIGHT_STATUSES)[number];

export class SyncBusyError extends Error {
  constructor(
    readonly shop: string,
    readonly key: string,
  ) {
    super("Another change to this sync is in progress. Try again in a moment.");
    this.name = "SyncBusyError";
  }
}

export interface Claim {
  shop: string;
  key: string;
  version: number;
  status: InFlightStatus;
  /** The setting as it was before the claim. */
  before: SyncSetting;
}

export function isInFlight(status: string): status is InFlightStatus {
  return (IN_FLIGHT_STATUSES as readonly string[]).includes(status);
}

/** Whether a setting is held by a claim that is still alive at `now`. */
export function isClaimAlive(setting: Pick<SyncSetting, "status" | "updatedAt">, now = new Date()): boolean {
  return isInFlight(setting.status) && now.getTime() - setting.updatedAt.getTime() < CLAIM_TTL_MS;
}

/** The setting row, created with its defaults (off) the first time a switch is looked at. */
export async function ensureSetting(db: PrismaClient, shop: string, key: string): Promise<SyncSetting> {
  const existing = await db.syncSetting.findUnique({ where: { shop_sync: { shop, sync: key } } });
  if (existing) return existing;
  try {
    return await db.syncSetting.create({ data: { shop, sync: key } });
  } catch (error) {
    // Two first clicks at once: the other one created it.
    if (!isUniqueViolation(error)) throw error;
    return db.syncSetting.findUniqueOrThrow({ where: { shop_sync: { shop, sync: key } } });
  }
}

export async function claimSwitch(db: PrismaClient, shop: string, key: string, status: InFlightStatus, now = new Date()): Promise<Claim> {
  const before = await ensureSetting(db, shop, key);
  if (isClaimAlive(before, now)) throw new SyncBusyError(shop, key);
  const { count } = await db.syncSetting.updateMany({
    where: { shop, sync: key, version: before.version },
    data: { version: before.version + 1, status },
  });
  if (count === 0) throw new SyncBusyError(shop, key);
  return { shop, key, version: before.version + 1, status, before };
}

/** Keeps a claim alive; throws SyncBusyError when it has been taken over (or the switch was revoked meanwhile). */
export async function renewClaim(db: Db, claim: Claim): Promise<void> {
  const { count } = await db.syncSetting.updateMany({
    where: { shop: claim.shop, sync: claim.key, version: claim.version },
    data: { status: claim.status },
  });
  if (count === 0) throw new SyncBusyError(claim.shop, claim.key);
}

/** Ends a claim with the switch's new settled state; throws SyncBusyError when the claim was lost. */
export async function settleClaim(
  db: Db,
  claim: Claim,
  data: { enabled: boolean; status: string; lastError?: string | null; lastErrorAt?: Date | null; enabledAt?: Date },
): Promise<void> {
  const { count } = await db.syncSetting.updateMany({
    where: { shop: claim.shop, sync: claim.key, version: claim.version },
    data,
  });
  if (count === 0) throw new SyncBusyError(claim.shop, claim.key);
}
