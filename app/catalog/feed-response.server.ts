/**
 * GET /feeds/catalog/<token>.xml|.json (app/routes/feeds.catalog.$file.tsx): the platform's way in, with no session.
 *
 * - A token that opens no feed, a feed whose sync is off, a malformed file name: 404 with an empty body, the same
 *   for all, so the answer never says whether a shop exists.
 * - ETag = live generation + revision (every export flip and delta bumps one of them), Last-Modified = when the feed
 *   last changed; If-None-Match / If-Modified-Since answer 304 without reading the catalog.
 * - gzip (or br) when the client accepts it, streamed: the body is compressed page by page.
 */
import { pipeline, Readable } from "node:stream";
import { constants as zlibConstants, createBrotliCompress, createGzip } from "node:zlib";

import type { PrismaClient } from "~/db.server";

import { jsonFeed, xmlFeed } from "./feed.server";
import { catalogSwitchOn, findFeedByToken } from "./store.server";

const FILE = /^([A-Za-z0-9_-]{16,128})\.(xml|json)$/;

function notFound(): Response {
  return new Response(null, { status: 404, headers: { "Cache-Control": "no-store" } });
}

function pickEncoding(accept: string | null): "br" | "gzip" | null {
  const header = (accept ?? "").toLowerCase();
  const accepts = (name: string) => new RegExp(`(^|,)\\s*${name}\\s*(;\\s*q=(?!0(\\.0*)?\\s*(,|$))[0-9.]+)?\\s*(,|$)`).test(header);
  if (accepts("gzip")) return "gzip";
  if (accepts("br")) return "br";
  return null;
}

/** Bytes per chunk of the body: small enough to die young in V8's new space, large enough for few writes. */
export const CHUNK_BYTES = 64 * 1024;

/**
 * The feed's text pieces as UTF-8 chunks of CHUNK_BYTES (the last one shorter), each written into a buffer of its
 * own, since a chunk handed on may still be queued for the socket. A piece larger than a chunk (a product with
 * thousands of characters of text) gets a buffer of its size.
 */
export async function* byteChunks(pages: AsyncIterable<string[]>): AsyncGenerator<Buffer> {
  let chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  let used = 0;
  for await (const pieces of pages) {
    for (const piece of pieces) {
      const size = Buffer.byteLength(piece, "utf8");
      if (used + size > chunk.length) {
        if (used > 0) yield chunk.subarray(0, used);
        chunk = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, size));
        used = 0;
      }
      used += chunk.write(piece, used, "utf8");
    }
  }
  if (used > 0) yield chunk.subarray(0, used);
}

export async function catalogFeedResponse(db: PrismaClient, request: Request, file: string | undefined): Promise<Response> {
  const match = FILE.exec(file ?? "");
  if (!match) return notFound();
  const [, token, format] = match;
  const feed = await findFeedByToken(db, token);
  if (!feed || !(await catalogSwitchOn(db, feed.shop))) return notFound();
  if (feed.generation === 0) {
    // The token is right: the feed exists but its first export has not finished.
    return new Response("The catalog is being exported for the first time; try again in a few minutes.\n", {
      status: 503,
      headers: { "Retry-After": "60", "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" },
    });
  }
  const etag = `W/"${feed.generation}.${feed.revision}.${format}"`;
  const lastModified = (feed.changedAt ?? feed.updatedAt).toUTCString();
  const headers = new Headers({
    "Content-Type": format === "xml" ? "application/xml; charset=utf-8" : "application/json; charset=utf-8",
    ETag: etag,
    "Last-Modified": lastModified,
    "Cache-Control": "private, no-cache",
    Vary: "Accept-Encoding",
    "X-Content-Type-Options": "nosniff",
  });
  const ifNoneMatch = request.headers.get("If-None-Match");
  const ifModifiedSince = request.headers.get("If-Modified-Since");
  const notModified = ifNoneMatch
    ? ifNoneMatch.split(",").some((t) => t.trim() === etag || t.trim() === "*")
    : ifModifiedSince !== null && Date.parse(ifModifiedSince) >= Date.parse(lastModified);
  if (notModified) return new Response(null, { status: 304, headers });
  if (request.method === "HEAD") return new Response(null, { status: 200, headers });

  const chunks = format === "xml" ? xmlFeed(db, feed, feed.generation) : jsonFeed(db, feed, feed.generation);
  // One chunk ahead at most: the feed is read as fast as the client takes it, not faster.
  let body: Readable = Readable.from(byteChunks(chunks), { highWaterMark: 1 });
  const encoding = pickEncoding(request.headers.get("Accept-Encoding"));
  // pipeline, not pipe: a database error mid-stream destroys the compressor too, so the client sees a cut response.
  const done = () => {};
  if (encoding === "gzip") body = pipeline(body, createGzip({ level: 6 }), done);
  else if (encoding === "br") body = pipeline(body, createBrotliCompress({ params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 4 } }), done);
  if (encoding) headers.set("Content-Encoding", encoding);
  return new Response(Readable.toWeb(body, { strategy: { highWaterMark: 1 } }) as ReadableStream<Uint8Array>, { status: 200, headers });
}
