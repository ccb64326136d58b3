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
  /** Root nodes read per execution of a paged bulk query (see run). */
  rootPageSize?: number;
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
  rootPageSize: number;

  constructor(
    private readonly execute: ExecuteFn,
    opts: BulkOptions = {},
  ) {
    super();
    this.phaseMs = opts.phaseMs ?? 50;
    this.maxConcurrent = opts.maxConcurrent ?? 5;
    this.rootPageSize = opts.rootPageSize ?? 1000;
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
    const opDef = doc.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
    const root = ctx.loaded.schema.getQueryType()!;
    const rootFields = fieldsOf(ctx, opDef.selectionSet, root);
    // groupObjects: true puts each child right after its parent (the walk's order). Since 2025-10 the default is
    // false, and Shopify then promises no grouping: here every parent comes first, then all their children, so a
    // client that assumes grouping without asking for it fails in tests as it would in production.
    const walked: string[] = [];
    const byDepth: string[][] = [];
    let count = 0;
    const sink: Sink = groupObjects
      ? (line) => {
          walked.push(line);
          count++;
        }
      : (line, depth) => {
          (byDepth[depth] ??= []).push(line);
          count++;
        };
    let roots = 0;
    // One root field that is a connection (products, orders, customers…) is read `rootPageSize` nodes at a time, as
    // Shopify's own collection proceeds: objectCount grows while RUNNING, requests are answered meanwhile, and only
    // one page of the executed tree is alive at once. Any other shape runs in one execution.
    const [only] = rootFields;
    const onlyDef = only?.[1].getFields()[only[0].name.value];
    const paged = rootFields.length === 1 && onlyDef !== undefined && isConnectionType(getNamedType(onlyDef.type));
    const pageCtx: Ctx = paged ? { ...ctx, bulkPage: { first: this.rootPageSize, after: null } } : ctx;
    for (;;) {
      let result: ExecutionResult;
      try {
        result = await this.execute(pageCtx, doc);
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
      for (const [field, type] of rootFields) {
        const value = (result.data as Record<string, unknown> | null | undefined)?.[field.alias?.value ?? field.name.value];
        const def = type.getFields()[field.name.value];
        if (!def) continue; // __typename
        const named = getNamedType(def.type);
        if (isConnectionType(named) && field.selectionSet) {
          const form = planOf(ctx, field.selectionSet, named).form;
          if (!form) continue;
          for (const node of connectionNodes(value, form)) {
            roots++;
            emit(node, form.plan, null, sink, 0);
          }
        } else if (value && typeof value === "object" && field.selectionSet && (isObjectType(named) || isInterfaceType(named))) {
          roots++;
          emit(value as Record<string, unknown>, planOf(ctx, field.selectionSet, named), null, sink, 0);
        }
      }
      const next = pageCtx.bulkPage?.next;
      if (!next?.hasNextPage || !next.endCursor) break;
      pageCtx.bulkPage = { first: this.rootPageSize, after: next.endCursor };
      op.objectCount = count;
      await new Promise((resolve) => setImmediate(resolve));
      if (op.status !== "RUNNING") return;
    }
    const ordered = groupObjects ? walked : byDepth.flat();
    // While RUNNING Shopify reports a growing objectCount: after the last page, half of the objects are still
    // "being read" for one more phase.
    op.objectCount = Math.max(op.objectCount, Math.floor(ordered.length / 2));
    this.later(() => this.complete(ctx, op, ordered, roots, outcome));
  }

  private complete(ctx: Ctx, op: BulkOperationRecord, all: string[], roots: number, outcome: BulkOutcome | undefined): void {
    if (op.status !== "RUNNING") return;
    let lines = all;
    if (outcome?.status === "FAILED") {
      if (outcome.partialData && lines.length > 1) {
        lines = lines.slice(0, Math.floor(lines.length / 2));
        const body = jsonl(lines);
        op.objectCount = lines.length;
        op.rootObjectCount = Math.min(roots, lines.length);
        op.partialDataUrl = `${ctx.origin}/_simulator/bulk/${op.fileToken}.jsonl`;
        this.files.set(op.fileToken, { shop: ctx.shop.domain, body, op, now: () => ctx.store.now() });
      }
      this.finish(ctx, op, "FAILED", outcome.errorCode);
      return;
    }
    const body = jsonl(lines);
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

/** The lines as a JSONL file, each written into one buffer (joining 100,000s of strings first costs more). */
function jsonl(lines: string[]): Buffer {
  let size = 0;
  for (const line of lines) size += Buffer.byteLength(line, "utf8") + 1;
  const body = Buffer.allocUnsafe(size);
  let offset = 0;
  for (const line of lines) {
    offset += body.write(line, offset, "utf8");
    body[offset++] = 0x0a;
  }
  return body;
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

/**
 * How the walk below turns one executed object into a line: for each response key of the selection, whether it is a
 * connection (its nodes become lines of their own, carrying `__parentId`) or an object whose own selection may hold
 * one. Built once per selection set and type, as a bulk result is made of the same few selections 100,000s of times.
 */
interface Plan {
  keys: Map<string, { connection: ConnectionForm | null; object: Plan | null }>;
  /** When this plan is a connection's: the first form of its nodes (see connectionSelections). */
  form: ConnectionForm | null;
}
interface ConnectionForm {
  viaEdges: boolean;
  /** `edges` and `node`, or `nodes`, by their response keys. */
  listKey: string;
  nodeKey: string | null;
  plan: Plan;
}

const plans = new WeakMap<SelectionSetNode, Map<GraphQLCompositeType, Plan>>();

function planOf(ctx: Ctx, sel: SelectionSetNode, type: GraphQLCompositeType): Plan {
  let byType = plans.get(sel);
  if (!byType) plans.set(sel, (byType = new Map()));
  const cached = byType.get(type);
  if (cached) return cached;
  const plan: Plan = { keys: new Map(), form: null };
  byType.set(type, plan);
  if (isConnectionType(type)) {
    // Both edges and nodes may be selected; the first form present is taken so a node is not written twice.
    const first = connectionSelections(ctx, sel, type)[0];
    if (first) {
      const [listKey, nodeKey] = first.viaEdges ? first.key.split(".") : [first.key, null];
      plan.form = { viaEdges: first.viaEdges, listKey, nodeKey, plan: planOf(ctx, first.selectionSet, first.type) };
    }
    return plan;
  }
  for (const [field, owner] of fieldsOf(ctx, sel, type)) {
    const key = field.alias?.value ?? field.name.value;
    const def = owner.getFields()[field.name.value];
    if (!def || !field.selectionSet || plan.keys.has(key)) continue;
    const named = getNamedType(def.type) as GraphQLCompositeType;
    if (isConnectionType(named)) plan.keys.set(key, { connection: planOf(ctx, field.selectionSet, named).form, object: null });
    else plan.keys.set(key, { connection: null, object: planOf(ctx, field.selectionSet, named) });
  }
  return plan;
}

function connectionNodes(value: unknown, form: ConnectionForm): Record<string, unknown>[] {
  if (!value || typeof value !== "object") return [];
  const list = (value as Record<string, unknown>)[form.listKey] as Record<string, unknown>[] | undefined;
  const out: Record<string, unknown>[] = [];
  for (const item of list ?? []) {
    const node = (form.nodeKey === null ? item : item?.[form.nodeKey]) as Record<string, unknown> | null | undefined;
    if (node) out.push(node);
  }
  return out;
}

type Sink = (line: string, depth: number) => void;

/** Writes one node (connections removed) and then its connection children, each with __parentId. */
function emit(node: Record<string, unknown>, plan: Plan, parentId: string | null, sink: Sink, depth: number): void {
  const children: { node: Record<string, unknown>; plan: Plan }[] = [];
  const copy = strip(node, plan, children);
  if (parentId !== null) copy.__parentId = parentId;
  sink(JSON.stringify(copy), depth);
  const id = typeof node.id === "string" ? node.id : parentId;
  for (const c of children) emit(c.node, c.plan, id, sink, depth + 1);
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

/** A copy of `value` in its own key order without its connections, whose nodes are added to `children`. */
function strip(value: Record<string, unknown>, plan: Plan, children: { node: Record<string, unknown>; plan: Plan }[]): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const v = value[key];
    const entry = plan.keys.get(key);
    if (entry?.connection) {
      for (const node of connectionNodes(v, entry.connection)) children.push({ node, plan: entry.connection.plan });
    } else if (entry?.object && v && typeof v === "object" && !Array.isArray(v)) {
      copy[key] = strip(v as Record<string, unknown>, entry.object, children);
    } else {
      copy[key] = v;
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
