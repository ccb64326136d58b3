import { parseShopifyJson } from "~/webhooks/json";

import { BulkRunError, type BulkLine } from "./define.server";

/**
 * Streaming a bulk result: the body is read chunk by chunk and cut into lines; only the current chunk, the
 * unfinished last line and the batch being applied are ever in memory (tests/bulk/runner.test.ts measures a file
 * of 150,000 lines). Lines that could hold an integer beyond 2^53 are parsed with parseShopifyJson, so such an id
 * survives as a bigint.
 */

/** A line longer than this is not a Shopify object but a broken file; refusing it keeps memory bounded. */
export const MAX_LINE_CHARS = 16 * 1024 * 1024;

export interface RawLine {
  text: string;
  /** False only for a last line the file did not end with a newline (Shopify's files always do). */
  terminated: boolean;
}

/** The non-empty lines of a UTF-8 body, in order, without their line breaks. */
export async function* jsonlLines(body: AsyncIterable<Uint8Array>): AsyncGenerator<RawLine> {
  const decoder = new TextDecoder("utf-8");
  let rest = "";
  for await (const chunk of body) {
    const parts = (rest + decoder.decode(chunk, { stream: true })).split("\n");
    rest = parts.pop() ?? "";
    if (rest.length > MAX_LINE_CHARS) {
      throw new BulkRunError("BAD_RESULT", `The bulk result has a line longer than ${MAX_LINE_CHARS} characters; it is not valid JSONL.`);
    }
    for (const part of parts) {
      const text = part.endsWith("\r") ? part.slice(0, -1) : part;
      if (text.length > 0) yield { text, terminated: true };
    }
  }
  rest += decoder.decode();
  if (rest.endsWith("\r")) rest = rest.slice(0, -1);
  if (rest.length > 0) yield { text: rest, terminated: false };
}

/** Thrown for an unterminated last line that does not parse: the download was cut short, so try again. */
export class TruncatedResultError extends Error {
  constructor() {
    super("the bulk result ended in the middle of a line (download cut short)");
    this.name = "TruncatedResultError";
  }
}

/**
 * An integer of 16 digits or more may exceed 2^53; without one anywhere in the line (ids in GIDs included),
 * JSON.parse gives exactly what parseShopifyJson would, several times faster.
 */
const LONG_DIGITS = /\d{16}/;

export function parseLine(line: RawLine, index: number): BulkLine {
  let value: unknown;
  try {
    value = LONG_DIGITS.test(line.text) ? parseShopifyJson(line.text) : (JSON.parse(line.text) as unknown);
  } catch (error) {
    if (!line.terminated) throw new TruncatedResultError();
    throw new BulkRunError("BAD_RESULT", `Line ${index + 1} of the bulk result is not JSON.`, { cause: error });
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) {
    throw new BulkRunError("BAD_RESULT", `Line ${index + 1} of the bulk result is not a JSON object.`);
  }
  return value as BulkLine;
}

export interface BatchOptions {
  /** Lines already applied by an earlier execution: read past without parsing. */
  skip: number;
  batchSize: number;
  /** End batches only before a root line (no __parentId), so that each holds whole objects. */
  wholeObjects: boolean;
}

/**
 * Parsed batches of `batchSize` lines (with `wholeObjects`, a batch is closed at the first root line after it is
 * full). `start` is the index of the batch's first line in the file.
 */
export async function* jsonlBatches(lines: AsyncIterable<RawLine>, options: BatchOptions): AsyncGenerator<{ start: number; lines: BulkLine[] }> {
  let index = 0;
  let batch: BulkLine[] = [];
  let start = options.skip;
  for await (const line of lines) {
    const current = index++;
    if (current < options.skip) continue;
    const parsed = parseLine(line, current);
    const full = batch.length >= options.batchSize;
    if (full && (!options.wholeObjects || parsed.__parentId === undefined)) {
      yield { start, lines: batch };
      batch = [];
      start = current;
    }
    batch.push(parsed);
  }
  if (batch.length > 0) yield { start, lines: batch };
}
