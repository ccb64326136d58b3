import { randomBytes } from "node:crypto";

// Crockford's base32: no I, L, O, U, so ids read back unambiguously; its alphabet sorts in ASCII order.
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/**
 * `msg_` + a ULID: 48 bits of milliseconds then 80 random bits, 26 base32 characters. Ids sort by creation time
 * (as text, in both databases), which keeps the activity log and the platform's own logs in order, and contain no
 * "." (Standard Webhooks signs "<id>.<timestamp>.<body>", so a dot in the id would make the split ambiguous).
 */
export function newEventId(now: Date = new Date()): string {
  let time = now.getTime();
  if (!Number.isSafeInteger(time) || time < 0 || time >= 2 ** 48) throw new RangeError("time out of ULID range");
  let timePart = "";
  for (let i = 0; i < 10; i += 1) {
    timePart = ALPHABET[time % 32] + timePart;
    time = Math.floor(time / 32);
  }
  const random = randomBytes(10);
  let bits = 0;
  let value = 0;
  let randomPart = "";
  for (const byte of random) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      randomPart += ALPHABET[(value >> bits) & 31];
    }
    value &= (1 << bits) - 1;
  }
  return `msg_${timePart}${randomPart}`;
}
