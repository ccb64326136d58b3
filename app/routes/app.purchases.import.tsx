import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";

import { prisma } from "~/db.server";
import { BackfillNotAllowedError, loadBackfillStatus, startBackfill } from "~/purchases/backfill.server";
import { authenticate } from "~/shopify.server";

/**
 * "Import past orders" (ImportPastOrdersCard, app/purchases/backfill.server.ts).
 * GET  /app/purchases/import → the import's status as JSON (BackfillStatus), polled by the card while a run is active.
 * POST /app/purchases/import → starts an import (202), or answers 200 with the run already going; 409 when the
 *                              purchase switch is off. Every answer is the status, plus `error` when refused.
 */
const NO_STORE = { "Cache-Control": "no-store" };

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  return json(await loadBackfillStatus(prisma, session.shop), { headers: NO_STORE });
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  if (request.method !== "POST") return json({ error: "Method not allowed" }, { status: 405, headers: NO_STORE });
  try {
    const { created } = await startBackfill(prisma, session.shop);
    return json({ ...(await loadBackfillStatus(prisma, session.shop)), error: null }, { status: created ? 202 : 200, headers: NO_STORE });
  } catch (error) {
    if (!(error instanceof BackfillNotAllowedError)) throw error;
    return json({ ...(await loadBackfillStatus(prisma, session.shop)), error: error.message }, { status: 409, headers: NO_STORE });
  }
};
