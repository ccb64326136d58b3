import { randomUUID } from "node:crypto";
import {
  execute,
  getOperationAST,
  getVariableValues,
  GraphQLError,
  Kind,
  parse,
  print,
  type DocumentNode,
  type ExecutionResult,
  type FragmentDefinitionNode,
  type GraphQLFieldResolver,
} from "graphql";
import type { AppConfig } from "../config";
import type { SimStore } from "../store/store";
import type { ShopState } from "../store/types";
import type { LeakyBuckets } from "../throttle";
import { BulkRunner } from "./bulk";
import { makeFieldResolver, type Ctx } from "./context";
import { actualCost, MAX_QUERY_COST, requestedCost } from "./cost";
import { toShopifyError, validateForShopify, type ShopifyError } from "./errors";
import { AdminApiFaults } from "./faults";
import { catalogResolvers } from "./resolvers/catalog";
import { customerResolvers } from "./resolvers/customers";
import { orderResolvers } from "./resolvers/orders";
import { pixelMutationResolvers, pixelQueryResolvers, pixelResolvers } from "./resolvers/pixels";
import { platformResolvers } from "./resolvers/platform";
import { rootResolvers } from "./resolvers/root";
import { loadAdminSchema, type LoadedSchema } from "./schema";

export interface GraphqlDeps {
  store: SimStore;
  config: AppConfig;
  apiKey: string;
  origin: () => string;
  buckets: LeakyBuckets;
  bulkPhaseMs?: number;
}

export interface GraphqlResponse {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

const RESOLVERS = {
  ...rootResolvers,
  ...catalogResolvers,
  ...customerResolvers,
  ...orderResolvers,
  ...platformResolvers,
  ...pixelResolvers,
  QueryRoot: { ...rootResolvers.QueryRoot, ...pixelQueryResolvers },
  Mutation: { ...rootResolvers.Mutation, ...pixelMutationResolvers },
};
const fieldResolver: GraphQLFieldResolver<unknown, Ctx> = makeFieldResolver(RESOLVERS);

const DOC_CACHE_MAX = 500;

export class GraphqlEndpoint {
  readonly loaded: LoadedSchema;
  readonly bulk: BulkRunner;
  /** Injected failures and per-shop counters (faults.ts); applied by the server before authentication. */
  readonly faults = new AdminApiFaults();
  private readonly docs = new Map<string, DocumentNode | GraphQLError>();

  constructor(private readonly deps: GraphqlDeps) {
    this.loaded = loadAdminSchema();
    this.bulk = new BulkRunner((ctx, doc) => this.run(ctx, doc, {}, undefined), { phaseMs: deps.bulkPhaseMs });
  }

  context(shop: ShopState): Ctx {
    return {
      store: this.deps.store,
      shop,
      origin: this.deps.origin(),
      apiKey: this.deps.apiKey,
      config: this.deps.config,
      loaded: this.loaded,
      bulk: false,
      searchWarnings: [],
      bulkOps: this.bulk,
    };
  }

  private parseCached(query: string): DocumentNode | GraphQLError {
    let doc = this.docs.get(query);
    if (!doc) {
      try {
        doc = parse(query);
      } catch (e) {
        doc = e instanceof GraphQLError ? e : new GraphQLError(String(e));
      }
      if (this.docs.size >= DOC_CACHE_MAX) this.docs.delete(this.docs.keys().next().value!);
      this.docs.set(query, doc);
    }
    return doc;
  }

  private run(ctx: Ctx, document: DocumentNode, variableValues: Record<string, unknown>, operationName: string | undefined) {
    return execute({ schema: this.loaded.schema, document, contextValue: ctx, variableValues, operationName, fieldResolver, rootValue: {} });
  }

