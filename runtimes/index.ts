// The library entry where no runtime condition chose one (package.json's "default"; the repository's
// own imports): serve(app, options) detects the runtime, loads its driver and starts listening.
// Bun, Deno and Node get <runtime>/index.ts instead, with the same exports, through package.json's
// conditions. Must never name a runtime API itself (the drivers do); it only looks at globalThis to pick one.

import type { Application } from "../src/wsgi/types.ts";
import type { Driver, Listener, RuntimeName } from "./driver.ts";
import { type ServeOptions, serveWith } from "./serve-with.ts";

export type * from "./public-types.ts";
export { createCore } from "./serve-with.ts";
export { readTls } from "./tls.ts";

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
    case "bun":
      return (await import("./bun/driver.ts")).driver;
    case "deno":
      return (await import("./deno/driver.ts")).driver;
    default:
      return (await import("./node/driver.ts")).driver;
  }
}

/**
 * Serves `app` on this runtime and resolves once it is listening.
 *
 *   const server = await serve(app, { bind: "127.0.0.1:0" });
 *   console.log(server.url);
 *   await server.close();
 */
export function serve(app: Application, options: ServeOptions = {}): Promise<Listener> {
  return serveWith(loadDriver, app, options);
}
