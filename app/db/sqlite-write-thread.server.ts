import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

import { logger } from "~/logger.server";

/**
 * A second connection to the app's SQLite file, on a worker thread, for the webhook intake's grouped writes
 * (app/webhooks/delivery-writer.server.ts, docs/decisions/011-lean-webhook-intake.md). better-sqlite3 is synchronous:
 * on the app's own connection a group's inserts, its COMMIT and every WAL checkpoint SQLite runs at the end of a
 * commit held up the event loop, about half of the app's time per delivery during a burst (bench:webhooks). Here they
 * run beside it, and the event loop only hands the rows over and takes the answer.
 *
 * SQLite's locking keeps the two connections apart: one writer at a time (busy_timeout makes the other wait; the
 * app's transactions start with BEGIN IMMEDIATE, so neither fails half-way through), readers see what was committed
 * before they began. A write answered here is committed.
 *
 * A write is a group of conditional inserts: each item's first insert decides, by whether it inserted a row,
 * which of its follow-up inserts run (`whenNew` or `whenOld`), all in one transaction. Values must be what
 * better-sqlite3 binds (strings, numbers, bigints, buffers, null): they are copied to the thread.
 */

/** A prepared statement, by index into the write's statements, and the values bound to it. */
export type Step = readonly [statement: number, values: readonly unknown[]];

export interface ConditionalInsert {
  key: string;
  insert: Step;
  whenNew?: readonly Step[];
  whenOld?: readonly Step[];
}

/** An error the thread's connection raised, with SQLite's code (`SQLITE_BUSY`, `SQLITE_CONSTRAINT_NOTNULL`, …). */
export class SqliteThreadError extends Error {
  readonly code: string | undefined;

  constructor(message: string, code: string | undefined) {
    super(message);
    this.name = "SqliteThreadError";
    this.code = code;
  }
}

// Plain JavaScript, run by the thread as a script (`eval`): a module file would need its own entry in each build
// (Vite's, tsx's, vitest's) for a dozen lines. better-sqlite3 is resolved by the app and handed over by path.
const THREAD_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
for (const pragma of workerData.pragmas) db.exec(pragma);
const prepared = new Map();
function statement(sql) {
  let s = prepared.get(sql);
  if (!s) prepared.set(sql, (s = db.prepare(sql)));
  return s;
}
parentPort.on("message", (message) => {
  if (message.close) {
    db.close();
    parentPort.close();
    return;
  }
  const { id, statements, items } = message;
  try {
    const run = ([index, values]) => statement(statements[index]).run(values);
    const inserted = [];
    db.exec("BEGIN IMMEDIATE");
    try {
      for (const item of items) {
        const isNew = run(item.insert).changes > 0;
        for (const step of (isNew ? item.whenNew : item.whenOld) || []) run(step);
        if (isNew) inserted.push(item.key);
      }
      db.exec("COMMIT");
    } catch (error) {
      if (db.inTransaction) db.exec("ROLLBACK");
      throw error;
    }
    parentPort.postMessage({ id, inserted });
  } catch (error) {
    parentPort.postMessage({ id, error: { message: String(error && error.message || error), code: error && error.code } });
  }
});
`;

interface Reply {
  id: number;
  inserted?: string[];
  error?: { message: string; code?: string };
}

export class SqliteWriteThread {
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve(keys: Set<string>): void; reject(error: unknown): void }>();
  #nextId = 0;
  #failure: Error | undefined;
  #closing = false;
  readonly #exited: Promise<void>;

  /** Opens the connection to `file` (which must exist) on a new thread, applying `pragmas` there first. */
  constructor(file: string, pragmas: readonly string[]) {
    const driver = createRequire(import.meta.url).resolve("better-sqlite3");
    this.#worker = new Worker(THREAD_SOURCE, { eval: true, workerData: { driver, file, pragmas } });
    // The thread keeps the process alive only while a write waits for it.
    this.#worker.unref();
    this.#worker.on("message", (reply: Reply) => this.#settle(reply));
    this.#worker.on("error", (error) => this.#fail(error));
    this.#exited = new Promise((resolve) => this.#worker.once("exit", () => resolve()));
    this.#worker.once("exit", (code) => this.#fail(new Error(this.#closing ? "the SQLite write thread is closed" : `the SQLite write thread exited (code ${code})`)));
  }

  /** False once the thread has failed or closed; its writes must then go elsewhere. */
  get alive(): boolean {
    return this.#failure === undefined;
  }

  /** Runs the inserts in one transaction; resolves to the keys of the items whose first insert added a row. */
  write(statements: readonly string[], items: readonly ConditionalInsert[]): Promise<Set<string>> {
    if (this.#failure) return Promise.reject(this.#failure);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      if (this.#pending.size === 0) this.#worker.ref();
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ id, statements, items });
    });
  }

  /** Lets writes already sent finish, then closes the connection and ends the thread. */
  async close(): Promise<void> {
    if (this.#failure) return this.#exited;
    this.#closing = true;
    this.#worker.ref();
    this.#worker.postMessage({ close: true });
    await this.#exited;
  }

  #settle(reply: Reply): void {
    const pending = this.#pending.get(reply.id);
    if (!pending) return;
    this.#pending.delete(reply.id);
    if (this.#pending.size === 0) this.#worker.unref();
    if (reply.error) pending.reject(new SqliteThreadError(reply.error.message, reply.error.code));
    else pending.resolve(new Set(reply.inserted));
  }

  #fail(error: Error): void {
    if (this.#failure) return;
    this.#failure = error;
    if (!this.#closing) logger.error({ err: error }, "the SQLite write thread stopped; webhook deliveries are written on the app's connection");
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
  }
}
