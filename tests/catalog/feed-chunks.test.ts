import { describe, expect, it } from "vitest";

import { byteChunks, CHUNK_BYTES } from "~/catalog/feed-response.server";

async function* pagesOf(pages: string[][]): AsyncGenerator<string[]> {
  for (const page of pages) yield page;
}

async function collect(pages: string[][]): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const chunk of byteChunks(pagesOf(pages))) out.push(chunk);
  return out;
}

describe("byteChunks: the feed's text pieces packed into byte chunks", () => {
  it("GIVEN pieces with multi-byte characters across many pages THEN the bytes are the UTF-8 of the text, in chunks of at most CHUNK_BYTES, none splitting a piece", async () => {
    // 3-byte (Hebrew, CJK) and 4-byte (emoji) characters, so piece boundaries fall at odd byte offsets.
    const piece = (n: number) => `<offer id="${n}"><name>שלום 😀 & 日本 ${"x".repeat(n % 97)}</name></offer>`;
    const pages = Array.from({ length: 40 }, (_, p) => Array.from({ length: 50 }, (_, i) => piece(p * 50 + i)));
    const chunks = await collect(pages);
    const text = pages.flat().join("");
    expect(Buffer.concat(chunks).toString("utf8")).toBe(text);
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) {
      expect(chunk.length).toBeGreaterThan(0);
      expect(chunk.length).toBeLessThanOrEqual(CHUNK_BYTES);
      // Each chunk ends where a piece ends, so each decodes on its own.
      expect(chunk.toString("utf8").endsWith("</offer>")).toBe(true);
    }
  });

  it("GIVEN a piece larger than a chunk THEN it goes out whole in a chunk of its own size", async () => {
    const big = `<offer>${"é".repeat(CHUNK_BYTES)}</offer>`;
    const chunks = await collect([["<a/>"], [big, "<b/>"]]);
    expect(chunks.map((c) => c.toString("utf8"))).toEqual(["<a/>", big, "<b/>"]);
  });

  it("GIVEN no text at all (empty pages) THEN no chunk, not an empty one", async () => {
    expect(await collect([[], [""], []])).toEqual([]);
  });
});
