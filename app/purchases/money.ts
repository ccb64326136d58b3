/**
 * Money as Shopify sends it: decimal strings ("12.50"). Sums and comparisons happen in scaled bigints so that no
 * amount goes through binary floating point.
 */
const SCALE = 6;

export function toMinor(amount: string): bigint {
  const match = /^(-)?(\d*)(?:\.(\d*))?$/.exec(amount.trim());
  if (!match || (match[2] === "" && (match[3] ?? "") === "")) throw new Error(`Not a decimal amount: ${amount}`);
  const fraction = (match[3] ?? "").slice(0, SCALE).padEnd(SCALE, "0");
  const value = BigInt(match[2] || "0") * 10n ** BigInt(SCALE) + BigInt(fraction || "0");
  return match[1] ? -value : value;
}

export function fromMinor(value: bigint): string {
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const unit = 10n ** BigInt(SCALE);
  const fraction = (abs % unit).toString().padStart(SCALE, "0").replace(/0+$/, "").padEnd(2, "0");
  return `${negative ? "-" : ""}${abs / unit}.${fraction}`;
}

export function sumAmounts(amounts: string[]): string {
  return fromMinor(amounts.reduce((total, amount) => total + toMinor(amount), 0n));
}
