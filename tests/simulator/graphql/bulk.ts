import { EventEmitter } from "node:events";
import { randomBytes } from "node:crypto";
import {
  getNamedType,
  isInterfaceType,
  isObjectType,
  Kind,
  parse,
  visit,
  type DocumentNode,
  type ExecutionResult,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type InlineFragmentNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from "graphql";
import { gid, parseGid } from "../store/format";
import type { BulkOperationRecord, ShopState } from "../store/types";
import { isConnectionType } from "./cost";
import type { BulkStarter, Ctx } from "./context";
import { validateForShopify } from "./errors";

/**
 * bulkOperationRunQuery: validated up front like Shopify (one to five connections, nesting depth ≤ 2, a nested
 * connection's parent selects `id`), then run asynchronously CREATED → RUNNING → COMPLETED (or FAILED), producing a
 * JSONL file where each node is a line and nested connection nodes are separate lines carrying `__parentId`.
 */

export type ExecuteFn = (ctx: Ctx, doc: DocumentNode) => ExecutionResult | Promise<ExecutionResult>;

export interface BulkOptions {
  /** Time spent in CREATED and again in RUNNING (ms). */
  phaseMs?: number;
  /** Concurrent QUERY operations per shop (5 since API 2026-01). */
  maxConcurrent?: number;
}

const MAX_CONNECTIONS = 5;
const MAX_DEPTH = 2;
/** Shopify keeps a result (`url`, `partialDataUrl`) for seven days after completion, then the operation is EXPIRED. */
export const RESULT_RETENTION_MS = 7 * 86_400_000;

/**
 * How the next bulk query of a shop ends instead of COMPLETED, for tests of a client's failure handling
 * (`sim.graphql.bulk.injectOutcome(shop, outcome)`). `partialData`: half of the lines are kept and served at
 * `partialDataUrl`, as Shopify does when an operation fails after it had read some objects.
 */
export type BulkOutcome =
  | { status: "FAILED"; errorCode: "ACCESS_DENIED" | "INTERNAL_SERVER_ERROR" | "TIMEOUT"; partialData?: boolean }
  | { status: "CANCELED" };

export class BulkRunner extends EventEmitter implements BulkStarter {
  private readonly files = new Map<string, { shop: string; body: Buffer; op: BulkOperationRecord; now: () => number }>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly outcomes = new Map<string, BulkOutcome[]>();
  phaseMs: number;
  maxConcurrent: number;

  constructor(
    private readonly execute: ExecuteFn,
    opts: BulkOptions = {},
  ) {
    super();
    this.phaseMs = opts.phaseMs ?? 50;
    this.maxConcurrent = opts.maxConcurrent ?? 5;
  }

  /** A result file by its token; gone once its operation has expired (seven days after completion). */
  file(token: string): Buffer | undefined {
    const entry = this.files.get(token);
    if (!entry) return undefined;
    if (expireIfStale(entry.op, entry.now())) {
      this.files.delete(token);
      return undefined;
    }
    return entry.body;
  }

  /** The shop's next `count` bulk queries end as `outcome` (see BulkOutcome). */
  injectOutcome(shop: string, outcome: BulkOutcome, count = 1): void {
    const queue = this.outcomes.get(shop) ?? [];
    for (let i = 0; i < count; i++) queue.push(outcome);
    this.outcomes.set(shop, queue);
  }

  /** Stops pending phase timers and forgets result files (on close and on reset). */
  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.files.clear();
    this.outcomes.clear();
  }

  /** Resolves when the operation reaches a final state (COMPLETED, FAILED, CANCELED). */
  whenFinished(shop: ShopState, gidValue: string): Promise<BulkOperationRecord> {
    const id = parseGid(gidValue)?.id ?? gidValue;
    const op = shop.bulkOperations.get(id);
    if (!op) return Promise.reject(new Error(`unknown bulk operation ${gidValue}`));
    if (["COMPLETED", "FAILED", "CANCELED", "EXPIRED"].includes(op.status)) return Promise.resolve(op);
    return new Promise((resolve) => {
      const onFinish = (done: BulkOperationRecord) => {
        if (done === op) {
          this.off("finished", onFinish);
          resolve(done);
        }
      };
      this.on("finished", onFinish);
    });
  }

  start(ctx: Ctx, query: string, groupObjects = false) {
    const fail = (message: string, code: string | null = "INVALID") => ({ bulkOperation: null, userErrors: [{ field: ["query"], message, code }] });
    let doc: DocumentNode;
    try {
      doc = parse(query);
    } catch (e) {
      return fail(`Invalid bulk query: ${(e as Error).message}`);
    }
    const invalid = validateForShopify(ctx.loaded.schema, doc);
    if (invalid.length) return fail(`Invalid bulk query: ${invalid[0].message}`);
    doc = inlineFragments(doc);
    const ops = doc.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    if (ops.length !== 1 || ops[0].operation !== "query") return fail("Bulk queries must contain exactly one query operation.");
    if (ops[0].variableDefinitions?.length) return fail("Bulk queries cannot use variables.");
    const shape = analyze(ctx, doc, ops[0]);
    if (shape.connections === 0) return fail("Bulk queries must contain at least one connection.");
    if (shape.connections > MAX_CONNECTIONS) return fail(`Bulk queries cannot contain more than ${MAX_CONNECTIONS} connections.`);
    if (shape.depth > MAX_DEPTH) return fail(`Bulk queries cannot contain connections with a nesting depth greater than ${MAX_DEPTH}.`);
    if (shape.missingId.length) {
      return fail(`The parent 'node' field for a nested connection must select the 'id' field. Connection fields without 'id': ${shape.missingId.join(", ")}.`);
    }
    if (shape.inList.length) return fail(`Queries that contain a connection field within a list field are not currently supported.`);
    const running = [...ctx.shop.bulkOperations.values()].filter((b) => b.type === "QUERY" && (b.status === "CREATED" || b.status === "RUNNING"));
    if (running.length >= this.maxConcurrent) {
      return fail(
        `A bulk query operation for this app and shop is already in progress: ${gid("BulkOperation", running[0].id)}.`,
        "OPERATION_IN_PROGRESS",
      );
    }
    const now = ctx.store.now();
    const op: BulkOperationRecord = {
      __typename: "BulkOperation",
      id: ctx.store.nextId(ctx.shop, "BulkOperation"),
      type: "QUERY",
      status: "CREATED",
      errorCode: null,
      query,
      createdAt: now,
      completedAt: null,
      objectCount: 0,
      rootObjectCount: 0,
      fileSize: null,
      url: null,
      partialDataUrl: null,
      file: null,
      fileToken: randomBytes(12).toString("hex"),
    };
    ctx.shop.bulkOperations.set(op.id, op);
    const bulkCtx: Ctx = { ...ctx, bulk: true, searchWarnings: [] };
    const outcome = this.outcomes.get(ctx.shop.domain)?.shift();
    this.later(() => {
      if (op.status !== "CREATED") return;
      op.status = "RUNNING";
      this.later(() => void this.run(bulkCtx, op, doc, groupObjects, outcome));
    });
    return { bulkOperation: op, userErrors: [] };
  }

  cancel(ctx: Ctx, id: string) {
    const op = parseGid(id)?.type === "BulkOperation" ? ctx.shop.bulkOperations.get(parseGid(id)!.id) : undefined;
    if (!op) return { bulkOperation: null, userErrors: [{ field: ["id"], message: "Bulk operation does not exist" }] };
    if (op.status !== "CREATED" && op.status !== "RUNNING") {
      return { bulkOperation: op, userErrors: [{ field: null, message: `A bulk operation cannot be canceled when it is ${op.status.toLowerCase()}` }] };
    }
    op.status = "CANCELING";
    this.later(() => this.finish(ctx, op, "CANCELED"));
    return { bulkOperation: op, userErrors: [] };
  }

  private later(fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, this.phaseMs);
    this.timers.add(t);
  }

  private async run(ctx: Ctx, op: BulkOperationRecord, doc: DocumentNode, groupObjects: boolean, outcome?: BulkOutcome): Promise<void> {
    if (op.status !== "RUNNING") return;
    if (outcome?.status === "CANCELED") {
      this.finish(ctx, op, "CANCELED");
      return;
    }
    let result: ExecutionResult;
    try {
      result = await this.execute(ctx, doc);
    } catch {
      this.finish(ctx, op, "FAILED", "INTERNAL_SERVER_ERROR");
      return;
    }
    if (op.status !== "RUNNING") return;
    if (result.errors?.length) {
      const denied = result.errors.some((e) => e.extensions?.code === "ACCESS_DENIED");
      this.finish(ctx, op, "FAILED", denied ? "ACCESS_DENIED" : "INTERNAL_SERVER_ERROR");
      return;
    }
    const opDef = doc.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
    const emitted: { line: string; depth: number }[] = [];
    let roots = 0;
    const root = ctx.loaded.schema.getQueryType()!;
    for (const [field, type] of fieldsOf(ctx, opDef.selectionSet, root)) {
      const value = (result.data as Record<string, unknown> | null | undefined)?.[field.alias?.value ?? field.name.value];
      const def = type.getFields()[field.name.value];
      const named = getNamedType(def.type);
      if (isConnectionType(named) && field.selectionSet) {
        for (const { node, sel } of connectionNodes(ctx, value, field.selectionSet, named)) {
          roots++;
          emit(ctx, node, sel.selectionSet, sel.type, null, emitted, 0);
        }
      } else if (value && typeof value === "object" && field.selectionSet && (isObjectType(named) || isInterfaceType(named))) {
        roots++;
        emit(ctx, value as Record<string, unknown>, field.selectionSet, named, null, emitted, 0);
      }
    }
    // groupObjects: true puts each child right after its parent (the walk's order). Since 2025-10 the default is
    // false, and Shopify then promises no grouping: here every parent comes first, then all their children, so a
    // client that assumes grouping without asking for it fails in tests as it would in production.
    const ordered = groupObjects ? emitted : [...emitted].sort((a, b) => a.depth - b.depth);
    // While RUNNING Shopify reports a growing objectCount: half of the objects are "read" for one more phase.
    op.objectCount = Math.floor(ordered.length / 2);
    this.later(() => this.complete(ctx, op, ordered.map((e) => e.line), roots, outcome));
  }

  private complete(ctx: Ctx, op: BulkOperationRecord, all: string[], roots: number, outcome: BulkOutcome | undefined): void {
    if (op.status !== "RUNNING") return;
    let lines = all;
    if (outcome?.status === "FAILED") {
      if (outcome.partialData && lines.length > 1) {
        lines = lines.slice(0, Math.floor(lines.length / 2));
        const body = Buffer.from(lines.join("\n") + "\n", "utf8");
        op.objectCount = lines.length;
        op.rootObjectCount = Math.min(roots, lines.length);
        op.partialDataUrl = `${ctx.origin}/_simulator/bulk/${op.fileToken}.jsonl`;
        this.files.set(op.fileToken, { shop: ctx.shop.domain, body, op, now: () => ctx.store.now() });
      }
      this.finish(ctx, op, "FAILED", outcome.errorCode);
      return;
    }
    const body = Buffer.from(lines.length ? lines.join("\n") + "\n" : "", "utf8");
    op.file = body;
    op.objectCount = lines.length;
    op.rootObjectCount = roots;
    op.fileSize = lines.length ? body.length : null;
    // Shopify returns no URL when the result is empty.
    op.url = lines.length ? `${ctx.origin}/_simulator/bulk/${op.fileToken}.jsonl` : null;
    if (lines.length) this.files.set(op.fileToken, { shop: ctx.shop.domain, body, op, now: () => ctx.store.now() });
    this.finish(ctx, op, "COMPLETED");
  }

  private finish(ctx: Ctx, op: BulkOperationRecord, status: BulkOperationRecord["status"], errorCode: BulkOperationRecord["errorCode"] = null): void {
    op.status = status;
    op.errorCode = errorCode;
    op.completedAt = ctx.store.now();
    ctx.store.emitWebhook(ctx.shop, "bulk_operations/finish", {
      admin_graphql_api_id: gid("BulkOperation", op.id),
      completed_at: new Date(op.completedAt).toISOString(),
      created_at: new Date(op.createdAt).toISOString(),
      error_code: errorCode ? errorCode.toLowerCase() : null,
      status: status.toLowerCase(),
      type: op.type.toLowerCase(),
    });
    this.emit("finished", op);
  }
}

