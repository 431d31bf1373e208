// The library entry on Bun, chosen by package.json's "bun" condition: the exports of
// runtimes/index.ts with Bun's driver, so nothing looks at globalThis to pick a runtime.
// Must never hold logic of its own (serve-with.ts has it).

import type { Application } from "../../src/wsgi/types.ts";
import type { Driver, Listener, RuntimeName } from "../driver.ts";
import { type ServeOptions, serveWith } from "../serve-with.ts";
import { driver } from "./driver.ts";

export type * from "../public-types.ts";
export { createCore } from "../serve-with.ts";
export { readTls } from "../tls-files.ts";

/** Which runtime this code runs on: Bun, as the condition that chose this file says. */
export function detectRuntime(): RuntimeName {
  return "bun";
}

/** Bun's driver. */
export async function loadDriver(): Promise<Driver> {
  return driver;
}

/** Serves `app` on Bun and resolves once it is listening (see runtimes/index.ts). */
export function serve(app: Application, options: ServeOptions = {}): Promise<Listener> {
  return serveWith(loadDriver, app, options);
}
