/** Prisma's "unique constraint failed" (P2002), the signal that an idempotency key was already used. */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === "object" && error !== null && "code" in error && (error as { code: unknown }).code === "P2002";
}
