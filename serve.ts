// The command line: `serve [options] MODULE[:NAME]` loads the app, listens, and stops gracefully on
// SIGINT/SIGTERM. Reads argv, files and signals only through the runtime's Platform (runtimes/).
// Must never parse HTTP or name a runtime API itself.

import { helpText, parseArgs, UsageError, VERSION, type RunArgs } from "./src/cli.ts";
import type { Application } from "./src/types.ts";
import { createCore, loadDriver, type Driver, type Listener, type Platform } from "./runtimes/serve.ts";

/** Thrown to stop startup: the message (without the "tsgi: error: " prefix) and the exit code. */
class Fatal extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

/** cwd + relative path, with "." and ".." segments resolved (POSIX paths). */
function resolvePath(cwd: string, path: string): string {
  const parts: string[] = [];
  for (const seg of (path.startsWith("/") ? path : `${cwd}/${path}`).split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") parts.pop();
    else parts.push(seg);
  }
  return "/" + parts.join("/");
}

/** An error as one line; for an AggregateError (Bun's build errors) its first error, with its position. */
function oneLine(err: unknown): string {
  let text = err instanceof Error ? err.message : String(err);
  const first = (err as { errors?: unknown[] } | null)?.errors?.[0] as { message?: unknown; position?: { file?: unknown; line?: unknown; column?: unknown } } | undefined;
  if (first !== undefined && typeof first.message === "string") {
    const at = first.position;
    text = at && typeof at.file === "string" ? `${at.file}:${String(at.line)}:${String(at.column)}: ${first.message}` : first.message;
  }
  return text.replace(/\s*\n\s*/g, " | ").trim();
}

const DEFAULT_NAMES = ["default", "app", "application"] as const;

/** Picks the application out of the module's exports, or throws Fatal (exit 2). */
function pickApp(mod: Record<string, unknown>, args: RunArgs): Application {
  const exports = Object.keys(mod).sort();
  const listed = `(exports: ${exports.length > 0 ? exports.join(", ") : "none"})`;
  const names = args.exportName !== undefined ? [args.exportName] : DEFAULT_NAMES;
  const present = names.filter((n) => mod[n] !== undefined);
  const app = present.find((n) => typeof mod[n] === "function");
  if (app !== undefined) return mod[app] as Application;
  if (present.length > 0) {
    const value = mod[present[0]];
    throw new Fatal(`${args.module}: export "${present[0]}" is not a function (it is ${value === null ? "null" : `a ${typeof value}`})`, 2);
  }
  const wanted = args.exportName !== undefined ? `"${args.exportName}"` : `"default", "app" or "application"`;
  throw new Fatal(`${args.module} has no export ${wanted} ${listed}`, 2);
}

async function start(driver: Driver, args: RunArgs): Promise<Listener> {
  const platform = driver.platform;
  const path = resolvePath(platform.cwd(), args.module);
  if (!platform.isFile(path)) throw new Fatal(`cannot find module file "${args.module}"`, 2);
  let mod: Record<string, unknown>;
  try {
    mod = await platform.importModule(path);
  } catch (err) {
    throw new Fatal(`cannot load "${args.module}": ${oneLine(err)}`, 1);
  }
  const app = pickApp(mod, args);
  const core = createCore(app, { ...args.core, accessLog: args.accessLog ? platform.stdout : null }, platform);
  try {
    return await driver.listen(core, args.bind);
  } catch (err) {
    throw new Fatal(oneLine(err), 1);
  }
}

/** Stops on the first SIGINT/SIGTERM: stop accepting, finish in-flight requests, exit 0. */
function stopOnSignals(platform: Platform, listener: Listener): void {
  let stopping = false;
  const stop = () => {
    if (stopping) return; // a second signal (often the same Ctrl-C relayed by a parent) changes nothing
    stopping = true;
    listener.close().then(
      () => platform.exit(0),
      (err: unknown) => {
        platform.stderr(`tsgi: error: shutdown failed: ${oneLine(err)}`);
        platform.exit(1);
      },
    );
  };
  platform.onSignal("SIGINT", stop);
  platform.onSignal("SIGTERM", stop);
}

async function main(): Promise<void> {
  const driver = await loadDriver();
  const platform = driver.platform;
  let listener: Listener;
  try {
    const parsed = parseArgs(platform.argv());
    if ("help" in parsed) {
      platform.stdout(helpText());
      return;
    }
    if ("version" in parsed) {
      platform.stdout(`tsgi ${VERSION}`);
      return;
    }
    listener = await start(driver, parsed);
  } catch (err) {
    if (err instanceof UsageError) {
      platform.stderr(`tsgi: error: ${err.message}`);
      platform.exit(2);
    }
    if (err instanceof Fatal) {
      platform.stderr(`tsgi: error: ${err.message}`);
      platform.exit(err.code);
    }
    throw err;
  }
  stopOnSignals(platform, listener);
  platform.stdout(`tsgi: listening on ${listener.url} (${platform.runtime})`);
}

await main();