  /** One POST /admin/api/2026-07/graphql.json for an authenticated shop. */
  async handle(shop: ShopState, request: { query?: unknown; variables?: unknown; operationName?: unknown }): Promise<GraphqlResponse> {
    const headers = { "X-Request-Id": randomUUID(), "X-Shopify-API-Version": "2026-07" };
    if (typeof request.query !== "string" || !request.query.trim()) {
      return { status: 400, headers, body: { errors: { query: "Required parameter missing or invalid" } } };
    }
    const variables = request.variables ?? {};
    if (typeof variables !== "object" || Array.isArray(variables) || variables === null) {
      return { status: 400, headers, body: { errors: { variables: "Invalid variables: expected a JSON object" } } };
    }
    const operationName = typeof request.operationName === "string" && request.operationName ? request.operationName : undefined;
    const parsed = this.parseCached(request.query);
    if (parsed instanceof GraphQLError) {
      const err = toShopifyError(parsed);
      err.extensions = { code: "parseError" };
      return { status: 200, headers, body: { errors: [err] } };
    }
    const invalid = validateForShopify(this.loaded.schema, parsed);
    if (invalid.length) return { status: 200, headers, body: { errors: invalid } };
    const op = getOperationAST(parsed, operationName);
    if (!op) {
      const message = operationName ? `No operation named "${operationName}"` : "An operation name is required";
      return { status: 200, headers, body: { errors: [{ message, extensions: { code: "OPERATION_NOT_FOUND" } }] } };
    }
    const coerced = getVariableValues(this.loaded.schema, op.variableDefinitions ?? [], variables as Record<string, unknown>);
    if (coerced.errors) {
      const types = new Map((op.variableDefinitions ?? []).map((d) => [d.variable.name.value, print(d.type)]));
      return { status: 200, headers, body: { errors: coerced.errors.map((e) => variableError(e, variables as Record<string, unknown>, types)) } };
    }
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const d of parsed.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
    const requested = requestedCost(this.loaded.schema, op, fragments, coerced.coerced);
    const { buckets } = this.deps;
    if (requested > MAX_QUERY_COST) {
      return {
        status: 200,
        headers,
        body: {
          errors: [
            {
              message:
                `Query cost is ${requested}, which exceeds the single query max cost limit (${MAX_QUERY_COST}).\n\n` +
                "See https://shopify.dev/concepts/about-apis/rate-limits for more information on how the\n" +
                "cost of a query is calculated.\n\n" +
                "To query larger amounts of data with fewer limits, bulk operations should be used instead.\n" +
                "See https://shopify.dev/tutorials/perform-bulk-operations-with-admin-api for usage details.\n",
              extensions: { code: "MAX_COST_EXCEEDED", cost: requested, maxCost: MAX_QUERY_COST },
            },
          ],
          extensions: { cost: { requestedQueryCost: requested, actualQueryCost: null, throttleStatus: buckets.status(shop) } },
        },
      };
    }
    if (!buckets.take(shop, requested)) {
      this.faults.countThrottled(shop.domain);
      return {
        status: 200,
        headers,
        body: {
          errors: [{ message: "Throttled", extensions: { code: "THROTTLED", documentation: "https://shopify.dev/api/usage/rate-limits" } }],
          extensions: { cost: { requestedQueryCost: requested, actualQueryCost: null, throttleStatus: buckets.status(shop) } },
        },
      };
    }
    const ctx = this.context(shop);
    let result: ExecutionResult;
    try {
      result = await this.run(ctx, parsed, variables as Record<string, unknown>, operationName);
    } catch (e) {
      buckets.refund(shop, requested);
      throw e;
    }
    const actual = actualCost(this.loaded.schema, op, fragments, coerced.coerced, result.data, requested);
    buckets.refund(shop, requested - actual);
    const body: { data?: unknown; errors?: ShopifyError[]; extensions: Record<string, unknown> } = {
      extensions: { cost: { requestedQueryCost: requested, actualQueryCost: actual, throttleStatus: buckets.status(shop) } },
    };
    if (result.errors?.length) body.errors = result.errors.map(toShopifyError);
    body.data = result.data ?? null;
    if (ctx.searchWarnings.length) {
      body.extensions.search = ctx.searchWarnings.map((w) => ({ path: w.path, query: w.query, warnings: w.warnings }));
    }
    // Shopify lists errors before data.
    const ordered = body.errors ? { errors: body.errors, data: body.data, extensions: body.extensions } : { data: body.data, extensions: body.extensions };
    return { status: 200, headers, body: ordered };
  }
}

/** graphql-ruby phrasing for a variable that does not coerce. */
function variableError(e: GraphQLError, variables: Record<string, unknown>, types: Map<string, string>): ShopifyError {
  const name = /^Variable "\$(\w+)"/.exec(e.message)?.[1] ?? "?";
  const explanation = e.message.replace(/^Variable "\$\w+" (got invalid value .*?; )?/, "").replace(/^of required type ".+?" was not provided\.$/, "Expected value to not be null");
  return {
    message: `Variable $${name} of type ${types.get(name) ?? "?"} was provided invalid value`,
    locations: e.locations?.map((l) => ({ line: l.line, column: l.column })),
    extensions: {
      code: "INVALID_VARIABLE",
      value: variables[name] ?? null,
      problems: [{ path: [], explanation }],
    },
  };
}
