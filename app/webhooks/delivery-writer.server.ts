import type BetterSqlite3 from "better-sqlite3";

import { driverOf, preparedOn, prisma, sqliteTimestamp, type PrismaClient } from "~/db.server";
import type { ActivityRow } from "~/activity/activity.server";
import type { JobRow } from "~/jobs/queue.server";
import { logger } from "~/logger.server";

/**
 * Grouped commits for the webhook intake (docs/decisions/011-lean-webhook-intake.md). A delivery and its job are
 * written together, only if the webhook id is new; deliveries that arrive while a write is in flight join the next
 * one, so a burst of a thousand costs a few dozen statements instead of a thousand, and each answer still waits for
 * its own row to be committed. Plain SQL through the client's own driver (driverOf): Prisma's query compiler cost
 * more per delivery than the statement itself.
 *
 * - SQLite: one `BEGIN IMMEDIATE … COMMIT` per group on the app's connection, in its turn, with prepared
 *   statements (better-sqlite3 is synchronous: the group is written in one go).
 * - PostgreSQL: one statement per group: the deliveries as one JSON array (`json_to_recordset`),
 *   `INSERT … ON CONFLICT DO NOTHING RETURNING` and the jobs of the rows that came back, in a data-modifying CTE
 *   (autocommit, atomic), prepared once per connection (a named statement: PostgreSQL parsed and planned the CTE
 *   for every group before).
 *
 * A write may carry activity log entries: one for when the delivery is new (an unprocessable delivery, recorded as
 * failed) and one for when it is not (a duplicate), written in the same transaction as whichever applies.
 *
 * A group that fails is retried row by row, so one bad row fails only its own request.
 */

export interface DeliveryRow {
  id: string;
  shop: string;
  webhookId: string;
  topic: string;
  apiVersion: string | null;
  eventId: string | null;
  triggeredAt: Date | null;
  payload: string;
  status: "received" | "failed";
  error: string | null;
  receivedAt: Date;
}

export interface DeliveryWrite {
  delivery: DeliveryRow;
  /** Inserted with the delivery, only if the delivery is new. */
  job?: JobRow;
  /** Activity entries: `whenNew` written with a new delivery, `whenDuplicate` when its webhook id was recorded. */
  activity?: { whenNew?: ActivityRow; whenDuplicate?: ActivityRow };
}

interface Pending extends DeliveryWrite {
  resolve(inserted: boolean): void;
  reject(error: unknown): void;
}

/** Column name → PostgreSQL type, in insert order. The keys are DeliveryRow's and JobRow's. */
const DELIVERY_COLUMNS = {
  id: "text",
  shop: "text",
  webhookId: "text",
  topic: "text",
  apiVersion: "text",
  eventId: "text",
  triggeredAt: "timestamp(3)",
  payload: "text",
  status: "text",
  error: "text",
  receivedAt: "timestamp(3)",
} as const satisfies Record<keyof DeliveryRow, string>;

const JOB_COLUMNS = {
  id: "text",
  shop: "text",
  type: "text",
  payload: "text",
  status: "text",
  runAt: "timestamp(3)",
  attempts: "integer",
  maxAttempts: "integer",
  dedupeKey: "text",
  createdAt: "timestamp(3)",
  updatedAt: "timestamp(3)",
} as const satisfies Record<keyof JobRow, string>;

const ACTIVITY_COLUMNS = {
  id: "text",
  shop: "text",
  direction: "text",
  kind: "text",
  sync: "text",
  name: "text",
  status: "text",
  durationMs: "integer",
  reference: "text",
  detail: "text",
  createdAt: "timestamp(3)",
} as const satisfies Record<keyof ActivityRow, string>;

/** Most rows one statement carries; a larger backlog goes out in several. */
const MAX_GROUP = 200;
/** Under load, how long deliveries gather before their group is written. */
const GROUP_WINDOW_MS = 2;
/** Statements in flight at once on PostgreSQL (the rest of the pool serves everything else). */
const PG_IN_FLIGHT = 2;

export class DeliveryWriter {
  readonly #client: PrismaClient;
  #queue: Pending[] = [];
  #inFlight = 0;
  #scheduled = false;
  #lastGroupAt = Number.NEGATIVE_INFINITY;

  constructor(client: PrismaClient) {
    this.#client = client;
  }

