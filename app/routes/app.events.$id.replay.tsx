import type { ActionFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";

import { prisma } from "~/db.server";
import { EventNotFoundError, replayEvent } from "~/events/deliver.server";
import { REPLAY_PARAM, REPLAY_WAITING_PARAM, safeReturnTo } from "~/events/replay-result";
import { authenticate } from "~/shopify.server";

/**
 * POST /app/events/:id/replay — sends one outbound event again (same webhook-id, fresh signature). Posted by the
 * Replay button of the activity log's platform entries, whose `reference` is the event id. Form field `returnTo`
 * (an /app path, default /app/activity) is where the merchant lands; `?replayed=<id>` there tells the page to
 * show the toast (see ~/events/replay-result). Another shop's event id answers 404.
 */
export const action = async ({ request, params }: ActionFunctionArgs) => {
  const { session, redirect } = await authenticate.admin(request);
  const form = await request.formData();
  let result: Awaited<ReturnType<typeof replayEvent>>;
  try {
    result = await replayEvent(prisma, session.shop, params.id ?? "");
  } catch (error) {
    if (error instanceof EventNotFoundError) throw json({ error: "Event not found" }, { status: 404 });
    throw error;
  }
  const target = new URL(safeReturnTo(form.get("returnTo")), "http://app.invalid");
  target.searchParams.set(REPLAY_PARAM, result.id);
  if (result.waiting) target.searchParams.set(REPLAY_WAITING_PARAM, "1");
  else target.searchParams.delete(REPLAY_WAITING_PARAM);
  return redirect(`${target.pathname}${target.search}`);
};

