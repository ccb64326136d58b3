import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";

import { SyncSettingsPage } from "~/components/sync/SyncSettingsPage";
import { loadSyncPage, syncPageAction } from "~/syncs/ui/sync-page.server";

export const loader = ({ request }: LoaderFunctionArgs) => loadSyncPage(request, "purchases");

export const action = ({ request }: ActionFunctionArgs) => syncPageAction(request, "purchases");

export default function PurchasesSettings() {
  const data = useLoaderData<typeof loader>();
  return <SyncSettingsPage {...data} />;
}
