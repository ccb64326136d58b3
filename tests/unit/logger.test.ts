import { Writable } from "node:stream";

import { describe, expect, it } from "vitest";

import { createLogger, redactPii } from "~/logger.server";

describe("redactPii", () => {
  it("replaces customer PII at any depth and keeps the rest", () => {
    const payload = {
      id: 1,
      name: "#1001",
      email: "ada@example.com",
      customer: { id: 7, first_name: "Ada", phone: "+4930123", default_address: { city: "Berlin" } },
      line_items: [{ title: "Shirt", quantity: 1 }],
    };
    expect(redactPii(payload)).toEqual({
      id: 1,
      name: "#1001",
      email: "[redacted]",
      customer: { id: 7, first_name: "[redacted]", phone: "[redacted]", default_address: "[redacted]" },
      line_items: [{ title: "Shirt", quantity: 1 }],
    });
  });
});

describe("logger", () => {
  it("censors secrets and PII in log lines, nested too", () => {
    // GIVEN the app's logger configuration writing to a buffer
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const log = createLogger(sink, "info");
    // WHEN a line carries tokens, a secret and customer PII
    log.info(
      { accessToken: "shpat_secret", session: { accessToken: "shpat_2" }, email: "a@b.c", customer: { phone: "+4930999" } },
      "hello",
    );
    // THEN none of them reaches the output, and the line itself does
    const output = lines.join("");
    expect(output).toContain("hello");
    expect(output).not.toMatch(/shpat_|a@b\.c|4930999/);
  });
});
