// The library entry: serve(app, options) detects the runtime, loads its driver and starts listening.
// Must never name a runtime API itself (the drivers do); it only looks at globalThis to pick one.

import type { Application } from "../src/wsgi/types.ts";
import type { CoreOptions } from "../src/server/options.ts";
import { ServerCore } from "../src/server/server.ts";
import { DEFAULT_BIND, parseBind } from "./bind.ts";
import type { Driver, ListenOptions, Listener, Platform, RuntimeName } from "./driver.ts";
import { checkingPathLength, listenAll } from "./listener.ts";

export type * from "../src/wsgi/types.ts";
export type { CoreOptions } from "../src/server/options.ts";
export type { Bind } from "./bind.ts";
export type { ListenOptions, Listener } from "./driver.ts";
export { type TlsMaterial, readTls } from "./tls.ts";

/** What serve() accepts: any CoreOptions (times in milliseconds) plus where to listen. */
export type ServeOptions = Partial<CoreOptions> & {
  /** `HOST:PORT`, `[IPV6]:PORT`, `unix:PATH` or `fd://N`, or several; default 127.0.0.1:8888 (port 0: any free port). */
  bind?: string | readonly string[];
  /** TLS, backlog, unix socket file mode (ListenOptions; TLS as PEM text: see runtimes/tls.ts readTls). */
  listen?: ListenOptions;
};

/** Which runtime this code runs on. */
export function detectRuntime(): RuntimeName {
  const g = globalThis as { Bun?: unknown; Deno?: unknown };
  if (g.Bun !== undefined) return "bun";
  if (g.Deno !== undefined) return "deno";
  return "node";
}

/**
 * Loads the driver of the current runtime; its listen() first refuses a unix socket path too long
 * for this OS (listener.ts). The imports are literal so bundlers and Deno's module graph see them.
 */
export async function loadDriver(): Promise<Driver> {
  switch (detectRuntime()) {
    case "bun": {
      const [sockets, platform] = await Promise.all([import("./bun/sockets.ts"), import("./bun/platform.ts")]);
      return { listen: checkingPathLength(sockets.listen), platform: platform.platform };
    }
    case "deno": {
      // Deno binds a relative unix socket path resolved against its working directory.
      const [sockets, platform] = await Promise.all([import("./deno/sockets.ts"), import("./deno/platform.ts")]);
      return { listen: checkingPathLength(sockets.listen, platform.platform), platform: platform.platform };
    }
    default: {
      const [sockets, platform] = await Promise.all([import("./node/sockets.ts"), import("./node/platform.ts")]);
      return { listen: checkingPathLength(sockets.listen), platform: platform.platform };
    }
  }
}

/** The core for `app` on this platform, with the platform's runtime name and scheduler; errors go to its stderr unless `options.log` says otherwise. */
export function createCore(app: Application, options: Partial<CoreOptions>, platform: Platform): ServerCore {
  return new ServerCore(app, { schedule: platform.afterMicrotasks, ...options, log: options.log ?? platform.stderr, runtime: platform.runtime });
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
  const { bind: bindText, listen, ...core } = options;
  const binds = (typeof bindText === "string" ? [bindText] : (bindText ?? [DEFAULT_BIND])).map(parseBind);
  const driver = await loadDriver();
  return await listenAll(driver.listen, createCore(app, core, driver.platform), binds, listen);
}
