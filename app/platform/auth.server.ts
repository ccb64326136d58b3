import { json } from "@remix-run/node";

import { prisma, type Db } from "~/db.server";
import { logger } from "~/logger.server";

import { verifyApiKey } from "./api-key.server";

/**
 * Authenticates a call from the platform to `/api/v1/*`: `Authorization: Bearer syn_<keyId>_<secret>`, the key
 * the merchant issued in Settings, belonging to a shop that has the app installed. Anything else is thrown as one
 * and the same 401: the caller learns nothing about which part was wrong (missing header, malformed key, unknown
 * key id, wrong secret, rotated key, uninstalled shop). The reason goes to our logs only.
 *
 *   export const loader = async ({ request }: LoaderFunctionArgs) => {
 *     const { shop } = await authenticatePlatform(request);
 *     ...every query filters on shop...
 *   };
 */
export async function authenticatePlatform(request: Request, db: Db = prisma): Promise<{ shop: string }> {
  const header = request.headers.get("authorization") ?? "";
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  if (!match) throw unauthorized(header ? "malformed authorization header" : "no authorization header");
  const verified = await verifyApiKey(db, match[1]);
  if (!verified) throw unauthorized("unknown or wrong API key");
  const shop = await db.shop.findUnique({ where: { shop: verified.shop }, select: { uninstalledAt: true } });
  if (!shop || shop.uninstalledAt) throw unauthorized(`shop ${verified.shop} is not installed`);
  return { shop: verified.shop };
}

function unauthorized(reason: string): Response {
  logger.child({ source: "api.v1" }).warn({ reason }, "platform API call refused");
  return json(
    { error: "unauthorized", message: "Send a valid Syncline API key as Authorization: Bearer <key>." },
    {
      status: 401,
      headers: { "WWW-Authenticate": 'Bearer realm="syncline"', "Cache-Control": "no-store" },
    },
  );
}