// ------------------------------------------------------------------ document analysis

function fieldsOf(ctx: Ctx, sel: SelectionSetNode, type: GraphQLCompositeType): [FieldNode, ReturnType<typeof asObject>][] {
  const out: [FieldNode, ReturnType<typeof asObject>][] = [];
  const walk = (s: SelectionSetNode, t: GraphQLCompositeType) => {
    for (const x of s.selections) {
      if (x.kind === Kind.FIELD) out.push([x, asObject(t)]);
      else if (x.kind === Kind.INLINE_FRAGMENT) {
        const cond = x.typeCondition ? ctx.loaded.schema.getType(x.typeCondition.name.value) : t;
        walk(x.selectionSet, (cond ?? t) as GraphQLCompositeType);
      }
    }
  };
  walk(sel, type);
  return out;
}

/** Interfaces and objects both expose getFields(); unions have no fields of their own. */
function asObject(t: GraphQLCompositeType) {
  return (isObjectType(t) || isInterfaceType(t) ? t : { getFields: () => ({}) }) as { getFields(): Record<string, { type: import("graphql").GraphQLOutputType }> };
}

function analyze(ctx: Ctx, _doc: DocumentNode, op: OperationDefinitionNode) {
  const result = { connections: 0, depth: 0, missingId: [] as string[], inList: [] as string[] };
  const visit = (sel: SelectionSetNode, type: GraphQLCompositeType, depth: number, underList: boolean, selectsId: boolean) => {
    for (const [field, owner] of fieldsOf(ctx, sel, type)) {
      const def = owner.getFields()[field.name.value];
      if (!def || !field.selectionSet) continue;
      const named = getNamedType(def.type) as GraphQLCompositeType;
      const isList = def.type.toString().includes("[");
      if (isConnectionType(named)) {
        result.connections++;
        result.depth = Math.max(result.depth, depth + 1);
        if (depth > 0 && !selectsId) result.missingId.push(field.name.value);
        if (underList) result.inList.push(field.name.value);
        for (const inner of connectionSelections(ctx, field.selectionSet, named)) {
          visit(inner.selectionSet, inner.type, depth + 1, false, selectsField(inner.selectionSet, "id"));
        }
      } else {
        visit(field.selectionSet, named, depth, underList || isList, selectsField(field.selectionSet, "id") || selectsId);
      }
    }
  };
  visit(op.selectionSet, ctx.loaded.schema.getQueryType()!, 0, false, false);
  return result;
}

