import { json, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";

import { BatchError, acceptBatch } from "~/consent/intake.server";
import { prisma } from "~/db.server";
import { authenticatePlatform } from "~/platform/auth.server";

const NO_STORE = { "Cache-Control": "no-store" };

/**
 * POST /api/v1/consent: the platform's consent decisions, up to 1,000 per request, authenticated by the shop's API
 * key (the key decides the shop). Answers 202 once the valid changes are stored, with a result per item (queued
 * with its id, or rejected with reasons); 400 / 413 for a body that is not a batch; 401 for a bad key.
 *
 *   {"changes": [{"email": "a@b.co", "channel": "email", "state": "subscribed", "optInLevel": "single_opt_in",
 *                 "decidedAt": "2026-11-22T08:00:00Z"}]}
 */
export const action = async ({ request }: ActionFunctionArgs) => {
  if (request.method !== "POST") return json({ error: "method_not_allowed" }, { status: 405, headers: { Allow: "POST", ...NO_STORE } });
  const { shop } = await authenticatePlatform(request);
  let body: unknown;
  try {
    body = await request.json();
  } catch {
    return json({ error: "invalid_json", message: "The body must be JSON." }, { status: 400, headers: NO_STORE });
  }
  try {
    const result = await acceptBatch(prisma, shop, body);
    return json(result, { status: result.accepted > 0 ? 202 : 422, headers: NO_STORE });
  } catch (error) {
    if (error instanceof BatchError) return json({ error: "invalid_batch", message: error.message }, { status: error.status, headers: NO_STORE });
    throw error;
  }
};

export const loader = async ({ request }: LoaderFunctionArgs) => {
  await authenticatePlatform(request);
  return json({ error: "method_not_allowed", message: "POST consent changes here." }, { status: 405, headers: { Allow: "POST", ...NO_STORE } });
};
