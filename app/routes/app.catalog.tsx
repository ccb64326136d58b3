import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";

import { loadCatalogStatus } from "~/catalog/status.server";
import { CatalogSections } from "~/components/catalog/CatalogSections";
import { SyncSettingsPage } from "~/components/sync/SyncSettingsPage";
import { prisma } from "~/db.server";
import { env } from "~/env.server";
import { authenticate } from "~/shopify.server";
import { loadSyncPage, syncPageAction } from "~/syncs/ui/sync-page.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const page = await loadSyncPage(request, "catalog");
  // loadSyncPage has authenticated the request; this returns the same session without another token exchange.
  const { session } = await authenticate.admin(request);
  return { ...page, catalog: await loadCatalogStatus(prisma, session.shop, env().SHOPIFY_APP_URL) };
};

export const action = ({ request }: ActionFunctionArgs) => syncPageAction(request, "catalog");

export default function CatalogSettings() {
  const { catalog, ...data } = useLoaderData<typeof loader>();
  return (
    <SyncSettingsPage {...data}>
      <CatalogSections initial={catalog} />
    </SyncSettingsPage>
  );
}