function selectsField(sel: SelectionSetNode, name: string): boolean {
  return sel.selections.some((s) => (s.kind === Kind.FIELD && s.name.value === name && !s.alias) || (s.kind === Kind.INLINE_FRAGMENT && selectsField(s.selectionSet, name)));
}

/** The node selections of a connection: `edges { node { ... } }` and/or `nodes { ... }`. */
function connectionSelections(ctx: Ctx, sel: SelectionSetNode, connection: GraphQLCompositeType): { key: string; viaEdges: boolean; selectionSet: SelectionSetNode; type: GraphQLCompositeType }[] {
  const out: { key: string; viaEdges: boolean; selectionSet: SelectionSetNode; type: GraphQLCompositeType }[] = [];
  const fields = asObject(connection).getFields();
  for (const [f] of fieldsOf(ctx, sel, connection)) {
    if (f.name.value === "nodes" && f.selectionSet) {
      out.push({ key: f.alias?.value ?? "nodes", viaEdges: false, selectionSet: f.selectionSet, type: getNamedType(fields.nodes.type) as GraphQLCompositeType });
    }
    if (f.name.value === "edges" && f.selectionSet) {
      const edgeType = getNamedType(fields.edges.type) as GraphQLCompositeType;
      for (const [e] of fieldsOf(ctx, f.selectionSet, edgeType)) {
        if (e.name.value === "node" && e.selectionSet) {
          out.push({
            key: `${f.alias?.value ?? "edges"}.${e.alias?.value ?? "node"}`,
            viaEdges: true,
            selectionSet: e.selectionSet,
            type: getNamedType(asObject(edgeType).getFields().node.type) as GraphQLCompositeType,
          });
        }
      }
    }
  }
  return out;
}

