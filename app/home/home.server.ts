import { prisma } from "~/db.server";
import { SHOP_INFO_QUERY } from "~/graphql/ShopInfo";
import type { AdminClient } from "~/shopify/admin-client.server";
import { SYNC_PAGES, switchesOfPage } from "~/syncs/definitions";

export async function loadHome(admin: AdminClient) {
  const [data, settings] = await Promise.all([
    admin.request(SHOP_INFO_QUERY),
    prisma.syncSetting.findMany({ where: { shop: admin.shop }, select: { sync: true, enabled: true } }),
  ]);
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
