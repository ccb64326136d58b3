import type { LoaderFunctionArgs } from "@remix-run/node";

import { catalogFeedResponse } from "~/catalog/feed-response.server";
import { prisma } from "~/db.server";

/**
 * /feeds/catalog/<token>.xml and /feeds/catalog/<token>.json — the catalog feed the platform reads (issue 5 point 1).
 * Public: the token in the URL is the only credential; a wrong one gets an empty 404. See
 * app/catalog/feed-response.server.ts (ETag, Last-Modified, compression) and app/catalog/feed.server.ts (the shape).
 */
export const loader = ({ request, params }: LoaderFunctionArgs) => catalogFeedResponse(prisma, request, params.file);
