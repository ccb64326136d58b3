import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";

import { ExportNotAllowedError, requestExport } from "~/catalog/export.server";
import { loadCatalogStatus } from "~/catalog/status.server";
import { rotateFeedToken } from "~/catalog/store.server";
import { prisma } from "~/db.server";
import { env } from "~/env.server";
import { authenticate } from "~/shopify.server";

/**
 * The catalog page's fetchers (app/components/catalog/CatalogExportCard.tsx, CatalogFeedCard.tsx).
 * GET  /app/catalog/export → CatalogStatus as JSON, polled while an export runs.
 * POST /app/catalog/export intent=export → "Export now": 202, or 409 with `error` (switch off, export running).
 * POST /app/catalog/export intent=rotate → a new feed secret; the old URLs answer 404 from now on.
 */
const NO_STORE = { "Cache-Control": "no-store" };

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  return json(await loadCatalogStatus(prisma, session.shop, env().SHOPIFY_APP_URL), { headers: NO_STORE });
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  if (request.method !== "POST") return json({ error: "Method not allowed" }, { status: 405, headers: NO_STORE });
  const intent = (await request.formData()).get("intent");
  const status = () => loadCatalogStatus(prisma, session.shop, env().SHOPIFY_APP_URL);
  if (intent === "rotate") {
    await rotateFeedToken(prisma, session.shop);
    return json({ ...(await status()), error: null }, { headers: NO_STORE });
  }
  if (intent !== "export") return json({ ...(await status()), error: "Unknown action." }, { status: 400, headers: NO_STORE });
  try {
    await requestExport(prisma, session.shop);
    return json({ ...(await status()), error: null }, { status: 202, headers: NO_STORE });
  } catch (error) {
    if (!(error instanceof ExportNotAllowedError)) throw error;
    return json({ ...(await status()), error: error.message }, { status: 409, headers: NO_STORE });
  }
};
