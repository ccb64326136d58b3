import type { ActionFunctionArgs } from "@remix-run/node";

import { receiveWebhook } from "~/webhooks/receive.server";

// Handler: see app/webhooks/handlers.server.ts. This route only verifies, records and enqueues.
export const action = ({ request }: ActionFunctionArgs) => receiveWebhook(request);
