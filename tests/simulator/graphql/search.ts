/**
 * Shopify's search syntax for `query:` arguments and webhook `filter`s: `field:value`, comparators
 * (`created_at:>=2026-01-01`), prefix `value*`, quoted values, `-field:x` / `NOT`, `AND` (implicit) and `OR`,
 * parentheses, and bare words matched against default fields. Unknown fields are ignored with a warning, as
 * Shopify does (it reports them in `extensions.search`).
 */

export type SearchValue = string | number | boolean | null | undefined | bigint | (string | number)[];

export type FieldKind = "string" | "number" | "date" | "boolean" | "id" | "list" | "text" | "auto";

export interface SearchField<T> {
  kind: FieldKind;
  get: (item: T) => SearchValue;
  /** `tag_not:x` style fields: true when the value does NOT match. */
  negate?: boolean;
}

export interface SearchSpec<T> {
  fields: Record<string, SearchField<T>>;
  /** Fields a bare word is matched against (substring, case-insensitive). */
  defaults: (item: T) => (string | null | undefined)[];
  /** Resolves fields not listed in `fields` (webhook filters address any payload path). */
  lookup?: (field: string) => SearchField<T> | undefined;
}

type Node =
  | { t: "and" | "or"; items: Node[] }
  | { t: "not"; item: Node }
  | { t: "term"; field: string | null; op: Op; value: string; prefix: boolean; exists?: boolean };

type Op = "=" | "<" | "<=" | ">" | ">=";

export interface SearchWarning {
  field: string;
  message: string;
}

export interface CompiledSearch<T> {
  test: (item: T) => boolean;
  warnings: SearchWarning[];
}

export function compileSearch<T>(query: string | null | undefined, spec: SearchSpec<T>): CompiledSearch<T> {
  const warnings: SearchWarning[] = [];
  if (!query || !query.trim()) return { test: () => true, warnings };
  const ast = parse(tokenize(query));
  const check = (n: Node): void => {
    if (n.t === "term") {
      if (n.field !== null && !(n.field in spec.fields) && !spec.lookup?.(n.field)) warnings.push({ field: n.field, message: "Invalid search field for this query." });
    } else if (n.t === "not") check(n.item);
    else n.items.forEach(check);
  };
  check(ast);
  return { test: (item) => evaluate(ast, item, spec), warnings };
}

type Tok = { k: "word"; v: string; quoted: boolean } | { k: "(" | ")" | "-" };

function tokenize(q: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < q.length) {
    const c = q[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "(" || c === ")") {
      out.push({ k: c });
      i++;
      continue;
    }
    if (c === "-" && (out.length === 0 || /\s|\(/.test(q[i - 1] ?? " "))) {
      out.push({ k: "-" });
      i++;
      continue;
    }
    // A word, possibly field:"quoted value" or field:'quoted'.
    let word = "";
    let quoted = false;
    while (i < q.length && !/\s/.test(q[i]) && q[i] !== ")" && !(q[i] === "(" && word === "")) {
      if (q[i] === '"' || q[i] === "'") {
        const quote = q[i++];
        while (i < q.length && q[i] !== quote) {
          if (q[i] === "\\" && i + 1 < q.length) i++;
          word += q[i++];
        }
        i++;
        quoted = true;
      } else word += q[i++];
    }
    if (word) out.push({ k: "word", v: word, quoted });
  }
  return out;
}

function parse(tokens: Tok[]): Node {
  let pos = 0;
  const peekWord = (v: string) => {
    const t = tokens[pos];
    return t && t.k === "word" && !t.quoted && t.v === v;
  };
  function orExpr(): Node {
    const items = [andExpr()];
    while (peekWord("OR")) {
      pos++;
      items.push(andExpr());
    }
    return items.length === 1 ? items[0] : { t: "or", items };
  }
  function andExpr(): Node {
    const items: Node[] = [];
    while (pos < tokens.length) {
      const t = tokens[pos];
      if (t.k === ")" || peekWord("OR")) break;
      if (peekWord("AND")) {
        pos++;
        continue;
      }
      items.push(unary());
    }
    return items.length === 1 ? items[0] : { t: "and", items };
  }
  function unary(): Node {
    const t = tokens[pos];
    if (t.k === "-" || (t.k === "word" && !t.quoted && t.v === "NOT")) {
      pos++;
      return { t: "not", item: unary() };
    }
    if (t.k === "(") {
      pos++;
      const inner = orExpr();
      if (tokens[pos]?.k === ")") pos++;
      return inner;
    }
    pos++;
    return term(t as Extract<Tok, { k: "word" }>);
  }
  return tokens.length ? orExpr() : { t: "and", items: [] };
}

