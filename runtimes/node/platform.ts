// Node's Platform for the command line: Node's process facilities, and module loading that compiles
// a .ts module through the TypeScript loader in ts-loader.ts, with source maps on so that stack
// traces name the lines of the .ts file. Must never touch sockets (sockets.ts does) or parse arguments.

import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { register } from "node:module";
import cluster from "node:cluster";
import { processPlatform } from "../process-platform.ts";
import { workerOf } from "../worker-process.ts";

/** Module hooks are registered once per process (registering is process-wide in Node). */
let loaderRegistered = false;

/**
 * Finds the compiled TypeScript loader next to the running bundle (dist/serve.js or
 * dist/runtimes/index.js) and registers it. The loader emits inline source maps, which Node uses
 * only when source maps are enabled before the module loads.
 */
function registerTsLoader(): void {
  if (loaderRegistered) return;
  process.setSourceMapsEnabled(true);
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, "runtimes", "node", "ts-loader.js"), join(here, "node", "ts-loader.js")];
  const found = candidates.find((p) => existsSync(p));
  if (found === undefined) {
    throw new Error(`cannot load TypeScript on Node: the loader is missing (looked for ${candidates.join(", ")}; run \`npm run build\`)`);
  }
  register(pathToFileURL(found).href);
  loaderRegistered = true;
}

const TS_FILE = /\.(?:ts|mts|tsx)$/;

/**
 * Node 20's node:net has no reusePort (it came in 22.12 / 23.1), so workers are forked through
 * node:cluster: a worker's listen() then shares one socket that this process holds, which also keeps
 * the port open while workers come and go (a reload never refuses a connection).
 */
function forkWorker(args: readonly string[]) {
  cluster.setupPrimary({ exec: process.argv[1], args: [...args], silent: false });
  return workerOf(cluster.fork().process);
}

export const platform = processPlatform("node", {
  spawnWorker: forkWorker,
  workerListen: "shared",
  async importModule(absPath: string): Promise<Record<string, unknown>> {
    if (TS_FILE.test(absPath)) registerTsLoader();
    return (await import(pathToFileURL(absPath).href)) as Record<string, unknown>;
  },
});