  /**
   * Writes the delivery and, if given, its job, in one transaction; resolves to false, writing nothing but the
   * `whenDuplicate` activity entry, when the webhook id is already recorded (a redelivery), including by a delivery
   * earlier in the same group.
   */
  write(write: DeliveryWrite): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ ...write, resolve, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    const run = () => {
      this.#scheduled = false;
      this.#drain();
    };
    // After the I/O callbacks of this turn: requests that arrived together go out together. Under load (the last
    // group went out less than GROUP_WINDOW_MS ago) the next one waits out the window, so that a commit is shared
    // by the deliveries of a millisecond rather than of one turn of the loop (one or two: bench:webhooks).
    const wait = this.#lastGroupAt + GROUP_WINDOW_MS - performance.now();
    if (wait > 0) setTimeout(run, wait);
    else setImmediate(run);
  }

  #drain(): void {
    const limit = this.#provider() === "postgresql" ? PG_IN_FLIGHT : 1;
    while (this.#queue.length > 0 && this.#inFlight < limit) {
      const group = this.#queue.splice(0, MAX_GROUP);
      this.#lastGroupAt = performance.now();
      this.#inFlight++;
      void this.#flush(group).finally(() => {
        this.#inFlight--;
        if (this.#queue.length > 0) this.#schedule();
      });
    }
  }

  #provider(): "sqlite" | "postgresql" | undefined {
    try {
      return driverOf(this.#client).provider;
    } catch {
      return undefined; // #insert fails the same way, and rejects the writes with it
    }
  }

  async #flush(group: Pending[]): Promise<void> {
    try {
      const inserted = await this.#insert(group);
      for (const item of group) item.resolve(inserted.has(item.delivery.id));
    } catch (error) {
      if (group.length === 1) return group[0].reject(error);
      logger.warn({ err: error, rows: group.length }, "grouped webhook write failed; writing its rows one by one");
      for (const item of group) await this.#flush([item]);
    }
  }

  /** The ids of the deliveries that were new, and so were written with their jobs. */
  async #insert(items: Pending[]): Promise<Set<string>> {
    const driver = driverOf(this.#client);
    if (driver.provider === "sqlite") return driver.run((db) => this.#insertSqlite(db, items));
    const pool = await driver.pool();
    // Named: each pooled connection parses and plans the statement once, then only binds and executes it.
    const result = await pool.query<{ id: string }>({ name: "syncline_webhook_delivery_group", text: POSTGRES_STATEMENT, values: postgresParameters(items) });
    return new Set(result.rows.map((row) => row.id));
  }

  #insertSqlite(db: BetterSqlite3.Database, items: Pending[]): Set<string> {
    // Prepared once per connection (the client may have reconnected since).
    const statements = {
      delivery: preparedOn(db, SQLITE_SQL.delivery),
      job: preparedOn(db, SQLITE_SQL.job),
      activity: preparedOn(db, SQLITE_SQL.activity),
    };
    const inserted = new Set<string>();
    db.exec("BEGIN IMMEDIATE");
    try {
      for (const item of items) {
        const isNew = statements.delivery.run(sqliteValues(SQLITE_NAMES.delivery, item.delivery)).changes > 0;
        if (isNew && item.job) statements.job.run(sqliteValues(SQLITE_NAMES.job, item.job));
        const activity = isNew ? item.activity?.whenNew : item.activity?.whenDuplicate;
        if (activity) statements.activity.run(sqliteValues(SQLITE_NAMES.activity, activity));
        if (isNew) inserted.add(item.delivery.id);
      }
      db.exec("COMMIT");
    } catch (error) {
      if (db.inTransaction) db.exec("ROLLBACK");
      throw error;
    }
    return inserted;
  }
}

function sqliteInsert(table: string, columns: Record<string, string>, onConflict = ""): string {
  const names = Object.keys(columns);
  return `INSERT INTO "${table}" (${names.map((n) => `"${n}"`).join(", ")}) VALUES (${names.map(() => "?").join(", ")}) ${onConflict}`;
}

/** Each table's columns in insert order, listed once rather than per row. */
const SQLITE_NAMES = { delivery: Object.keys(DELIVERY_COLUMNS), job: Object.keys(JOB_COLUMNS), activity: Object.keys(ACTIVITY_COLUMNS) };
const SQLITE_SQL = {
  delivery: sqliteInsert("WebhookDelivery", DELIVERY_COLUMNS, `ON CONFLICT ("webhookId") DO NOTHING`),
  job: sqliteInsert("Job", JOB_COLUMNS, `ON CONFLICT ("dedupeKey") DO NOTHING`),
  activity: sqliteInsert("ActivityLog", ACTIVITY_COLUMNS),
};

function sqliteValues(names: readonly string[], row: object): unknown[] {
  const values = row as Record<string, unknown>;
  return names.map((name) => {
    const value = values[name];
    return value instanceof Date ? sqliteTimestamp(value) : value;
  });
}