function term(tok: { v: string; quoted: boolean }): Node {
  const m = /^([A-Za-z_][A-Za-z0-9_.]*):(.*)$/s.exec(tok.v);
  if (!m) return { t: "term", field: null, op: "=", value: tok.v, prefix: false };
  let rest = m[2];
  let op: Op = "=";
  const opMatch = /^(<=|>=|<|>)/.exec(rest);
  if (opMatch) {
    op = opMatch[1] as Op;
    rest = rest.slice(opMatch[1].length);
  }
  if (rest === "*") return { t: "term", field: m[1], op, value: "", prefix: false, exists: true };
  const prefix = rest.endsWith("*");
  return { t: "term", field: m[1], op, value: prefix ? rest.slice(0, -1) : rest, prefix };
}

function evaluate<T>(n: Node, item: T, spec: SearchSpec<T>): boolean {
  switch (n.t) {
    case "and":
      return n.items.every((x) => evaluate(x, item, spec));
    case "or":
      return n.items.some((x) => evaluate(x, item, spec));
    case "not":
      return !evaluate(n.item, item, spec);
    case "term": {
      if (n.field === null) {
        const needle = n.value.toLowerCase();
        return spec.defaults(item).some((v) => !!v && v.toLowerCase().includes(needle));
      }
      const f = spec.fields[n.field] ?? spec.lookup?.(n.field);
      if (!f) return true; // ignored, reported as a warning
      const v = f.get(item);
      const hit = n.exists ? v !== null && v !== undefined && v !== "" : matches(f.kind, v, n.op, n.value, n.prefix);
      return f.negate ? !hit : hit;
    }
  }
}

function matches(kind: FieldKind, v: SearchValue, op: Op, raw: string, prefix: boolean): boolean {
  if (Array.isArray(v)) return v.some((x) => matches(kind === "list" ? "string" : kind, x, op, raw, prefix));
  if (v === null || v === undefined) return false;
  if (kind === "auto") {
    // Payload values: numbers compare as numbers, timestamps as dates, the rest as case-insensitive strings.
    if (typeof v === "number" || (typeof v === "string" && /^-?\d+(\.\d+)?$/.test(v) && /^-?\d+(\.\d+)?$/.test(raw))) kind = "number";
    else if (typeof v === "boolean") kind = "boolean";
    else if (typeof v === "string" && /^\d{4}-\d{2}-\d{2}T/.test(v) && op !== "=") return matches("date", Date.parse(v), op, raw, prefix);
    else kind = "string";
  }
  switch (kind) {
    case "number": {
      const a = Number(v);
      const b = Number(raw);
      if (Number.isNaN(b)) return false;
      return cmp(a, b, op);
    }
    case "id": {
      let a: bigint, b: bigint;
      try {
        a = BigInt(String(v));
        b = BigInt(raw.replace(/^gid:\/\/shopify\/\w+\//, ""));
      } catch {
        return false;
      }
      return cmp(a, b, op);
    }
    case "date": {
      const a = Number(v);
      const range = parseDate(raw);
      if (!range) return false;
      switch (op) {
        case "=":
          return a >= range.start && a < range.end;
        case "<":
          return a < range.start;
        case "<=":
          return a < range.end;
        case ">":
          return a >= range.end;
        case ">=":
          return a >= range.start;
      }
      return false;
    }
    case "boolean":
      return String(v) === raw.toLowerCase();
    case "text":
      return String(v).toLowerCase().includes(raw.toLowerCase());
    default: {
      const a = String(v).toLowerCase();
      const b = raw.toLowerCase();
      if (op !== "=") return cmp(a, b, op);
      // status:active,draft means either value.
      return b.split(",").some((x) => (prefix ? a.startsWith(x) : a === x));
    }
  }
}

function cmp<N extends number | bigint | string>(a: N, b: N, op: Op): boolean {
  switch (op) {
    case "=":
      return a === b;
    case "<":
      return a < b;
    case "<=":
      return a <= b;
    case ">":
      return a > b;
    case ">=":
      return a >= b;
  }
}

/** A date value covers a range: a bare day is the whole UTC day; a timestamp is that instant. */
function parseDate(raw: string): { start: number; end: number } | null {
  const s = raw.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) {
    const start = Date.parse(`${s}T00:00:00Z`);
    return Number.isNaN(start) ? null : { start, end: start + 86_400_000 };
  }
  const rel = /^now(?:-(\d+)([dhm]))?$/i.exec(s);
  if (rel) {
    const unit = { d: 86_400_000, h: 3_600_000, m: 60_000 }[(rel[2] ?? "d").toLowerCase() as "d" | "h" | "m"];
    const t = Date.now() - (rel[1] ? Number(rel[1]) * unit : 0);
    return { start: t, end: t + 1 };
  }
  const t = Date.parse(s);
  return Number.isNaN(t) ? null : { start: t, end: t + 1 };
}
