// Runs the Prisma CLI (the project's own copy, through node: no npx lookup) with a given DATABASE_URL.
// Used by prisma/support/new-migration.ts and by the tests that prove the CLI works offline.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

const require = createRequire(import.meta.url);
export const PRISMA_CLI = path.join(path.dirname(require.resolve("prisma/package.json")), "build", "index.js");

export interface PrismaRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface RunPrismaOptions {
  databaseUrl: string;
  cwd?: string;
  timeoutMs?: number;
  env?: Record<string, string | undefined>;
}

export function runPrisma(args: string[], options: RunPrismaOptions): Promise<PrismaRun> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [PRISMA_CLI, ...args], {
      cwd: options.cwd ?? PROJECT_ROOT,
      env: {
        ...process.env,
        PRISMA_HIDE_UPDATE_MESSAGE: "1",
        CHECKPOINT_DISABLE: "1", // no telemetry request
        ...options.env,
        DATABASE_URL: options.databaseUrl,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`prisma ${args.join(" ")} did not finish in ${options.timeoutMs} ms\n${stdout}\n${stderr}`));
    }, options.timeoutMs ?? 60_000);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Math.round(performance.now() - started) });
    });
  });
}
