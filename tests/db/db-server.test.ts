// app/db.server.ts: which database DATABASE_URL selects, the shared client, the pool size.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createPrismaClient, type PrismaClient } from "../../app/db.server";
import { createTestDatabase, postgresAvailable, postgresSkipReason, type TestDatabase } from "../support/db";

type DbModule = typeof import("../../app/db.server");
const pgUp = await postgresAvailable();
const cache = globalThis as typeof globalThis & { __synclinePrisma?: { url: string; client: PrismaClient } };

async function freshImport(env: Record<string, string | undefined>): Promise<DbModule> {
  vi.resetModules();
  for (const [key, value] of Object.entries(env)) vi.stubEnv(key, value);
  return import("../../app/db.server");
}

afterEach(async () => {
  vi.unstubAllEnvs();
  await cache.__synclinePrisma?.client.$disconnect();
  delete cache.__synclinePrisma;
});

describe("provider selection from DATABASE_URL", () => {
  let sqlite: TestDatabase;
  let postgres: TestDatabase | undefined;
  beforeAll(async () => {
    sqlite = await createTestDatabase("sqlite", { name: "db-server" });
    if (pgUp) postgres = await createTestDatabase("postgresql", { name: "db-server" });
  });
  afterAll(async () => {
    await sqlite.drop();
    await postgres?.drop();
  });

  it("GIVEN DATABASE_URL=file:... WHEN db.server loads THEN it talks to that SQLite file", async () => {
    const db = await freshImport({ DATABASE_URL: sqlite.url });
    expect(db.dbProvider).toBe("sqlite");
    await db.prisma.shop.create({ data: { shop: "file.myshopify.com" } });
    const rows = await db.prisma.$queryRawUnsafe<Array<{ v: string }>>("SELECT sqlite_version() AS v");
    expect(rows[0].v).toMatch(/^3\./);
    expect(await sqlite.prisma.shop.count({ where: { shop: "file.myshopify.com" } })).toBe(1);
  });

  it.skipIf(!pgUp)(
    `GIVEN DATABASE_URL=postgres://... or postgresql://... WHEN db.server loads THEN it talks to PostgreSQL${pgUp ? "" : ` — skipped: ${postgresSkipReason()}`}`,
    async () => {
      for (const url of [postgres!.url, postgres!.url.replace(/^postgres:/, "postgresql:")]) {
        const db = await freshImport({ DATABASE_URL: url });
        expect(db.dbProvider).toBe("postgresql");
        const rows = await db.prisma.$queryRawUnsafe<Array<{ v: string }>>("SELECT version() AS v");
        expect(rows[0].v).toMatch(/^PostgreSQL /);
        await db.prisma.$disconnect();
      }
    },
  );

  it("GIVEN DATABASE_URL unset or empty WHEN db.server loads THEN SQLite is selected (nothing is opened until a query)", async () => {
    expect((await freshImport({ DATABASE_URL: undefined })).dbProvider).toBe("sqlite");
    expect((await freshImport({ DATABASE_URL: "" })).dbProvider).toBe("sqlite");
  });

  it("GIVEN an unsupported DATABASE_URL WHEN db.server loads THEN it fails naming DATABASE_URL, without echoing the password", async () => {
    await expect(freshImport({ DATABASE_URL: "mysql://app:s3cret@db/app" })).rejects.toThrow(/DATABASE_URL must be unset/);
    await expect(freshImport({ DATABASE_URL: "mysql://app:s3cret@db/app" })).rejects.not.toThrow(/s3cret/);
  });
});

describe("the shared client", () => {
  it("GIVEN the app's import path WHEN loaded through Vite's module runner (as vitest and remix dev do) THEN it resolves", async () => {
    vi.resetModules();
    vi.stubEnv("DATABASE_URL", "file:./data/alias-never-opened.sqlite");
    const viaAlias = await import("~/db.server");
    expect(viaAlias.dbProvider).toBe("sqlite");
    expect(typeof viaAlias.createPrismaClient).toBe("function");
  });

  it("GIVEN development WHEN Vite re-evaluates db.server (HMR) THEN the same client is reused", async () => {
    const first = await freshImport({ NODE_ENV: "development", DATABASE_URL: "file:./data/hmr-never-opened.sqlite" });
    const second = await freshImport({ NODE_ENV: "development", DATABASE_URL: "file:./data/hmr-never-opened.sqlite" });
    expect(second.prisma).toBe(first.prisma);
  });

  it("GIVEN production WHEN the module is evaluated twice THEN each evaluation has its own client (no global)", async () => {
    const first = await freshImport({ NODE_ENV: "production", DATABASE_URL: "file:./data/prod-never-opened.sqlite" });
    const second = await freshImport({ NODE_ENV: "production", DATABASE_URL: "file:./data/prod-never-opened.sqlite" });
    expect(second.prisma).not.toBe(first.prisma);
    expect(cache.__synclinePrisma).toBeUndefined();
  });
});

describe.skipIf(!pgUp)(`PostgreSQL pool size${pgUp ? "" : ` — skipped: ${postgresSkipReason()}`}`, () => {
  let postgres: TestDatabase;
  beforeAll(async () => {
    postgres = await createTestDatabase("postgresql", { name: "pool" });
  });
  afterAll(() => postgres.drop());

  async function backendsUsed(client: PrismaClient, concurrent: number): Promise<number> {
    const rows = await Promise.all(
      Array.from({ length: concurrent }, () =>
        client.$queryRawUnsafe<Array<{ pid: number }>>("SELECT pg_backend_pid() AS pid, pg_sleep(0.2)::text AS slept"),
      ),
    );
    return new Set(rows.map((r) => r[0].pid)).size;
  }

  it("GIVEN DATABASE_POOL_SIZE=2 WHEN 4 queries run at once THEN they share 2 connections", async () => {
    vi.stubEnv("DATABASE_POOL_SIZE", "2");
    const client = createPrismaClient(postgres.url);
    try {
      expect(await backendsUsed(client, 4)).toBe(2);
    } finally {
      await client.$disconnect();
    }
  });

  it("GIVEN DATABASE_POOL_SIZE=4 WHEN 4 queries run at once THEN each gets its own connection", async () => {
    vi.stubEnv("DATABASE_POOL_SIZE", "4");
    const client = createPrismaClient(postgres.url);
    try {
      expect(await backendsUsed(client, 4)).toBe(4);
    } finally {
      await client.$disconnect();
    }
  });

  it("GIVEN DATABASE_POOL_SIZE is not a positive integer WHEN a client is created THEN it fails saying so", () => {
    vi.stubEnv("DATABASE_POOL_SIZE", "lots");
    expect(() => createPrismaClient(postgres.url)).toThrow(/DATABASE_POOL_SIZE must be a positive integer/);
  });
});
