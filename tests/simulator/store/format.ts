/** Formatting shared by the GraphQL resolvers and the REST-shaped webhook payloads. */

export const gid = (type: string, id: string): string => `gid://shopify/${type}/${id}`;

/** Parses gid://shopify/Type/123 (ignoring any ?query); null when malformed. */
export function parseGid(value: string): { type: string; id: string } | null {
  const m = /^gid:\/\/shopify\/([A-Za-z]+)\/(\d+)(\?.*)?$/.exec(value);
  return m ? { type: m[1], id: m[2] } : null;
}

export const money = (cents: number): string => (Math.round(cents) / 100).toFixed(2);

/** GraphQL DateTime: UTC, second precision, like the Admin API. */
export const gqlTime = (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");

const offsetCache = new Map<string, Intl.DateTimeFormat>();

/** REST timestamps carry the shop's UTC offset, e.g. 2026-03-01T10:00:00+01:00. */
export function restTime(ms: number, timeZone: string): string {
  let fmt = offsetCache.get(timeZone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat("en-US", { timeZone, timeZoneName: "longOffset" });
    offsetCache.set(timeZone, fmt);
  }
  const name = fmt.formatToParts(new Date(ms)).find((p) => p.type === "timeZoneName")?.value ?? "GMT";
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  const sign = m ? m[1] : "+";
  const hh = m ? Number(m[2]) : 0;
  const mm = m ? Number(m[3]) : 0;
  const offsetMin = (sign === "-" ? -1 : 1) * (hh * 60 + mm);
  const local = new Date(Math.floor(ms / 1000) * 1000 + offsetMin * 60_000).toISOString().slice(0, 19);
  return `${local}${m ? `${sign}${m[2]}:${m[3]}` : "+00:00"}`;
}

export const lowerState = (s: string | null): string | null => (s === null ? null : s.toLowerCase());
