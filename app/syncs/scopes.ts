/** Shopify's rule, applied wherever we decide whether a sync may run: a write scope implies the matching read scope. */
export function scopeGranted(scope: string, granted: readonly string[]): boolean {
  if (granted.includes(scope)) return true;
  const read = /^(unauthenticated_)?read_(.+)$/.exec(scope);
  return read !== null && granted.includes(`${read[1] ?? ""}write_${read[2]}`);
}

/** The scopes of `required` that `granted` does not cover, in `required`'s order. */
export function missingScopes(required: readonly string[], granted: readonly string[]): string[] {
  return required.filter((scope) => !scopeGranted(scope, granted));
}

const RESOURCES: Record<string, string> = {
  all_orders: "all orders",
  customer_events: "customer events",
  customers: "customers",
  inventory: "inventory",
  orders: "orders",
  pixels: "web pixels",
  products: "products",
};

/** `read_orders` → "View orders", `write_customers` → "Edit customers": the wording of Shopify's grant screen. */
export function permissionLabel(scope: string): string {
  const match = /^(read|write)_(.+)$/.exec(scope);
  if (!match) return scope;
  const resource = RESOURCES[match[2]] ?? match[2].replace(/_/g, " ");
  return `${match[1] === "read" ? "View" : "Edit"} ${resource}`;
}

/** "A", "A and B", "A, B and C". */
export function joinWords(parts: readonly string[]): string {
  if (parts.length <= 1) return parts.join("");
  return `${parts.slice(0, -1).join(", ")} and ${parts[parts.length - 1]}`;
}

/** “View orders”, “View products” and “View inventory”: permissions as the merchant sees them on the grant screen. */
export function permissionList(scopes: readonly string[]): string {
  return joinWords(scopes.map((s) => `“${permissionLabel(s)}”`));
}
