import { json } from "@remix-run/node";

import { prisma } from "~/db.server";

/** Liveness and database reachability, for load balancers and the demo script. No shop data. */
export const loader = async () => {
  try {
    await prisma.$queryRawUnsafe("SELECT 1");
    return json({ ok: true });
  } catch {
    return json({ ok: false, error: "database unreachable" }, { status: 503 });
  }
};
