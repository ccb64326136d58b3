/**
 * The compiled production entry points (vite.scripts.config.ts, `npm run build`'s second half): `npm run worker`
 * runs build/scripts/worker.js on Node alone. Built here into a folder of its own, started with no loader, it must
 * claim and finish a job from the database and stop cleanly on SIGTERM. (build/scripts/serve.js is what the
 * Playwright run serves the app with, through `npm run demo`.)
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { readFileSync, rmSync } from "node:fs";
import path from "node:path";

import { build } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { SCRIPT_ENTRIES, scriptsBuild } from "../../vite.scripts.config";
import { createTestDatabase, type TestDatabase } from "../support/db";

const ROOT = path.resolve(__dirname, "../..");
const OUT = path.join(ROOT, "build/test-entries");

describe("the compiled worker (build/scripts/worker.js)", () => {
  let database: TestDatabase;
  let child: ChildProcess | undefined;
  const output: string[] = [];

  beforeAll(async () => {
    await build(scriptsBuild(SCRIPT_ENTRIES, OUT));
    database = await createTestDatabase("sqlite", { name: "builtworker" });
  }, 120_000);

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill("SIGKILL");
    await database?.drop();
    rmSync(OUT, { recursive: true, force: true });
  });

  it("GIVEN the build WHEN its worker runs on plain Node THEN it runs a queued job and stops on SIGTERM with exit code 0", async () => {
    // Plain JavaScript with the app's modules inside and packages left as imports: no TypeScript, no `~/` alias.
    const compiled = readFileSync(path.join(OUT, "worker.js"), "utf8");
    expect(compiled).not.toMatch(/from "~\//);
    expect(compiled).not.toMatch(/: PrismaClient\b/);

    const job = await database.prisma.job.create({
      data: { type: "jobs.retention", payload: JSON.stringify({ doneOlderThanDays: 7 }), runAt: new Date(Date.now() - 1000) },
    });
    child = spawn(process.execPath, [path.join(OUT, "worker.js")], {
      cwd: ROOT,
      env: {
        ...process.env,
        NODE_OPTIONS: "",
        NODE_ENV: "production",
        DATABASE_URL: database.url,
        SHOPIFY_API_KEY: "built-worker-key",
        SHOPIFY_API_SECRET: "built-worker-secret",
        SHOPIFY_APP_URL: "http://127.0.0.1:9",
        WORKER_POLL_INTERVAL_MS: "50",
        LOG_LEVEL: "info",
      },
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    });
    child.stdout?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
    const [message] = (await Promise.race([
      once(child, "message"),
      once(child, "exit").then(() => {
        throw new Error(`the worker exited before it was ready:\n${output.join("")}`);
      }),
    ])) as [{ type?: string }];
    expect(message.type).toBe("ready");

    const deadline = Date.now() + 20_000;
    let status = "";
    while (Date.now() < deadline) {
      status = (await database.prisma.job.findUniqueOrThrow({ where: { id: job.id } })).status;
      if (status === "done") break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(status, output.join("")).toBe("done");

    const exited = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
    child.kill("SIGTERM");
    const [code] = await exited;
    expect(code, output.join("")).toBe(0);
    expect(output.join("")).toMatch(/"msg":"worker stopped"/);
  }, 60_000);
});
