/**
 * JSON for webhook bodies. Shopify writes numeric ids as bare JSON numbers, and some exceed 2^53, so a JS number
 * cannot carry them. Ids are kept as digit strings and wrapped in RawNumber where the wire format wants a number.
 */
export class RawNumber {
  constructor(readonly digits: string) {
    if (!/^-?\d+(\.\d+)?$/.test(digits)) throw new Error(`RawNumber needs digits, got ${JSON.stringify(digits)}`);
  }
  toJSON(): string {
    // Reached only when someone uses JSON.stringify by mistake: fail loudly rather than quote the id silently.
    throw new Error("RawNumber must be serialized with toJsonText(), not JSON.stringify()");
  }
}

export const raw = (digits: string | bigint | number): RawNumber => new RawNumber(String(digits));

export type JsonValue =
  | null
  | boolean
  | number
  | string
  | RawNumber
  | JsonValue[]
  | { [key: string]: JsonValue | undefined };

export function toJsonText(value: JsonValue | undefined, indent = 0): string {
  return write(value, indent, "");
}

function write(value: JsonValue | undefined, indent: number, pad: string): string {
  if (value === null || value === undefined) return "null";
  if (value instanceof RawNumber) return value.digits;
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`cannot serialize ${value}`);
    return String(value);
  }
  if (typeof value === "boolean") return value ? "true" : "false";
  const inner = indent ? pad + " ".repeat(indent) : "";
  const nl = indent ? "\n" : "";
  const colon = indent ? ": " : ":";
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    return `[${nl}${value.map((v) => inner + write(v, indent, inner)).join("," + nl)}${nl}${pad}]`;
  }
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return "{}";
  return `{${nl}${entries
    .map(([k, v]) => `${inner}${JSON.stringify(k)}${colon}${write(v, indent, inner)}`)
    .join("," + nl)}${nl}${pad}}`;
}

/** Deep copy of a JSON value keeping RawNumber instances (used before applying includeFields). */
export function cloneJson<T extends JsonValue>(value: T): T {
  if (value === null || typeof value !== "object" || value instanceof RawNumber) return value;
  if (Array.isArray(value)) return value.map((v) => cloneJson(v)) as T;
  const out: Record<string, JsonValue | undefined> = {};
  for (const [k, v] of Object.entries(value)) out[k] = v === undefined ? undefined : cloneJson(v);
  return out as T;
}