function connectionNodes(ctx: Ctx, value: unknown, sel: SelectionSetNode, connection: GraphQLCompositeType) {
  const out: { node: Record<string, unknown>; sel: { selectionSet: SelectionSetNode; type: GraphQLCompositeType } }[] = [];
  if (!value || typeof value !== "object") return out;
  // Both edges and nodes may be selected; take the first form present so a node is not written twice.
  const forms = connectionSelections(ctx, sel, connection);
  const form = forms[0];
  if (!form) return out;
  const v = value as Record<string, unknown>;
  if (form.viaEdges) {
    const [edgesKey, nodeKey] = form.key.split(".");
    for (const edge of (v[edgesKey] as Record<string, unknown>[] | undefined) ?? []) {
      const node = edge?.[nodeKey] as Record<string, unknown> | undefined;
      if (node) out.push({ node, sel: form });
    }
  } else {
    for (const node of (v[form.key] as Record<string, unknown>[] | undefined) ?? []) if (node) out.push({ node, sel: form });
  }
  return out;
}

/** Writes one node (connections removed) and then its connection children, each with __parentId. */
function emit(
  ctx: Ctx,
  node: Record<string, unknown>,
  sel: SelectionSetNode,
  type: GraphQLCompositeType,
  parentId: string | null,
  lines: { line: string; depth: number }[],
  depth: number,
): void {
  const children: { node: Record<string, unknown>; sel: { selectionSet: SelectionSetNode; type: GraphQLCompositeType } }[] = [];
  const copy = strip(ctx, node, sel, type, children);
  if (parentId !== null) copy.__parentId = parentId;
  lines.push({ line: JSON.stringify(copy), depth });
  const id = typeof node.id === "string" ? node.id : parentId;
  for (const c of children) emit(ctx, c.node, c.sel.selectionSet, c.sel.type, id, lines, depth + 1);
}

