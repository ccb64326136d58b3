import { json, type LoaderFunctionArgs } from "@remix-run/node";

import { prisma } from "~/db.server";
import { authenticatePlatform } from "~/platform/auth.server";
import { platformStatus } from "~/platform/status.server";

/**
 * GET /api/v1/status — for the platform: which of the shop's syncs are on. Authenticated by the shop's API key
 * (Settings → Platform connection); the key decides the shop, never a parameter.
 */
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { shop } = await authenticatePlatform(request);
  return json(await platformStatus(prisma, shop), { headers: { "Cache-Control": "no-store" } });
};
