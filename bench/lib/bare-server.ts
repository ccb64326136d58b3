import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";

/**
 * The baseline: the least a correct webhook endpoint can do. Reads the body, checks Shopify's HMAC, answers 200 or
 * 401. No framework, no storage. Run as its own process (like the app) so both pay the same process overhead.
 */
const secret = process.env.SHOPIFY_API_SECRET;
const port = Number(process.env.PORT);
if (!secret || !Number.isInteger(port) || port <= 0) {
  console.error("bare-server: PORT and SHOPIFY_API_SECRET are required");
  process.exit(2);
}

const server = createServer((req, res) => {
  if (req.method === "GET" && req.url === "/healthz") {
    res.writeHead(200, { "content-type": "text/plain" }).end("ok");
    return;
  }
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    const expected = createHmac("sha256", secret).update(Buffer.concat(chunks)).digest();
    const header = req.headers["x-shopify-hmac-sha256"];
    const given = Buffer.from(typeof header === "string" ? header : "", "base64");
    const valid = given.length === expected.length && timingSafeEqual(given, expected);
    res.writeHead(valid ? 200 : 401, { "content-length": "0" }).end();
  });
});

server.listen(port, "127.0.0.1");

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
