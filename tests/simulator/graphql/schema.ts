import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import { buildClientSchema, type GraphQLSchema, type IntrospectionQuery } from "graphql";

/** The real 2026-07 Admin schema, loaded once per process (≈11 MB of JSON; see README for timings). */

export const API_VERSION = "2026-07";
export const SCHEMA_PATH = fileURLToPath(new URL(`../schema/admin_${API_VERSION}.json.gz`, import.meta.url));

export interface AccessRule {
  /** Any one of these scopes grants access. */
  scopes: string[];
  /** Shopify's wording, e.g. "`read_orders` access scope." */
  text: string;
}

export interface LoadedSchema {
  schema: GraphQLSchema;
  /** Type-level rules: every field returning this type needs one of the scopes. */
  typeAccess: Map<string, AccessRule>;
  /** Field-level rules, keyed "Type.field". */
  fieldAccess: Map<string, AccessRule>;
  loadMs: number;
}

interface OfflineScopeItem {
  type: "type" | "field";
  typeName: string;
  fieldName?: string;
  requiredAccess: string;
  offlineScopes: string[];
}

let cached: LoadedSchema | null = null;

export function loadAdminSchema(): LoadedSchema {
  if (cached) return cached;
  const started = performance.now();
  const json = JSON.parse(gunzipSync(readFileSync(SCHEMA_PATH)).toString("utf8")) as {
    data: IntrospectionQuery;
    offline_scopes?: { items: OfflineScopeItem[] };
  };
  const schema = buildClientSchema(json.data, { assumeValid: true });
  const typeAccess = new Map<string, AccessRule>();
  const fieldAccess = new Map<string, AccessRule>();
  for (const item of json.offline_scopes?.items ?? []) {
    if (!item.offlineScopes.length) continue;
    // The descriptive text can run on about staff permissions; keep the scope sentence Shopify puts first.
    const rule = { scopes: item.offlineScopes, text: item.requiredAccess.split("\n")[0].trim() };
    if (item.type === "type") typeAccess.set(item.typeName, rule);
    else if (item.fieldName) fieldAccess.set(`${item.typeName}.${item.fieldName}`, rule);
  }
  cached = { schema, typeAccess, fieldAccess, loadMs: performance.now() - started };
  return cached;
}
