import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";

import { SyncSettingsPage } from "~/components/sync/SyncSettingsPage";
import { loadSyncPage, syncPageAction } from "~/syncs/ui/sync-page.server";

export const loader = ({ request }: LoaderFunctionArgs) => loadSyncPage(request, "catalog");

export const action = ({ request }: ActionFunctionArgs) => syncPageAction(request, "catalog");

export default function CatalogSettings() {
  const data = useLoaderData<typeof loader>();
  return <SyncSettingsPage {...data} />;
}
