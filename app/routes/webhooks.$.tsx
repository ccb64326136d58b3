import type { ActionFunctionArgs } from "@remix-run/node";

import { receiveSyncWebhook } from "~/webhooks/receive.server";

// Every shop-specific sync topic arrives here: its subscription's uri is `${SHOPIFY_APP_URL}${webhookPath(topic)}`
// (app/syncs/definitions.ts). Handlers: app/webhooks/handlers.server.ts. Lifecycle and compliance topics have
// their own routes (declared in shopify.app.toml), which Remix prefers to this splat.
export const action = ({ request }: ActionFunctionArgs) => receiveSyncWebhook(request);
