/**
 * `npm run build`'s second half: the production entry points that are not Remix routes, compiled to plain
 * JavaScript so that `npm start` (build/scripts/serve.js) and `npm run worker` (build/scripts/worker.js) run on
 * Node alone. Running them through tsx cost every production process ~35 MB of RSS (its loader thread and
 * esbuild) and a transpile at boot. An SSR build: the app's modules are bundled, packages stay imports of
 * node_modules, as in Remix's server build (build/server/index.js), which serve.js loads at run time.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";

import type { InlineConfig } from "vite";
import tsconfigPaths from "vite-tsconfig-paths";

/** Entry points by output name; bench/catalog.ts builds one more with the same settings. */
export const SCRIPT_ENTRIES = { serve: "scripts/serve.ts", worker: "scripts/worker.ts" };

export function scriptsBuild(entries: Record<string, string>, outDir: string): InlineConfig {
  return {
    configFile: false,
    root: path.dirname(fileURLToPath(import.meta.url)),
    logLevel: "warn",
    publicDir: false,
    plugins: [tsconfigPaths()],
    build: {
      ssr: true,
      target: "node20",
      outDir,
      emptyOutDir: true,
      minify: false,
      sourcemap: true,
      rollupOptions: { input: entries, output: { format: "esm", entryFileNames: "[name].js" } },
    },
  };
}

export default scriptsBuild(SCRIPT_ENTRIES, "build/scripts");
