import type { AdminApiContext } from "@shopify/shopify-app-remix/server";

import { prisma } from "~/db.server";
import { SHOP_INFO_QUERY } from "~/graphql/ShopInfo";
import { SYNCS } from "~/syncs/catalog";

export async function loadHome(admin: AdminApiContext, shop: string) {
  const [response, settings] = await Promise.all([
    admin.graphql(SHOP_INFO_QUERY),
    prisma.syncSetting.findMany({ where: { shop }, select: { sync: true, enabled: true } }),
  ]);
  const { data } = await response.json();
  if (!data?.shop) throw new Error("ShopInfo returned no shop");
  const enabled = new Set(settings.filter((s) => s.enabled).map((s) => s.sync));
  return {
    shop: data.shop,
    syncs: SYNCS.map((sync) => ({
      key: sync.key,
      title: sync.title,
      description: sync.description,
      enabled: sync.settingKeys.some((k) => enabled.has(k)),
    })),
  };
}
