/**
 * A stand-in for the merchant's platform: an HTTP server on 127.0.0.1 that records every event POSTed to it and
 * answers with the status the test chooses. `verifyStandardWebhook` checks a delivery the way a platform would,
 * written from the Standard Webhooks spec with node:crypto only, sharing no code with the app.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import http, { type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedEvent {
  headers: IncomingHttpHeaders;
  body: string;
  receivedAt: Date;
}

export interface Receiver {
  url: string;
  received: ReceivedEvent[];
  /** Resolves with the n-th request (1-based) once it has arrived; rejects after timeoutMs. */
  request(n: number, timeoutMs?: number): Promise<ReceivedEvent>;
  close(): Promise<void>;
}

/** `respond(n)` gives the status for the n-th request (1-based); "hang" never answers. Default 200. */
export async function startReceiver(
  respond: (n: number, request: ReceivedEvent) => number | "hang" = () => 200,
): Promise<Receiver> {
  const received: ReceivedEvent[] = [];
  const waiters: Array<{ n: number; resolve: (r: ReceivedEvent) => void }> = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const event = { headers: req.headers, body: Buffer.concat(chunks).toString("utf8"), receivedAt: new Date() };
      received.push(event);
      const status = respond(received.length, event);
      for (const waiter of waiters.filter((w) => w.n <= received.length)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(received[waiter.n - 1]);
      }
      if (status === "hang") return;
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ ok: status < 300 }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    request(n, timeoutMs = 10_000) {
      if (received.length >= n) return Promise.resolve(received[n - 1]);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`receiver: request ${n} did not arrive`)), timeoutMs);
        waiters.push({
          n,
          resolve: (r) => {
            clearTimeout(timer);
            resolve(r);
          },
        });
      });
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Standard Webhooks verification as the spec describes it, including the 5-minute timestamp tolerance. */
export function verifyStandardWebhook(
  secret: string,
  event: Pick<ReceivedEvent, "headers" | "body">,
  now: Date = new Date(),
): boolean {
  const id = event.headers["webhook-id"];
  const timestamp = event.headers["webhook-timestamp"];
  const signatures = event.headers["webhook-signature"];
  if (typeof id !== "string" || typeof timestamp !== "string" || typeof signatures !== "string") return false;
  if (Math.abs(now.getTime() / 1000 - Number(timestamp)) > 300) return false;
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const expected = createHmac("sha256", key).update(`${id}.${timestamp}.${event.body}`).digest();
  return signatures.split(" ").some((entry) => {
    const [version, signature] = entry.split(",");
    const given = Buffer.from(signature ?? "", "base64");
    return version === "v1" && given.length === expected.length && timingSafeEqual(given, expected);
  });
}
