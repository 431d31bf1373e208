// Node's Platform for the command line: Node's process facilities, and module loading that compiles
// a .ts module through the TypeScript loader in ts-loader.ts, with source maps on so that stack
// traces name the lines of the .ts file. Must never touch sockets (sockets.ts does) or parse arguments.

import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { register } from "node:module";
import { processPlatform } from "../process-platform.ts";

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

export const platform = processPlatform("node", {
  async importModule(absPath: string): Promise<Record<string, unknown>> {
    if (TS_FILE.test(absPath)) registerTsLoader();
    return (await import(pathToFileURL(absPath).href)) as Record<string, unknown>;
  },
});
