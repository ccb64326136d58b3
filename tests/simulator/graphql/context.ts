import { getNamedType, isObjectType, type GraphQLFieldResolver, type GraphQLNamedType, type GraphQLResolveInfo } from "graphql";
import type { AppConfig } from "../config";
import type { SimStore } from "../store/store";
import type { ShopState } from "../store/types";
import { accessDenied, notImplemented } from "./errors";
import type { AccessRule, LoadedSchema } from "./schema";
import type { SearchWarning } from "./search";

export interface BulkStarter {
  start(ctx: Ctx, query: string, groupObjects?: boolean): { bulkOperation: unknown; userErrors: { field: string[] | null; message: string; code: string | null }[] };
  cancel(ctx: Ctx, id: string): { bulkOperation: unknown; userErrors: { field: string[] | null; message: string }[] };
}

export interface Ctx {
  store: SimStore;
  shop: ShopState;
  origin: string;
  apiKey: string;
  config: AppConfig;
  loaded: LoadedSchema;
  /** Inside a bulk operation connections are read whole. */
  bulk: boolean;
  /**
   * A bulk operation whose query has one root field, a connection, runs page by page (graphql/bulk.ts): the root
   * connection reads `first` nodes after `after` and reports where it stopped in `next`; nested ones stay whole.
   */
  bulkPage?: { first: number; after: string | null; next?: { endCursor: string | null; hasNextPage: boolean } };
  searchWarnings: { path: (string | number)[]; query: string; warnings: SearchWarning[] }[];
  bulkOps: BulkStarter;
}

// graphql-js hands resolvers untyped args that it has already validated and coerced against the schema, so the
// resolver tables below use a loose signature and each resolver reads the arguments its field declares.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Args = Record<string, any>;
export type Resolver<S = unknown> = (source: S, args: Args, ctx: Ctx, info: GraphQLResolveInfo) => unknown;
export type TypeResolvers = Record<string, Resolver>;

/** Declares the resolvers of one GraphQL type over a typed source object. */
export function type<S>(fields: Record<string, Resolver<S>>): TypeResolvers {
  return fields as unknown as TypeResolvers;
}

export function hasAnyScope(ctx: Ctx, scopes: string[]): boolean {
  return scopes.some((s) => ctx.store.hasScope(ctx.shop.domain, s));
}

/** Per parent type, per field: the access rules that apply (the schema's data, resolved once). */
const accessCache = new WeakMap<GraphQLNamedType, Map<string, AccessRule[]>>();
/** Per request: whether the shop holds a rule's scopes (a bulk query resolves millions of fields in one request). */
const grantedIn = new WeakMap<Ctx, Map<AccessRule, boolean>>();

function connectionNode(t: GraphQLNamedType): GraphQLNamedType {
  if (!isObjectType(t)) return t;
  if (t.name.endsWith("Connection") || t.name.endsWith("Edge")) {
    const f = t.getFields();
    const inner = f.nodes ?? f.node;
    if (inner) return getNamedType(inner.type);
  }
  return t;
}

function rulesFor(ctx: Ctx, info: GraphQLResolveInfo): AccessRule[] {
  let byField = accessCache.get(info.parentType);
  if (!byField) accessCache.set(info.parentType, (byField = new Map()));
  let rules = byField.get(info.fieldName);
  if (!rules) {
    const key = `${info.parentType.name}.${info.fieldName}`;
    rules = [];
    const fieldRule = ctx.loaded.fieldAccess.get(key);
    if (fieldRule) rules.push(fieldRule);
    const target = connectionNode(getNamedType(info.returnType));
    if (target.name !== info.parentType.name) {
      const typeRule = ctx.loaded.typeAccess.get(target.name);
      if (typeRule) rules.push(typeRule);
    }
    byField.set(info.fieldName, rules);
  }
  return rules;
}

function granted(ctx: Ctx, rule: AccessRule): boolean {
  let memo = grantedIn.get(ctx);
  if (!memo) grantedIn.set(ctx, (memo = new Map()));
  let ok = memo.get(rule);
  if (ok === undefined) memo.set(rule, (ok = hasAnyScope(ctx, rule.scopes)));
  return ok;
}

/** Record types whose fields must all be resolved explicitly (their raw properties are not the API's shape). */
const STRICT = new Set([
  "Shop",
  "Product",
  "ProductVariant",
  "Collection",
  "Customer",
  "Order",
  "LineItem",
  "Refund",
  "WebhookSubscription",
  "BulkOperation",
  "Location",
  "InventoryItem",
  "InventoryLevel",
  "AppInstallation",
  "App",
  "QueryRoot",
  "Mutation",
]);

/**
 * Every field goes through here: access scopes first (from the schema's own `requiredAccess` data), then the
 * type's resolver table, then — for plain value objects only — the property of the same name. Anything else is a
 * NOT_IMPLEMENTED_IN_SIMULATOR error naming the field, never a silent null.
 */
export function makeFieldResolver(resolvers: Record<string, TypeResolvers>): GraphQLFieldResolver<unknown, Ctx> {
  return (source, args, ctx, info) => {
    for (const rule of rulesFor(ctx, info)) {
      if (!granted(ctx, rule)) throw accessDenied(info.fieldName, rule);
    }
    const parent = info.parentType.name;
    const table = resolvers[parent];
    const r = table?.[info.fieldName];
    if (r) return r(source, args, ctx, info);
    if (!STRICT.has(parent) && source !== null && typeof source === "object" && Object.prototype.hasOwnProperty.call(source, info.fieldName)) {
      const v = (source as Record<string, unknown>)[info.fieldName];
      return typeof v === "function" ? (v as Resolver)(source, args, ctx, info) : v;
    }
    throw notImplemented(parent, info.fieldName);
  };
}
