// The SQLite connection app/db.server.ts opens: its PRAGMAs, and how it keeps concurrent requests'
// statements out of each other's transactions.
import { spawn } from "node:child_process";
import { once } from "node:events";
import readline from "node:readline";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PrismaClient as StockSqliteClient } from "../../app/generated/sqlite/client";
import { createTestDatabase, type TestDatabase } from "../support/db";

let db: TestDatabase;
beforeEach(async () => {
  db = await createTestDatabase("sqlite", { name: "connection" });
});
afterEach(() => db.drop());

async function pragma(name: string): Promise<string> {
  const rows = await db.prisma.$queryRawUnsafe<Array<Record<string, unknown>>>(`PRAGMA ${name}`);
  return String(Object.values(rows[0])[0]);
}

describe("SQLite PRAGMAs", () => {
  it("GIVEN a client from createPrismaClient WHEN the PRAGMAs are read back on its connection THEN they are in effect", async () => {
    expect(await pragma("journal_mode")).toBe("wal");
    expect(await pragma("busy_timeout")).toBe("5000");
    expect(await pragma("synchronous")).toBe("1"); // NORMAL
    expect(await pragma("foreign_keys")).toBe("1");
  });

  it("GIVEN an interactive transaction WHEN the PRAGMAs are read inside it THEN it runs on the same configured connection", async () => {
    const inside = await db.prisma.$transaction(async (tx) => {
      const rows = await tx.$queryRawUnsafe<Array<Record<string, unknown>>>("PRAGMA synchronous");
      return String(Object.values(rows[0])[0]);
    });
    expect(inside).toBe("1");
  });
});

describe("SQLite: statements outside a transaction", () => {
  const shop = (name: string) => ({ shop: `${name}.myshopify.com` });

  it("GIVEN the stock adapter WHEN a write lands while another transaction is open THEN that rollback silently takes it along", async () => {
    // The hazard SerializedSqliteAdapter exists for; if this stops failing, the wrapper can go.
    const stock = new StockSqliteClient({ adapter: new PrismaBetterSQLite3({ url: db.url.slice("file:".length) }) });
    const { rolledBack, outside } = await interleave(stock, false);
    await stock.$disconnect();
    expect(rolledBack).toBe(true);
    expect(outside).toBe("fulfilled");
    const verify = await db.prisma.shop.findMany();
    expect(verify).toEqual([]);
  });

  it("GIVEN our client WHEN a write arrives while another transaction is open THEN it waits and survives the rollback", async () => {
    const { rolledBack, outside } = await interleave(db.prisma, true);
    expect(rolledBack).toBe(true);
    expect(outside).toBe("fulfilled");
    expect((await db.prisma.shop.findMany()).map((s) => s.shop)).toEqual(["outside.myshopify.com"]);
  });

  it("GIVEN our client WHEN batch and interactive transactions commit or roll back THEN each behaves as a transaction", async () => {
    await db.prisma.$transaction([db.prisma.shop.create({ data: shop("batch-a") }), db.prisma.shop.create({ data: shop("batch-b") })]);
    await expect(
      db.prisma.$transaction([db.prisma.shop.create({ data: shop("batch-c") }), db.prisma.shop.create({ data: shop("batch-a") })]),
    ).rejects.toMatchObject({ code: "P2002" });
    await db.prisma.$transaction(async (tx) => tx.shop.create({ data: shop("interactive") }));
    const shops = (await db.prisma.shop.findMany({ orderBy: { shop: "asc" } })).map((s) => s.shop);
    expect(shops).toEqual(["batch-a.myshopify.com", "batch-b.myshopify.com", "interactive.myshopify.com"]);
  });

  it("GIVEN our client WHEN code inside a transaction wrongly uses the outer client THEN the transaction times out instead of hanging", async () => {
    let outer: Promise<unknown> | undefined;
    const tx = db.prisma.$transaction(
      async (t) => {
        await t.shop.create({ data: shop("inside") });
        outer = db.prisma.shop.create({ data: shop("outer") }); // waits for this very transaction
        await outer;
        await t.shop.create({ data: shop("after") });
      },
      { timeout: 300 },
    );
    await expect(tx).rejects.toMatchObject({ code: "P2028" });
    await outer;
    expect((await db.prisma.shop.findMany()).map((s) => s.shop)).toEqual(["outer.myshopify.com"]);
  });

  // A transaction that rolls back while a plain write from "another request" is issued mid-way.
  // `outsideWaits`: whether the plain write must stay pending until the transaction ends (our client) or
  // completes while it is still open (the stock adapter, where it runs inside it).
  async function interleave(client: Pick<TestDatabase["prisma"], "$transaction" | "shop">, outsideWaits: boolean) {
    let txStarted!: () => void;
    const started = new Promise<void>((resolve) => (txStarted = resolve));
    let letTxFinish!: () => void;
    const finish = new Promise<void>((resolve) => (letTxFinish = resolve));

    const tx = client
      .$transaction(async (t) => {
        await t.shop.create({ data: shop("inside") });
        txStarted();
        await finish;
        throw new Error("business rule says no");
      })
      .then(
        () => false,
        (error: Error) => error.message === "business rule says no",
      );
    await started;
    let settled = false;
    const outside = client.shop.create({ data: shop("outside") }).finally(() => (settled = true));
    if (outsideWaits) {
      // Nothing to await when the point is that nothing happens: a bounded wait, then check.
      await Promise.race([outside.catch(() => {}), new Promise((resolve) => setTimeout(resolve, 150))]);
      expect(settled).toBe(false);
    } else {
      await outside;
    }
    letTxFinish();
    const rolledBack = await tx;
    const [result] = await Promise.allSettled([outside]);
    return { rolledBack, outside: result.status };
  }
});

