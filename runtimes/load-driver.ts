// Picking this runtime's driver: which runtime the code runs on (by looking at globalThis) and its
// driver, imported on first use. Shared by the library entry (index.ts) and the command line, which
// imports it directly so that it loads nothing else of the library's (readTls's node:fs).
// Must never name a runtime API itself (the drivers do).

import type { Driver, RuntimeName } from "./driver.ts";

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
