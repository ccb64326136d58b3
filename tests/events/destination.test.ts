/** The SSRF guard on the merchant-supplied destination URL, in both policies, without the network. */
import { describe, expect, it } from "vitest";

import {
  RELAXED_POLICY,
  STRICT_POLICY,
  addressAllowed,
  checkDestinationUrl,
  guardedLookup,
  validateDestination,
} from "~/events/destination.server";

describe("destination URLs in production (strict)", () => {
  it.each([
    "https://platform.example.com/webhooks",
    "https://platform.example.com:8443/hooks?source=shopify",
    "https://93.184.216.34/hooks",
  ])("accepts %s", (url) => {
    expect(checkDestinationUrl(url, STRICT_POLICY)).toMatchObject({ ok: true });
  });

  it.each([
    ["http://platform.example.com/webhooks", /https/],
    ["http://localhost:3000/hooks", /https/],
    ["https://localhost/hooks", /private/],
    ["https://app.localhost/hooks", /private/],
    ["https://127.0.0.1/hooks", /private/],
    ["https://0x7f.1/hooks", /private/], // the URL parser normalises it to 127.0.0.1
    ["https://2130706433/hooks", /private/],
    ["https://10.0.0.5/hooks", /private/],
    ["https://172.20.1.1/hooks", /private/],
    ["https://192.168.1.10/hooks", /private/],
    ["https://169.254.169.254/latest/meta-data", /private/],
    ["https://100.64.0.1/hooks", /private/],
    ["https://0.0.0.0/hooks", /private/],
    ["https://[::1]/hooks", /private/],
    ["https://[::ffff:127.0.0.1]/hooks", /private/],
    ["https://[fd00::1]/hooks", /private/],
    ["https://[fe80::1]/hooks", /private/],
    ["ftp://platform.example.com/", /https/],
    ["javascript:alert(1)", /https/],
    ["platform.example.com/hooks", /full URL/],
    ["https://user:pass@platform.example.com/hooks", /user name/],
  ])("refuses %s", (url, reason) => {
    const check = checkDestinationUrl(url, STRICT_POLICY);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.reason).toMatch(reason);
  });

  it("refuses a host name that resolves to a private address, or does not resolve", async () => {
    const resolvesTo = (address: string) => async () => [{ address, family: address.includes(":") ? 6 : 4 }];
    await expect(validateDestination("https://evil.example/", STRICT_POLICY, resolvesTo("10.1.2.3"))).resolves.toMatchObject({ ok: false });
    await expect(validateDestination("https://evil.example/", STRICT_POLICY, resolvesTo("::1"))).resolves.toMatchObject({ ok: false });
    await expect(
      validateDestination("https://gone.example/", STRICT_POLICY, async () => {
        throw Object.assign(new Error("getaddrinfo ENOTFOUND"), { code: "ENOTFOUND" });
      }),
    ).resolves.toMatchObject({ ok: false, reason: expect.stringMatching(/could not find/) });
    await expect(validateDestination("https://ok.example/", STRICT_POLICY, resolvesTo("93.184.216.34"))).resolves.toMatchObject({ ok: true });
  });

  it("checks the resolved address again at connect time (DNS rebinding)", async () => {
    // GIVEN a resolver that now answers with a private address
    const fakeLookup = ((_host: string, _options: unknown, callback: (e: null, a: { address: string; family: number }[]) => void) =>
      callback(null, [{ address: "192.168.0.7", family: 4 }])) as unknown as typeof import("node:dns").lookup;
    const lookup = guardedLookup(STRICT_POLICY, fakeLookup);
    // WHEN the HTTP client asks for the address
    const error = await new Promise<NodeJS.ErrnoException | null>((resolve) => lookup("platform.example", {}, (e) => resolve(e)));
    // THEN the connection is refused
    expect(error?.code).toBe("EDESTINATIONBLOCKED");
  });

  it("connects to public addresses through the guarded lookup, in the shape Node asked for", async () => {
    const fakeLookup = ((_host: string, _options: unknown, callback: (e: null, a: { address: string; family: number }[]) => void) =>
      callback(null, [{ address: "93.184.216.34", family: 4 }])) as unknown as typeof import("node:dns").lookup;
    const lookup = guardedLookup(STRICT_POLICY, fakeLookup);
    const single = await new Promise((resolve) => lookup("x", {}, (_e, address, family) => resolve([address, family])));
    expect(single).toEqual(["93.184.216.34", 4]);
    const all = await new Promise((resolve) => lookup("x", { all: true }, (_e, addresses) => resolve(addresses)));
    expect(all).toEqual([{ address: "93.184.216.34", family: 4 }]);
  });

  it("matches IPv4-mapped IPv6 addresses as IPv4", () => {
    expect(addressAllowed("::ffff:10.0.0.1", STRICT_POLICY)).toBe(false);
    expect(addressAllowed("::ffff:93.184.216.34", STRICT_POLICY)).toBe(true);
    expect(addressAllowed("not an ip", STRICT_POLICY)).toBe(false);
  });
});

describe("destination URLs in development or with the simulator (relaxed)", () => {
  it.each(["http://127.0.0.1:4555/hooks", "http://localhost:3000/hooks", "http://[::1]:8080/", "https://10.0.0.5/hooks"])(
    "accepts %s",
    (url) => {
      expect(checkDestinationUrl(url, RELAXED_POLICY)).toMatchObject({ ok: true });
    },
  );

  it("still refuses plain http to anything but this machine", () => {
    expect(checkDestinationUrl("http://platform.example.com/hooks", RELAXED_POLICY)).toMatchObject({ ok: false });
    expect(checkDestinationUrl("http://10.0.0.5/hooks", RELAXED_POLICY)).toMatchObject({ ok: false });
  });

  it("drops the fragment, which no server ever receives", () => {
    const check = checkDestinationUrl("https://platform.example.com/hooks#section", RELAXED_POLICY);
    expect(check.ok && check.url.toString()).toBe("https://platform.example.com/hooks");
  });
});
