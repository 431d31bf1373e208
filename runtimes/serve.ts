// The library entry: serve(app, options) detects the runtime, loads its driver and starts listening.
// Also the types every driver implements (Listener, Platform, Driver). Must never name a runtime API
// itself: that is the drivers' job; it only looks at globalThis to pick one.

import type { Application } from "../src/types.ts";
import type { CoreOptions } from "../src/options.ts";
import { DEFAULT_BIND, parseBind } from "../src/cli.ts";
import type { Bind } from "../src/cli.ts";
import { ServerCore } from "../src/server.ts";

export type * from "../src/types.ts";
export type { CoreOptions } from "../src/options.ts";
export type { Bind } from "../src/cli.ts";

/** What serve() accepts: any CoreOptions (times in milliseconds) plus where to listen. */
export type ServeOptions = Partial<CoreOptions> & {
  /** `HOST:PORT`, `[IPV6]:PORT` or `unix:PATH`; default 127.0.0.1:8888 (port 0: any free port). */
  bind?: string;
};

/** A running server. */
export interface Listener {
  /** Where it listens: `http://127.0.0.1:41234`, `http://[::1]:8888` or `unix:/tmp/app.sock`. */
  readonly url: string;
  /** Stops accepting, then shuts down gracefully (in-flight requests finish). Resolves when all connections are closed. */
  close(): Promise<void>;
}

export type RuntimeName = "bun" | "deno" | "node";
export type SignalName = "SIGINT" | "SIGTERM";

/** The few process facilities serve.ts needs, one implementation per runtime. */
export interface Platform {
  readonly runtime: RuntimeName;
  /** The user's arguments (after the script). */
  argv(): string[];
  cwd(): string;
  /** True when the path names an existing regular file. */
  isFile(path: string): boolean;
  /** Writes one line (a newline is added). */
  stdout(line: string): void;
  stderr(line: string): void;
  exit(code: number): never;
  onSignal(signal: SignalName, fn: () => void): void;
  /** Imports a module by absolute path (on Node, a .ts file is compiled on the fly). */
  importModule(absPath: string): Promise<Record<string, unknown>>;
  /** Runs `task` after the current microtask queue has drained (CoreOptions.schedule). */
  afterMicrotasks(task: () => void): void;
}

/** What each of runtimes/{bun,deno,node}.ts exports. */
export interface Driver {
  listen(core: ServerCore, bind: Bind): Promise<Listener>;
  platform: Platform;
}

/** Which runtime this code runs on. */
export function detectRuntime(): RuntimeName {
  const g = globalThis as { Bun?: unknown; Deno?: unknown };
  if (g.Bun !== undefined) return "bun";
  if (g.Deno !== undefined) return "deno";
  return "node";
}

/** Loads the driver of the current runtime. The imports are literal so bundlers and Deno's module graph see them. */
export async function loadDriver(): Promise<Driver> {
  switch (detectRuntime()) {
    case "bun":
      return await import("./bun.ts");
    case "deno":
      return await import("./deno.ts");
    default:
      return await import("./node.ts");
  }
}

/** The core for `app` on this platform, with the platform's runtime name and scheduler. */
export function createCore(app: Application, options: Partial<CoreOptions>, platform: Platform): ServerCore {
  return new ServerCore(app, { schedule: platform.afterMicrotasks, ...options, runtime: platform.runtime });
}

/**
 * Serves `app` on this runtime and resolves once it is listening.
 *
 *   const server = await serve(app, { bind: "127.0.0.1:0" });
 *   console.log(server.url);
 *   await server.close();
 */
export async function serve(app: Application, options: ServeOptions = {}): Promise<Listener> {
  if (typeof app !== "function") throw new TypeError("serve(app): app must be a function (environ, startResponse) => body");
  const { bind: bindText, ...core } = options;
  const bind = parseBind(bindText ?? DEFAULT_BIND);
  const driver = await loadDriver();
  return await driver.listen(createCore(app, core, driver.platform), bind);
}
