import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";

import { prisma } from "~/db.server";
import { handlePixelPost, handlePixelPreflight } from "~/purchases/pixel-endpoint.server";

/**
 * /pixel/purchases — the web pixel's reports of completed checkouts (extensions/purchase-pixel). Public: no session,
 * no HMAC; app/purchases/pixel-endpoint.server.ts says what protects it. OPTIONS (CORS preflight) reaches the
 * loader in Remix; POST the action.
 */
export const loader = ({ request }: LoaderFunctionArgs) => handlePixelPreflight(request);

export const action = ({ request }: ActionFunctionArgs) =>
  request.method === "POST" ? handlePixelPost(request, { db: prisma }) : handlePixelPreflight(request);
