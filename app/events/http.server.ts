import http from "node:http";
import https from "node:https";

import { guardedLookup, type DestinationPolicy } from "./destination.server";

export const DELIVERY_TIMEOUT_MS = 10_000;
const USER_AGENT = "Syncline-Webhooks/1.0 (+https://www.standardwebhooks.com)";

export type PostResult =
  | { kind: "response"; status: number; retryAfterMs?: number }
  | { kind: "error"; error: string; blocked?: boolean };

/**
 * One POST of an event. node:http rather than fetch, for three reasons: the request uses our `lookup`, so the
 * address checked is the address connected to; redirects are never followed (Standard Webhooks counts a 3xx as a
 * failure, and following one would let a public URL bounce us into a private network); and `agent: false` keeps
 * no idle sockets to the merchant's server between attempts that are minutes apart.
 *
 * Resolves once the response headers arrive (the status is all we use); the body is discarded. Never rejects.
 */
export function postEvent(
  url: URL,
  body: string,
  headers: Record<string, string>,
  options: { policy: DestinationPolicy; timeoutMs?: number; signal?: AbortSignal },
): Promise<PostResult> {
  const timeoutMs = options.timeoutMs ?? DELIVERY_TIMEOUT_MS;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const client = url.protocol === "https:" ? https : http;
  return new Promise<PostResult>((resolve) => {
    let settled = false;
    const settle = (result: PostResult) => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    const request = client.request(url, {
      method: "POST",
      agent: false,
      signal,
      lookup: guardedLookup(options.policy),
      headers: {
        ...headers,
        "content-type": "application/json",
        "content-length": String(Buffer.byteLength(body)),
        "user-agent": USER_AGENT,
      },
    });
    request.on("response", (response) => {
      const status = response.statusCode ?? 0;
      settle({ kind: "response", status, retryAfterMs: parseRetryAfter(response.headers["retry-after"]) });
      response.resume();
      response.on("error", () => {});
      // A receiver that keeps streaming must not hold the socket: we already have what we need.
      response.setTimeout(1_000, () => response.destroy());
    });
    request.on("error", (error: NodeJS.ErrnoException) => {
      if (timeout.aborted) return settle({ kind: "error", error: `no answer within ${timeoutMs / 1000} s` });
      if (signal.aborted) return settle({ kind: "error", error: "aborted: the job lost its lease" });
      if (error.code === "EDESTINATIONBLOCKED") return settle({ kind: "error", error: error.message, blocked: true });
      settle({ kind: "error", error: describeNetworkError(error) });
    });
    request.end(body);
  });
}

function describeNetworkError(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case "ECONNREFUSED":
      return "connection refused";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "host not found";
    case "ECONNRESET":
      return "connection reset";
    case "CERT_HAS_EXPIRED":
    case "DEPTH_ZERO_SELF_SIGNED_CERT":
    case "SELF_SIGNED_CERT_IN_CHAIN":
    case "UNABLE_TO_VERIFY_LEAF_SIGNATURE":
    case "ERR_TLS_CERT_ALTNAME_INVALID":
      return `TLS certificate rejected (${error.code})`;
    default:
      return error.code ? `${error.code}: ${error.message}` : error.message;
  }
}

/** `Retry-After` as seconds or an HTTP date, in ms from now; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) return undefined;
  if (/^\d+$/.test(text.trim())) return Number(text.trim()) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
