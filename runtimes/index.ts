// The library entry where no runtime condition chose one (package.json's "default"; the repository's
// own imports): serve(app, options) detects the runtime, loads its driver and starts listening.
// Bun, Deno and Node get <runtime>/index.ts instead, with the same exports, through package.json's
// conditions. Must never name a runtime API itself (the drivers do); it only looks at globalThis to pick one.

import type { Application } from "../src/wsgi/types.ts";
import type { Listener } from "./driver.ts";
import { loadDriver } from "./load-driver.ts";
import { type ServeOptions, serveWith } from "./serve-with.ts";

export type * from "./public-types.ts";
export { createCore } from "./serve-with.ts";
export { readTls } from "./tls-files.ts";
export { detectRuntime, loadDriver } from "./load-driver.ts";

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