/** Shopify drops a result seven days after completion: the operation reads EXPIRED and its URLs are gone. */
export function expireIfStale(op: BulkOperationRecord, now: number): boolean {
  if (op.status === "EXPIRED") return true;
  if (op.completedAt === null || (op.status !== "COMPLETED" && op.status !== "FAILED")) return false;
  if (now < op.completedAt + RESULT_RETENTION_MS) return false;
  op.status = "EXPIRED";
  op.url = null;
  op.partialDataUrl = null;
  op.file = null;
  return true;
}

function strip(
  ctx: Ctx,
  value: Record<string, unknown>,
  sel: SelectionSetNode,
  type: GraphQLCompositeType,
  children: { node: Record<string, unknown>; sel: { selectionSet: SelectionSetNode; type: GraphQLCompositeType } }[],
): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...value };
  for (const [field, owner] of fieldsOf(ctx, sel, type)) {
    const key = field.alias?.value ?? field.name.value;
    const def = owner.getFields()[field.name.value];
    if (!def || !field.selectionSet || !(key in copy)) continue;
    const named = getNamedType(def.type) as GraphQLCompositeType;
    if (isConnectionType(named)) {
      children.push(...connectionNodes(ctx, copy[key], field.selectionSet, named));
      delete copy[key];
    } else if (copy[key] && typeof copy[key] === "object" && !Array.isArray(copy[key])) {
      copy[key] = strip(ctx, copy[key] as Record<string, unknown>, field.selectionSet, named, children);
    }
  }
  return copy;
}

/** Named fragments become inline fragments so the walkers above only meet fields and inline fragments. */
function inlineFragments(doc: DocumentNode): DocumentNode {
  const frags = new Map<string, FragmentDefinitionNode>();
  for (const d of doc.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) frags.set(d.name.value, d);
  if (!frags.size) return doc;
  const expand = (node: DocumentNode, depth: number): DocumentNode =>
    visit(node, {
      FragmentSpread(spread): InlineFragmentNode | null {
        const f = frags.get(spread.name.value);
        if (!f || depth > 10) return null;
        return { kind: Kind.INLINE_FRAGMENT, typeCondition: f.typeCondition, directives: [], selectionSet: f.selectionSet };
      },
    });
  let out = doc;
  for (let i = 0; i < 10 && JSON.stringify(out).includes('"FragmentSpread"'); i++) out = expand(out, i);
  return { ...out, definitions: out.definitions.filter((d) => d.kind !== Kind.FRAGMENT_DEFINITION) };
}