/**
 * The group goes as one JSON parameter, an array with one object per delivery: its delivery's columns (d_), its
 * job's (j_), its activity entry for a new delivery (n_) and for a duplicate (u_), null where it has no such row,
 * turned back into rows by `json_to_recordset`. One JSON.stringify (native) instead of 44 array literals escaped
 * element by element in JavaScript, which was most of the client's cost of the statement. Timestamps go as ISO
 * strings: the columns are `timestamp(3)` without time zone holding UTC, as Prisma writes them, and PostgreSQL
 * ignores the zone of such a literal. A webhook id twice in one group: ON CONFLICT DO NOTHING inserts one of them,
 * the other is a duplicate like any redelivery.
 */
const POSTGRES_GROUPS = [
  ["d", DELIVERY_COLUMNS, (w: DeliveryWrite) => w.delivery],
  ["j", JOB_COLUMNS, (w: DeliveryWrite) => w.job],
  ["n", ACTIVITY_COLUMNS, (w: DeliveryWrite) => w.activity?.whenNew],
  ["u", ACTIVITY_COLUMNS, (w: DeliveryWrite) => w.activity?.whenDuplicate],
] as const;

const POSTGRES_STATEMENT = (() => {
  const all = POSTGRES_GROUPS.flatMap(([prefix, columns]) => Object.entries(columns).map(([name, type]) => `"${prefix}_${name}" ${type}`));
  const columnsOf = (prefix: string, columns: Record<string, string>) => ({
    target: Object.keys(columns).map((n) => `"${n}"`).join(", "),
    source: Object.keys(columns).map((n) => `i."${prefix}_${n}"`).join(", "),
  });
  const d = columnsOf("d", DELIVERY_COLUMNS);
  const j = columnsOf("j", JOB_COLUMNS);
  const n = columnsOf("n", ACTIVITY_COLUMNS);
  const u = columnsOf("u", ACTIVITY_COLUMNS);
  return `WITH "input" AS (
    SELECT * FROM json_to_recordset($1::json) AS t(${all.join(", ")})),
  "inserted" AS (
    INSERT INTO "WebhookDelivery" (${d.target}) SELECT ${d.source} FROM "input" i
    ON CONFLICT ("webhookId") DO NOTHING RETURNING "id"),
  "jobs" AS (
    INSERT INTO "Job" (${j.target}) SELECT ${j.source} FROM "input" i JOIN "inserted" ON "inserted"."id" = i."d_id"
    WHERE i."j_id" IS NOT NULL ON CONFLICT ("dedupeKey") DO NOTHING),
  "activityNew" AS (
    INSERT INTO "ActivityLog" (${n.target}) SELECT ${n.source} FROM "input" i JOIN "inserted" ON "inserted"."id" = i."d_id"
    WHERE i."n_id" IS NOT NULL),
  "activityDuplicate" AS (
    INSERT INTO "ActivityLog" (${u.target}) SELECT ${u.source} FROM "input" i
    WHERE i."u_id" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "inserted" WHERE "inserted"."id" = i."d_id"))
  SELECT "id" FROM "inserted"`;
})();

/**
 * Text as PostgreSQL can hold it. A lone UTF-16 surrogate (a payload's `"\ud800"`, quoted by zod into a failure
 * reason) becomes U+FFFD, which is what encoding it as UTF-8 does anyway: JSON.stringify would keep it as an escape
 * that PostgreSQL refuses to turn into text. NUL, which PostgreSQL text cannot hold at all, becomes U+FFFD too; only
 * a delivery recorded as failed can carry one (raw NUL is never valid JSON). Either refusal failed the delivery with
 * a 500 for ever. `String.prototype.toWellFormed` (ES2024, in Node 20) is not in TypeScript's ES2023 library.
 */
function postgresText(text: string): string {
  const wellFormed = (text as string & { toWellFormed(): string }).toWellFormed();
  return wellFormed.includes("\0") ? wellFormed.replaceAll("\0", "\ufffd") : wellFormed;
}

/** Per row kind: where its row is in a write, and each column's name there and in the JSON objects (`d_id`, …). */
const POSTGRES_FIELDS = POSTGRES_GROUPS.map(([prefix, columns, rowOf]) => ({
  rowOf,
  names: Object.keys(columns).map((name) => ({ name, key: `${prefix}_${name}` })),
}));

function postgresParameters(items: DeliveryWrite[]): [string] {
  const rows = items.map((item) => {
    const row: Record<string, unknown> = {};
    for (const { rowOf, names } of POSTGRES_FIELDS) {
      const source = rowOf(item) as Record<string, unknown> | undefined;
      if (!source) continue; // absent keys are nulls to json_to_recordset
      for (const { name, key } of names) {
        const value = source[name];
        row[key] = value instanceof Date ? value.toISOString() : typeof value === "string" ? postgresText(value) : (value ?? null);
      }
    }
    return row;
  });
  return [JSON.stringify(rows)];
}

/** The writer of the process-wide client. */
export const deliveryWriter = new DeliveryWriter(prisma);
