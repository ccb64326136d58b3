import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_SQLITE_URL,
  pgConnectionFields,
  pgUrlWithDatabase,
  providerFromUrl,
  redactUrl,
  resolveDatabaseUrl,
  sqliteFilePath,
} from "../../prisma/support/database-url";

describe("DATABASE_URL parsing shared by the app, the CLI and the tests", () => {
  it("GIVEN no DATABASE_URL WHEN resolved THEN the SQLite default under data/ is used", () => {
    expect(resolveDatabaseUrl(undefined)).toBe(DEFAULT_SQLITE_URL);
    expect(resolveDatabaseUrl("  ")).toBe(DEFAULT_SQLITE_URL);
    expect(sqliteFilePath(DEFAULT_SQLITE_URL, "/app")).toBe("/app/data/dev.sqlite");
  });

  it.each([
    ["file:./dev.sqlite", "sqlite"],
    ["FILE:/tmp/x.sqlite", "sqlite"],
    ["postgres://u@h/db", "postgresql"],
    ["postgresql://u@h/db", "postgresql"],
  ])("GIVEN %s WHEN the provider is chosen THEN it is %s", (url, provider) => {
    expect(providerFromUrl(url)).toBe(provider);
  });

  it.each(["mysql://u:pw@h/db", "sqlite:./x.db", "./dev.sqlite"])("GIVEN %s WHEN the provider is chosen THEN it is refused", (url) => {
    expect(() => providerFromUrl(url)).toThrow(/DATABASE_URL must be unset/);
  });

  it.each([
    ["file:./data/a.sqlite", "/root/data/a.sqlite"],
    ["file:data/a.sqlite?connection_limit=1", "/root/data/a.sqlite"],
    ["file:/abs/a.sqlite", "/abs/a.sqlite"],
    ["file:///abs/a.sqlite", "/abs/a.sqlite"],
    ["file:./with%20space.sqlite", "/root/with space.sqlite"],
    ["file::memory:", ":memory:"],
  ])("GIVEN %s WHEN its file is resolved against the project root THEN it is %s", (url, file) => {
    expect(sqliteFilePath(url, "/root")).toBe(path.normalize(file));
  });

  it("GIVEN a PostgreSQL URL with an encoded password and sslmode WHEN split into fields THEN every field is decoded", () => {
    expect(pgConnectionFields("postgresql://app:p%40ss%3Aword@db.example.com:6543/sync%20line?sslmode=require")).toEqual({
      host: "db.example.com",
      port: 6543,
      user: "app",
      password: "p@ss:word",
      database: "sync line",
      ssl: { rejectUnauthorized: false },
    });
    expect(pgConnectionFields("postgres://127.0.0.1")).toEqual({ host: "127.0.0.1", port: 5432, user: "postgres", database: "postgres" });
  });

  it("GIVEN a server URL WHEN another database is named THEN only the database part changes", () => {
    expect(pgUrlWithDatabase("postgres://u:p@h:5433/postgres?sslmode=require", "syncline_test_1")).toBe(
      "postgres://u:p@h:5433/syncline_test_1?sslmode=require",
    );
  });

  it("GIVEN a URL with a password WHEN redacted THEN the password is gone and the rest stays", () => {
    expect(redactUrl("postgres://app:s3cret@db:5432/x")).toBe("postgres://app:***@db:5432/x");
  });
});
