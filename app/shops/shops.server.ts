import type { Db } from "~/db.server";

/**
 * Called after every token exchange (afterAuth): the shop exists, is installed, and its scopes are current.
 * `installedAt` moves to now each time: a successful exchange proves the app is installed at this moment, which is
 * what app/uninstalled compares a late delivery against (a merchant may reinstall before the uninstall arrives).
 */
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
      installedAt: now,
      uninstalledAt: null,
    },
  });
}

export function parseScopes(scopes: string | null | undefined): string[] {
  return (scopes ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}
