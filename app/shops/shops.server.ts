import type { Db } from "~/db.server";

/** Called after every successful authentication: the shop exists, is installed, and its scopes are current. */
export async function recordInstall(db: Db, shop: string, scopes: string): Promise<void> {
  const now = new Date();
  const existing = await db.shop.findUnique({ where: { shop } });
  if (!existing) {
    await db.shop.create({ data: { shop, scopes, scopesUpdatedAt: now, installedAt: now } });
    return;
  }
  await db.shop.update({
    where: { shop },
    data: {
      scopes,
      scopesUpdatedAt: now,
      needsReauth: false,
      // A shop coming back after an uninstall starts a new installation.
      ...(existing.uninstalledAt ? { installedAt: now, uninstalledAt: null } : {}),
    },
  });
}

export function parseScopes(scopes: string | null | undefined): string[] {
  return (scopes ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}
