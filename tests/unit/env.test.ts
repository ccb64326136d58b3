import { describe, expect, it } from "vitest";

import { EnvironmentError, parseEnv } from "~/env.server";

describe("parseEnv", () => {
  it("names every missing variable at once", () => {
    // GIVEN an environment with none of the required variables
    // WHEN it is validated
    let error: unknown;
    try {
      parseEnv({});
    } catch (e) {
      error = e;
    }
    // THEN one error lists each of them by name
    expect(error).toBeInstanceOf(EnvironmentError);
    const message = (error as Error).message;
    for (const name of ["SHOPIFY_API_KEY", "SHOPIFY_API_SECRET", "SHOPIFY_APP_URL"]) {
      expect(message).toContain(`${name} is missing`);
    }
  });

  it("says which variable is malformed", () => {
    expect(() =>
      parseEnv({ SHOPIFY_API_KEY: "k", SHOPIFY_API_SECRET: "s", SHOPIFY_APP_URL: "not a url" }),
    ).toThrow(/SHOPIFY_APP_URL is invalid/);
  });

  it("accepts a complete environment and applies defaults", () => {
    const env = parseEnv({ SHOPIFY_API_KEY: "k", SHOPIFY_API_SECRET: "s", SHOPIFY_APP_URL: "https://app.example" });
    expect(env.RUN_WORKER_IN_PROCESS).toBe(true);
    expect(env.SHOPIFY_ADMIN_ORIGIN).toBeUndefined();
  });
});
