import { GraphQLError } from "graphql";

/** Relay connections with Shopify-style opaque cursors (base64 JSON of the last id and sort value). */

export const MAX_PAGE_SIZE = 250;

export interface PageArgs {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
  reverse?: boolean | null;
}

export type SortValue = string | number | null;

export interface SortKey {
  id: string;
  value: SortValue;
}

export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  nodes: T[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

export function encodeCursor(k: SortKey): string {
  // Shopify writes last_id as a bare number; write the digits so ids above 2^53 survive.
  const json = `{"last_id":${k.id},"last_value":${k.value === null ? "null" : JSON.stringify(String(k.value))}}`;
  return Buffer.from(json, "utf8").toString("base64");
}

export function decodeCursor(cursor: string): { id: string; value: string | null } {
  let text: string;
  try {
    text = Buffer.from(cursor, "base64").toString("utf8");
  } catch {
    text = "";
  }
  const m = /^\{"last_id":(\d+),"last_value":(null|".*")\}$/s.exec(text);
  if (!m) throw new GraphQLError(`Invalid cursor for current pagination sort.`, { extensions: { code: "BAD_REQUEST" } });
  return { id: m[1], value: m[2] === "null" ? null : (JSON.parse(m[2]) as string) };
}

/** Numeric ids as digit strings (no leading zeros, possibly above 2^53): the shorter is smaller, else by text. */
function compareIds(a: string, b: string): number {
  if ((a.length > 1 && a[0] === "0") || (b.length > 1 && b[0] === "0")) {
    const ia = BigInt(a);
    const ib = BigInt(b);
    return ia === ib ? 0 : ia < ib ? -1 : 1;
  }
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a === b ? 0 : a < b ? -1 : 1;
}

function compareKeys(a: SortKey, b: { id: string; value: SortValue }, numeric: boolean): number {
  if (a.value !== b.value) {
    if (a.value === null) return -1;
    if (b.value === null) return 1;
    if (numeric) {
      const d = Number(a.value) - Number(b.value);
      if (d !== 0) return d < 0 ? -1 : 1;
    } else {
      const x = String(a.value);
      const y = String(b.value);
      if (x !== y) return x < y ? -1 : 1;
    }
  }
  return compareIds(a.id, b.id);
}

export interface PaginateOptions<T> {
  key: (item: T) => SortKey;
  /** Sort values compare as numbers (timestamps, totals) rather than strings. */
  numeric?: boolean;
  /** Inside a bulk operation connections are read whole, without first/last. */
  unbounded?: boolean;
  /** With `unbounded`: at most this many nodes after `after` (a bulk operation reading its root connection in pages). */
  pageSize?: number;
  fieldName: string;
}

export function paginate<T>(items: T[], args: PageArgs, opts: PaginateOptions<T>): Connection<T> {
  const keyed = items.map((node) => ({ node, key: opts.key(node) }));
  keyed.sort((a, b) => compareKeys(a.key, b.key, !!opts.numeric));
  if (args.reverse) keyed.reverse();
  const dir = args.reverse ? -1 : 1;
  if (!opts.unbounded) {
    if (args.first == null && args.last == null) {
      throw new GraphQLError("you must provide one of first or last", { extensions: { code: "BAD_REQUEST" } });
    }
    for (const [name, v] of [["first", args.first], ["last", args.last]] as const) {
      if (v != null && (v < 0 || v > MAX_PAGE_SIZE)) {
        throw new GraphQLError(`The ${name} argument must be between 0 and ${MAX_PAGE_SIZE}.`, {
          extensions: { code: "BAD_REQUEST", argumentName: name, maxPageSize: MAX_PAGE_SIZE },
        });
      }
    }
  }
  let start = 0;
  let end = keyed.length;
  if (args.after) {
    const c = decodeCursor(args.after);
    while (start < end && dir * compareKeys(keyed[start].key, c, !!opts.numeric) <= 0) start++;
  }
  if (args.before) {
    const c = decodeCursor(args.before);
    while (end > start && dir * compareKeys(keyed[end - 1].key, c, !!opts.numeric) >= 0) end--;
  }
  if (opts.unbounded && opts.pageSize !== undefined) end = Math.min(end, start + opts.pageSize);
  let window = keyed.slice(start, end);
  let hasNextPage = end < keyed.length;
  let hasPreviousPage = start > 0;
  if (!opts.unbounded) {
    if (args.first != null && window.length > args.first) {
      window = window.slice(0, args.first);
      hasNextPage = true;
    }
    if (args.last != null && window.length > args.last) {
      window = window.slice(window.length - args.last);
      hasPreviousPage = true;
    }
  }
  const edges = window.map((x) => ({ cursor: encodeCursor(x.key), node: x.node }));
  return {
    edges,
    nodes: edges.map((e) => e.node),
    pageInfo: {
      hasNextPage,
      hasPreviousPage,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
  };
}

/** A fixed list exposed as a connection (e.g. option values, an empty allSubscriptions). */
export function listConnection<T>(items: T[], args: PageArgs, idOf: (t: T, i: number) => string, unbounded = false): Connection<T> {
  const c = paginate(
    items.map((node, i) => ({ node, i })),
    args,
    { key: (x) => ({ id: idOf(x.node, x.i), value: x.i }), numeric: true, unbounded, fieldName: "" },
  );
  return {
    edges: c.edges.map((e) => ({ cursor: e.cursor, node: e.node.node })),
    nodes: c.nodes.map((n) => n.node),
    pageInfo: c.pageInfo,
  };
}
