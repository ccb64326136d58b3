/**
 * A small TOML reader for the subset shopify.app.toml uses: [tables], [[arrays of tables]], dotted table names,
 * bare and quoted keys, basic and literal strings, integers, floats, booleans, (multi-line) arrays and inline
 * tables. Anything else is rejected with the line number, so a richer toml fails loudly instead of being misread.
 */
export type TomlValue = string | number | boolean | TomlValue[] | TomlTable;
export interface TomlTable {
  [key: string]: TomlValue;
}

export class TomlError extends Error {
  override name = "TomlError";
}

export function parseToml(text: string): TomlTable {
  const root: TomlTable = {};
  let current: TomlTable = root;
  const p = new Cursor(text);
  while (!p.eof()) {
    p.skipWsCommentsNewlines();
    if (p.eof()) break;
    if (p.peek() === "[") {
      const isArray = p.peek(1) === "[";
      p.pos += isArray ? 2 : 1;
      const path = p.readKeyPath();
      p.skipInlineWs();
      p.expect(isArray ? "]]" : "]");
      current = isArray ? appendArrayTable(root, path, p) : ensureTable(root, path, p);
      p.endOfLine();
      continue;
    }
    const path = p.readKeyPath();
    p.skipInlineWs();
    p.expect("=");
    p.skipInlineWs();
    const value = p.readValue();
    assign(current, path, value, p);
    p.endOfLine();
  }
  return root;
}

function ensureTable(root: TomlTable, path: string[], p: Cursor): TomlTable {
  let t = root;
  for (const key of path) {
    const existing = t[key];
    if (existing === undefined) t = t[key] = {};
    else if (Array.isArray(existing)) {
      const last = existing[existing.length - 1];
      if (!isTable(last)) p.fail(`key ${key} is not a table`);
      t = last as TomlTable;
    } else if (isTable(existing)) t = existing;
    else p.fail(`key ${key} is not a table`);
  }
  return t;
}

function appendArrayTable(root: TomlTable, path: string[], p: Cursor): TomlTable {
  const parent = ensureTable(root, path.slice(0, -1), p);
  const key = path[path.length - 1];
  const arr = (parent[key] ??= []);
  if (!Array.isArray(arr)) p.fail(`key ${key} is not an array of tables`);
  const t: TomlTable = {};
  (arr as TomlValue[]).push(t);
  return t;
}

function assign(table: TomlTable, path: string[], value: TomlValue, p: Cursor): void {
  const t = path.length > 1 ? ensureTable(table, path.slice(0, -1), p) : table;
  const key = path[path.length - 1];
  if (key in t) p.fail(`duplicate key ${path.join(".")}`);
  t[key] = value;
}

const isTable = (v: unknown): v is TomlTable => typeof v === "object" && v !== null && !Array.isArray(v);

class Cursor {
  pos = 0;
  constructor(private readonly s: string) {}
  eof(): boolean {
    return this.pos >= this.s.length;
  }
  peek(offset = 0): string {
    return this.s[this.pos + offset] ?? "";
  }
  line(): number {
    return this.s.slice(0, this.pos).split("\n").length;
  }
  fail(msg: string): never {
    throw new TomlError(`shopify.app.toml line ${this.line()}: ${msg}`);
  }
  expect(token: string): void {
    if (!this.s.startsWith(token, this.pos)) this.fail(`expected ${token}`);
    this.pos += token.length;
  }
  skipInlineWs(): void {
    while (this.peek() === " " || this.peek() === "\t") this.pos++;
  }
  skipComment(): void {
    if (this.peek() === "#") while (!this.eof() && this.peek() !== "\n") this.pos++;
  }
  skipWsCommentsNewlines(): void {
    for (;;) {
      const c = this.peek();
      if (c === " " || c === "\t" || c === "\r" || c === "\n") this.pos++;
      else if (c === "#") this.skipComment();
      else return;
    }
  }
  endOfLine(): void {
    this.skipInlineWs();
    this.skipComment();
    if (this.peek() === "\r") this.pos++;
    if (!this.eof() && this.peek() !== "\n") this.fail(`unexpected ${JSON.stringify(this.peek())}`);
  }
  readKey(): string {
    this.skipInlineWs();
    const c = this.peek();
    if (c === '"' || c === "'") return this.readString();
    const m = /^[A-Za-z0-9_-]+/.exec(this.s.slice(this.pos));
    if (!m) this.fail("expected a key");
    this.pos += m[0].length;
    return m[0];
  }
  readKeyPath(): string[] {
    const path = [this.readKey()];
    for (;;) {
      this.skipInlineWs();
      if (this.peek() !== ".") return path;
      this.pos++;
      path.push(this.readKey());
    }
  }
  readString(): string {
    const q = this.peek();
    if (this.s.startsWith(q.repeat(3), this.pos)) this.fail("multi-line strings are not supported");
    this.pos++;
    let out = "";
    for (;;) {
      if (this.eof() || this.peek() === "\n") this.fail("unterminated string");
      const c = this.s[this.pos++];
      if (c === q) return out;
      if (c === "\\" && q === '"') {
        const e = this.s[this.pos++];
        const map: Record<string, string> = { n: "\n", t: "\t", r: "\r", '"': '"', "\\": "\\", b: "\b", f: "\f" };
        if (e in map) out += map[e];
        else if (e === "u" || e === "U") {
          const len = e === "u" ? 4 : 8;
          out += String.fromCodePoint(parseInt(this.s.slice(this.pos, this.pos + len), 16));
          this.pos += len;
        } else this.fail(`bad escape \\${e}`);
      } else out += c;
    }
  }
  readValue(): TomlValue {
    const c = this.peek();
    if (c === '"' || c === "'") return this.readString();
    if (c === "[") {
      this.pos++;
      const arr: TomlValue[] = [];
      for (;;) {
        this.skipWsCommentsNewlines();
        if (this.peek() === "]") {
          this.pos++;
          return arr;
        }
        arr.push(this.readValue());
        this.skipWsCommentsNewlines();
        if (this.peek() === ",") this.pos++;
        else if (this.peek() !== "]") this.fail("expected , or ] in array");
      }
    }
    if (c === "{") {
      this.pos++;
      const t: TomlTable = {};
      this.skipInlineWs();
      if (this.peek() === "}") {
        this.pos++;
        return t;
      }
      for (;;) {
        const path = this.readKeyPath();
        this.skipInlineWs();
        this.expect("=");
        this.skipInlineWs();
        assign(t, path, this.readValue(), this);
        this.skipInlineWs();
        if (this.peek() === ",") {
          this.pos++;
          continue;
        }
        this.expect("}");
        return t;
      }
    }
    const m = /^(true|false|[+-]?\d[\d_]*(\.\d+)?([eE][+-]?\d+)?)/.exec(this.s.slice(this.pos));
    if (!m) this.fail("unsupported value");
    this.pos += m[0].length;
    if (m[0] === "true") return true;
    if (m[0] === "false") return false;
    return Number(m[0].replace(/_/g, ""));
  }
}
