/**
 * Bulk queries cannot take variables (Shopify refuses them), but a document with variables is what `graphql:check`
 * validates and codegen types. `bulkDocument(template, values)` keeps the template as written in app/graphql and
 * writes each value into the text: the variable definitions are dropped and every `$name` becomes a GraphQL
 * literal (strings JSON-escaped, which is valid GraphQL string syntax; booleans, numbers, null as they are).
 *
 * Rules for a template: one `query Name(...)` operation; no `$` inside its own string literals; every declared
 * variable given a value (a missing or extra one throws, so a typo cannot send `$search` to Shopify).
 */
export type BulkVariable = string | number | boolean | null;

const HEADER = /^(\s*(?:#[^\n]*\n\s*)*query\s+[_A-Za-z][_0-9A-Za-z]*)\s*\(([^)]*)\)/;
const VARIABLE = /\$([_A-Za-z][_0-9A-Za-z]*)/g;

export class BulkDocumentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BulkDocumentError";
  }
}

function literal(value: BulkVariable): string {
  if (value === null) return "null";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new BulkDocumentError(`bulkDocument: ${value} is not a GraphQL number`);
    return String(value);
  }
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

export function bulkDocument(template: string, values: Record<string, BulkVariable> = {}): string {
  const header = HEADER.exec(template);
  const declared = header ? [...header[2].matchAll(VARIABLE)].map((m) => m[1]) : [];
  const missing = declared.filter((name) => !(name in values));
  const extra = Object.keys(values).filter((name) => !declared.includes(name));
  if (missing.length || extra.length) {
    throw new BulkDocumentError(
      `bulkDocument: ${missing.length ? `no value for $${missing.join(", $")}` : ""}${missing.length && extra.length ? "; " : ""}${extra.length ? `undeclared $${extra.join(", $")}` : ""}`,
    );
  }
  const body = header ? header[1] + template.slice(header[0].length) : template;
  return body.replace(VARIABLE, (_match, name: string) => literal(values[name]));
}
