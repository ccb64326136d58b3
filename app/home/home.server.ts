import type { AdminApiContext } from "@shopify/shopify-app-remix/server";

import { prisma } from "~/db.server";
import { SHOP_INFO_QUERY } from "~/graphql/ShopInfo";
import { SYNC_PAGES, switchesOfPage } from "~/syncs/definitions";

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
    syncs: SYNC_PAGES.map((page) => ({
      key: page.key,
      path: page.path,
      title: page.title,
      description: page.description,
      enabled: switchesOfPage(page.key).some((s) => enabled.has(s.key)),
    })),
  };
}
