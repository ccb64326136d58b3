import dns from "node:dns";
import { BlockList, isIP, type LookupFunction } from "node:net";

import { env } from "~/env.server";

/**
 * Which destination URLs the app will POST events to (server-side request forgery guard). The merchant types the
 * URL, so without a guard anyone with access to a shop's admin could make our servers call into our own network
 * (cloud metadata endpoints, databases, the app itself).
 *
 * Strict (production): https only, and the host must not be, or resolve to, a loopback, private, link-local,
 * shared, multicast or reserved address. The resolved address is checked again at connect time by the lookup
 * the HTTP request uses (`guardedLookup`), so a DNS answer that changes after the URL was saved (DNS rebinding)
 * is caught on the connection that would actually be made.
 * Relaxed (NODE_ENV !== "production", or the Shopify simulator in use): additionally http:// to a loopback host,
 * so a developer or a test can receive events on 127.0.0.1.
 */
export interface DestinationPolicy {
  /** http:// to localhost / 127.0.0.0/8 / ::1 is accepted. */
  allowLocalHttp: boolean;
  /** Private and loopback addresses are accepted (https or the local http above). */
  allowPrivateNetworks: boolean;
}

export const STRICT_POLICY: DestinationPolicy = { allowLocalHttp: false, allowPrivateNetworks: false };
export const RELAXED_POLICY: DestinationPolicy = { allowLocalHttp: true, allowPrivateNetworks: true };

export function destinationPolicy(): DestinationPolicy {
  const config = env();
  return config.NODE_ENV !== "production" || config.SHOPIFY_ADMIN_ORIGIN ? RELAXED_POLICY : STRICT_POLICY;
}

const blocked = new BlockList();
for (const [network, prefix] of [
  ["0.0.0.0", 8], // "this network"
  ["10.0.0.0", 8],
  ["100.64.0.0", 10], // carrier-grade NAT
  ["127.0.0.0", 8],
  ["169.254.0.0", 16], // link-local, cloud metadata (169.254.169.254)
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, broadcast
] as const) {
  blocked.addSubnet(network, prefix, "ipv4");
}
for (const [network, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["64:ff9b::", 96], // NAT64: reaches IPv4 addresses, private ones included
  ["100::", 64], // discard
  ["2001:db8::", 32], // documentation
  ["fc00::", 7], // unique local
  ["fe80::", 10], // link-local
  ["ff00::", 8], // multicast
] as const) {
  blocked.addSubnet(network, prefix, "ipv6");
}

const loopback = new BlockList();
loopback.addSubnet("127.0.0.0", 8, "ipv4");
loopback.addAddress("::1", "ipv6");

/** Whether connecting to this IP address is allowed. (IPv4-mapped IPv6 addresses are matched as IPv4.) */
export function addressAllowed(address: string, policy: DestinationPolicy): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  if (policy.allowPrivateNetworks) return true;
  return !blocked.check(address, family === 6 ? "ipv6" : "ipv4");
}

function bareHost(url: URL): string {
  return url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
}

function isLoopbackHost(host: string): boolean {
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  const family = isIP(host);
  return family !== 0 && loopback.check(host, family === 6 ? "ipv6" : "ipv4");
}

export type DestinationCheck = { ok: true; url: URL } | { ok: false; reason: string };

const MAX_URL_LENGTH = 2048;

/**
 * Checks what can be checked without the network. The reasons are shown to the merchant under the URL field.
 * The URL's own normalisation (WHATWG) has already turned "0x7f.1" and "2130706433" into "127.0.0.1" here.
 */
export function checkDestinationUrl(raw: string, policy: DestinationPolicy): DestinationCheck {
  const text = raw.trim();
  if (text.length > MAX_URL_LENGTH) return { ok: false, reason: `Use a URL of at most ${MAX_URL_LENGTH} characters.` };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, reason: "Enter a full URL, starting with https://" };
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return { ok: false, reason: "Enter a URL starting with https://" };
  }
  if (url.username || url.password) {
    return { ok: false, reason: "Remove the user name and password from the URL; events are signed instead." };
  }
  const host = bareHost(url);
  if (url.protocol === "http:" && !(policy.allowLocalHttp && isLoopbackHost(host))) {
    return { ok: false, reason: "Use an https:// URL: events carry customer data and must be encrypted in transit." };
  }
  if (!policy.allowPrivateNetworks) {
    if (isLoopbackHost(host) || (isIP(host) !== 0 && !addressAllowed(host, policy))) {
      return { ok: false, reason: "This address is on a private network. Use your platform's public URL." };
    }
  }
  url.hash = "";
  return { ok: true, url };
}

type LookupAll = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

const systemLookupAll: LookupAll = (hostname) => dns.promises.lookup(hostname, { all: true, verbatim: true });

/**
 * The check at save time: the URL, then (strict policy only) where its host resolves now. A host that does not
 * resolve is refused too, so a typo is caught while the merchant is still on the page.
 */
export async function validateDestination(
  raw: string,
  policy: DestinationPolicy,
  lookupAll: LookupAll = systemLookupAll,
): Promise<DestinationCheck> {
  const check = checkDestinationUrl(raw, policy);
  if (!check.ok || policy.allowPrivateNetworks) return check;
  const host = bareHost(check.url);
  if (isIP(host) !== 0) return check;
  let addresses: Array<{ address: string }>;
  try {
    addresses = await lookupAll(host);
  } catch {
    return { ok: false, reason: `We could not find ${host}. Check the spelling of the host name.` };
  }
  if (addresses.length === 0 || addresses.some((a) => !addressAllowed(a.address, policy))) {
    return { ok: false, reason: `${host} points to a private network address. Use your platform's public URL.` };
  }
  return check;
}

export class DestinationBlockedError extends Error {
  readonly code = "EDESTINATIONBLOCKED";
  constructor(hostname: string) {
    super(`${hostname} resolves to a private or reserved address`);
    this.name = "DestinationBlockedError";
  }
}

/**
 * A `lookup` for http(s).request that refuses to connect when any resolved address is not allowed. Node calls it
 * with `all: true` when it races IPv4 and IPv6 (autoSelectFamily), otherwise for a single address.
 */
export function guardedLookup(policy: DestinationPolicy, lookup: typeof dns.lookup = dns.lookup): LookupFunction {
  return (hostname, options, callback) => {
    lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, "", 0);
      const list = addresses as dns.LookupAddress[];
      if (list.length === 0 || list.some((a) => !addressAllowed(a.address, policy))) {
        return callback(Object.assign(new DestinationBlockedError(hostname), { errno: 0, syscall: "lookup" }), "", 0);
      }
      if (options.all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list);
      callback(null, list[0].address, list[0].family);
    });
  };
}
