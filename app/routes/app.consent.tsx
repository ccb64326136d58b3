import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";

import { SyncSettingsPage } from "~/components/sync/SyncSettingsPage";
import { loadSyncPage, syncPageAction } from "~/syncs/ui/sync-page.server";

export const loader = ({ request }: LoaderFunctionArgs) => loadSyncPage(request, "consent");

export const action = ({ request }: ActionFunctionArgs) => syncPageAction(request, "consent");

export default function ConsentSettings() {
  const data = useLoaderData<typeof loader>();
  return <SyncSettingsPage {...data} />;
}