describe("SQLite: a transaction that reads then writes while another process writes", () => {
  // Another process (plain better-sqlite3) holds the write lock for a moment and commits a row.
  async function otherProcessWrites(file: string, holdMs: number) {
    const child = spawn(
      process.execPath,
      [
        "-e",
        `const D = require("better-sqlite3");
         const db = new D(process.argv[1]);
         db.pragma("journal_mode = WAL");
         db.exec("BEGIN IMMEDIATE");
         db.prepare("INSERT INTO Shop (shop, updatedAt) VALUES ('other.myshopify.com', ?)").run(new Date().toISOString());
         console.log("locked");
         setTimeout(() => { db.exec("COMMIT"); db.close(); }, Number(process.argv[2]));`,
        file,
        String(holdMs),
      ],
      { cwd: process.cwd(), stdio: ["ignore", "pipe", "inherit"] },
    );
    const lines = readline.createInterface({ input: child.stdout });
    const [line] = (await once(lines, "line")) as [string];
    expect(line).toBe("locked");
    // Wrapped: an async function returning the promise itself would make the caller wait for the exit.
    return { exited: once(child, "exit") };
  }

  const readThenWrite = (client: Pick<TestDatabase["prisma"], "$transaction">) =>
    client.$transaction(async (tx) => {
      const before = await tx.shop.count();
      await tx.shop.create({ data: { shop: "mine.myshopify.com" } });
      return before;
    });

  it("GIVEN the stock adapter's deferred BEGIN WHEN it tries to write after the other commit THEN it fails", async () => {
    const file = db.url.slice("file:".length);
    const stock = new StockSqliteClient({ adapter: new PrismaBetterSQLite3({ url: file }) });
    await stock.$queryRawUnsafe("PRAGMA journal_mode = WAL");
    const { exited } = await otherProcessWrites(file, 1_000);
    await expect(readThenWrite(stock)).rejects.toThrow();
    await exited;
    await stock.$disconnect();
  });

  it("GIVEN our client's BEGIN IMMEDIATE WHEN the other process holds the lock THEN it waits, sees the other row, and commits", async () => {
    const { exited } = await otherProcessWrites(db.url.slice("file:".length), 1_000);
    await expect(readThenWrite(db.prisma)).resolves.toBe(1);
    await exited;
    expect((await db.prisma.shop.findMany({ orderBy: { shop: "asc" } })).map((s) => s.shop)).toEqual([
      "mine.myshopify.com",
      "other.myshopify.com",
    ]);
  });
});
