/**
 * Primary keys for rows the app writes in volume (catalog rows, webhook deliveries, jobs, activity entries):
 * UUID version 7 (RFC 9562), a 48-bit Unix millisecond timestamp, then a 12-bit counter, then 62 random bits.
 *
 * A random UUID (v4) puts every insert at a random place of the primary-key index, so a 100,000-row catalog export
 * touches pages all over it; ids that ascend append to its right edge instead. Measured on SQLite (100,000 upserts
 * into CatalogVariant): 2.6 s with v4 ids against 1.1 s with ascending ones (bench/README.md). They are still UUIDs:
 * the same 36-character text in the same columns, unique across processes through their random bits.
 *
 * Within one process ids strictly ascend (RFC 9562 §6.2 method 1): the counter orders ids of the same millisecond;
 * when it runs out, or the clock steps back, the timestamp is carried forward from the last id.
 */
import { randomFillSync } from "node:crypto";

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** Random bytes drawn 4 KiB at a time: one system call per 512 ids instead of one per id. */
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

function random8(): Buffer {
  if (poolOffset + 8 > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const out = pool.subarray(poolOffset, poolOffset + 8);
  poolOffset += 8;
  return out;
}

let lastMs = -1;
let counter = 0;

export function uuidv7(now: number = Date.now()): string {
  if (now > lastMs) {
    lastMs = now;
    counter = 0;
  } else if (++counter > 0xfff) {
    lastMs++;
    counter = 0;
  }
  const ms = lastMs;
  const r = random8();
  const b = new Uint8Array(16);
  // 48-bit timestamp, big-endian (division keeps it exact above 2^32).
  const high = Math.floor(ms / 2 ** 16);
  b[0] = (high >>> 24) & 0xff;
  b[1] = (high >>> 16) & 0xff;
  b[2] = (high >>> 8) & 0xff;
  b[3] = high & 0xff;
  b[4] = (ms >>> 8) & 0xff;
  b[5] = ms & 0xff;
  b[6] = 0x70 | (counter >>> 8); // version 7, counter's high 4 bits
  b[7] = counter & 0xff;
  b[8] = 0x80 | (r[0] & 0x3f); // variant 10
  for (let i = 1; i < 8; i++) b[8 + i] = r[i];
  let s = "";
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) s += "-";
    s += HEX[b[i]];
  }
  return s;
}
