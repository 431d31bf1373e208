// `npm run build`: dist/ for Node and for bundlers. The command line (dist/serve.js) and the library
// entries are ES modules that share code through dist/chunks/, so a module the running server does
// not use (another runtime's driver, the supervisor, the file watcher) is a chunk that is never
// loaded, and the Node builtins it imports (node:child_process, ...) are not loaded either.
// Must never write outside dist/, and never leave a chunk of an earlier build behind (it would ship).

import { rmSync } from "node:fs";
import { build } from "esbuild";

const common = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  outdir: "dist",
  outbase: ".",
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  packages: "external",
  logLevel: "warning",
};

rmSync("dist/chunks", { recursive: true, force: true });
await build({ ...common, entryPoints: ["serve.ts"], banner: { js: "#!/usr/bin/env node" } });
// The package's exports (package.json "exports"; their declarations come from tsconfig.build.json).
const libraryEntries = ["runtimes/index.ts", "runtimes/bun/index.ts", "runtimes/deno/index.ts", "runtimes/node/index.ts", "runtimes/node/ts-loader.ts", "adapters/fetch.ts", "adapters/node.ts", "adapters/validate.ts", "adapters/static.ts"];
await build({ ...common, entryPoints: libraryEntries });
