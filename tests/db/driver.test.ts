// driverOf (app/db.server.ts): the driver under a Prisma client, for the hot paths that bypass Prisma's query compiler.
// It must be the client's own connection (SQLite) or pool (PostgreSQL), and survive a disconnect and reconnect.
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { driverOf, preparedOn } from "~/db.server";

import { createTestDatabase, postgresAvailable, postgresSkipReason, type TestDatabase } from "../support/db";

const pgUp = await postgresAvailable();

describe("driverOf on SQLite", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase("sqlite", { name: "driver" });
  });
  afterAll(() => db?.drop());

  it("GIVEN a client WHEN work runs on its driver THEN it is the client's own connection (adapter-better-sqlite3 still exposes `client`)", async () => {
    const driver = driverOf(db.prisma);
    if (driver.provider !== "sqlite") throw new Error("expected SQLite");
    // A TEMP table exists only on the connection that created it: Prisma sees it, so the connection is shared.
    await driver.run((conn) => conn.exec("CREATE TEMP TABLE driver_probe (x INTEGER); INSERT INTO driver_probe VALUES (7)"));
    const rows = await db.prisma.$queryRawUnsafe<{ x: bigint | number }[]>("SELECT x FROM driver_probe");
    expect(rows.map((r) => Number(r.x))).toEqual([7]);
  });

  it("GIVEN an interactive transaction of the client WHEN driver work is asked for THEN it waits for the transaction to end", async () => {
    const driver = driverOf(db.prisma);
    if (driver.provider !== "sqlite") throw new Error("expected SQLite");
    const order: string[] = [];
    let waiting: Promise<unknown> | undefined;
    await db.prisma.$transaction(async (tx) => {
      waiting = driver.run(() => order.push("driver"));
      await tx.$queryRawUnsafe("SELECT 1");
      await tx.$queryRawUnsafe("SELECT 2");
      order.push("transaction");
    });
    await waiting;
    expect(order).toEqual(["transaction", "driver"]);
  });

  it("GIVEN a statement prepared with preparedOn WHEN asked for again THEN the same one comes back on that connection, a new one on a reconnected one", async () => {
    const driver = driverOf(db.prisma);
    if (driver.provider !== "sqlite") throw new Error("expected SQLite");
    const sql = "SELECT ? + 1 AS n";
    const [first, again, other] = await driver.run((conn) => [preparedOn(conn, sql), preparedOn(conn, sql), preparedOn(conn, "SELECT 2 AS n")]);
    expect(again).toBe(first);
    expect(other).not.toBe(first);
    const n = (row: unknown) => Number((row as { n: number | bigint }).n);
    expect(n(await driver.run(() => first.get(41)))).toBe(42);
    await db.prisma.$disconnect();
    const fresh = await driver.run((conn) => preparedOn(conn, sql));
    expect(fresh).not.toBe(first);
    expect(n(await driver.run(() => fresh.get(1)))).toBe(2);
  });

  it("GIVEN a disconnected client WHEN work runs on its driver THEN the client reconnects and it works", async () => {
    await db.prisma.$disconnect();
    const driver = driverOf(db.prisma);
    if (driver.provider !== "sqlite") throw new Error("expected SQLite");
    expect(await driver.run((conn) => conn.prepare("SELECT 1 AS one").get())).toEqual({ one: 1n });
  });
});

describe.skipIf(!pgUp)(pgUp ? "driverOf on PostgreSQL" : `driverOf on PostgreSQL skipped: ${postgresSkipReason()}`, () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase("postgresql", { name: "driver" });
  });
  afterAll(() => db?.drop());

  it("GIVEN a client WHEN its pool is asked for THEN it reaches the client's database, also after a disconnect", async () => {
    const driver = driverOf(db.prisma);
    if (driver.provider !== "postgresql") throw new Error("expected PostgreSQL");
    const first = await driver.pool();
    const name = (await first.query<{ db: string }>("SELECT current_database() AS db")).rows[0].db;
    expect(db.url).toContain(name);
    await db.prisma.$disconnect();
    const second = await driver.pool();
    expect(second).not.toBe(first); // the ended pool is never handed out again
    expect((await second.query<{ one: number }>("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
  });
});
