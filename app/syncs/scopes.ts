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

/** "read_orders", "read_orders and write_customers", "a, b and c": scope names as the merchant sees them on the grant screen. */
export function listScopes(scopes: readonly string[]): string {
  if (scopes.length <= 1) return scopes.join("");
  return `${scopes.slice(0, -1).join(", ")} and ${scopes[scopes.length - 1]}`;
}
