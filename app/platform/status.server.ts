import type { Db } from "~/db.server";
import { SYNC_SWITCHES, type SyncSwitchKey } from "~/syncs/definitions";

export interface PlatformStatus {
  shop: string;
  syncs: Array<{ key: SyncSwitchKey; enabled: boolean; status: string }>;
}

/** What `GET /api/v1/status` answers: each sync switch of the shop, on or off, and where its toggle stands. */
export async function platformStatus(db: Db, shop: string): Promise<PlatformStatus> {
  const settings = await db.syncSetting.findMany({ where: { shop }, select: { sync: true, enabled: true, status: true } });
  const byKey = new Map(settings.map((s) => [s.sync, s]));
  return {
    shop,
    syncs: SYNC_SWITCHES.map((sw) => {
      const setting = byKey.get(sw.key);
      return { key: sw.key, enabled: setting?.enabled ?? false, status: setting?.status ?? "off" };
    }),
  };
}
