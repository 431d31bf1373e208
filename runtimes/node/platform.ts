// Node's Platform for the command line: Node's process facilities, and module loading that compiles
// a .ts module: with esbuild through the hooks in ts-loader.ts when esbuild is installed (with
// source maps on, so that stack traces name the lines of the .ts file), else with Node's own type
// stripping where this Node has it, else it throws UnsupportedModule with the line saying what to
// install. Must never touch sockets (sockets.ts does) or parse arguments.

import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as nodeModule from "node:module";
import { processPlatform } from "../process-platform.ts";
import { UnsupportedModule } from "../load-error.ts";
import { tuneGc } from "./gc-tuning.ts";
import type { Supervision } from "../driver.ts";
import type { TsCompiler, TsLoaderData } from "./ts-loader.ts";

/** How TypeScript gets loaded in this process, decided on first use (registering hooks is process-wide in Node). */
let tsLoading: "hooks" | "native" | null = null;

/** True when esbuild can be imported from here (the repository has it; an installed tsgi does not depend on it). */
function hasEsbuild(): boolean {
  try {
    nodeModule.createRequire(import.meta.url).resolve("esbuild");
    return true;
  } catch {
    return false;
  }
}

/** Node 22.6+ with --experimental-strip-types, and 22.18+ / 23.6+ by default, import .ts files themselves. */
function nodeStripsTypes(): boolean {
  return Boolean((process.features as { typescript?: unknown }).typescript);
}

/** Node 22.13+ offers module.stripTypeScriptTypes, which module hooks can use without a flag. */
function nodeHasStripFunction(): boolean {
  return typeof (nodeModule as { stripTypeScriptTypes?: unknown }).stripTypeScriptTypes === "function";
}

/**
 * Finds the compiled TypeScript loader and registers it: this code runs from one of the build's
 * shared chunks (dist/chunks/, build.mjs); the loader is dist/runtimes/node/ts-loader.js. It emits
 * inline source maps, which Node uses only when source maps are enabled before the module loads.
 */
function registerTsLoader(compiler: TsCompiler): void {
  process.setSourceMapsEnabled(true);
  const here = dirname(fileURLToPath(import.meta.url));
  const loader = join(here, "..", "runtimes", "node", "ts-loader.js");
  if (!existsSync(loader)) throw new Error(`cannot load TypeScript on Node: the loader is missing (looked for ${loader}; run \`npm run build\`)`);
  const data: TsLoaderData = { compiler };
  nodeModule.register(pathToFileURL(loader).href, { data });
}

/** Makes .ts modules loadable, once: esbuild first (today's behaviour in the repository), then Node's own. */
function enableTypeScript(): void {
  if (tsLoading !== null) return;
  if (hasEsbuild()) {
    registerTsLoader("esbuild");
    tsLoading = "hooks";
  } else if (nodeStripsTypes()) {
    tsLoading = "native";
  } else if (nodeHasStripFunction()) {
    registerTsLoader("node");
    tsLoading = "hooks";
  } else {
    throw new UnsupportedModule(
      `Node ${process.version} cannot load TypeScript by itself and esbuild is not installed: run \`npm install esbuild\`, use Node 22.18 or later, or compile the app to JavaScript`,
    );
  }
}

const TS_FILE = /\.(?:ts|mts|tsx)$/;

/** V8 is tuned for serving once, before the first module of the app loads (gc-tuning.ts). */
let gcTuned = false;

/**
 * Node 20's node:net has no reusePort (it came in 22.12 / 23.1), so workers are forked through
 * node:cluster: a worker's listen() then shares one socket that this process holds, which also keeps
 * the port open while workers come and go (a reload never refuses a connection).
 */
async function supervision(): Promise<Supervision> {
  const [{ default: cluster }, { workerOf }, { watchSources }] = await Promise.all([import("node:cluster"), import("../worker-process.ts"), import("../watch.ts")]);
  return {
    spawnWorker(args) {
      cluster.setupPrimary({ exec: process.argv[1], args: [...args], silent: false });
      return workerOf(cluster.fork().process);
    },
    watchSources,
  };
}

export const platform = processPlatform("node", {
  supervision,
  workerListen: "shared",
  async importModule(absPath: string): Promise<Record<string, unknown>> {
    if (!gcTuned) {
      tuneGc();
      gcTuned = true;
    }
    if (TS_FILE.test(absPath)) enableTypeScript();
    return (await import(pathToFileURL(absPath).href)) as Record<string, unknown>;
  },
});
