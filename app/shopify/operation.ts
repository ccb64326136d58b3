/**
 * The operation's type and name, from the document text (graphql-js is a dev dependency only). Comments are dropped
 * first: documents start with `#graphql`.
 */
export function parseOperation(document: string): { type: "query" | "mutation" | "subscription"; name: string | null } {
  const source = document.replace(/#[^\n\r]*/g, " ");
  const match = /\b(query|mutation|subscription)\b\s*([_A-Za-z][_0-9A-Za-z]*)?/.exec(source);
  if (!match) return { type: "query", name: null };
  return { type: match[1] as "query" | "mutation" | "subscription", name: match[2] ?? null };
}
