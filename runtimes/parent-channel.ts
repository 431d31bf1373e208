// A worker's channel to its supervisor as the worker sees it: the message channel of a process
// started with "ipc" (node:child_process) or forked (node:cluster), through node:process, which Node,
// Bun and Deno all provide. Must never start processes (worker-process.ts does) or decide what a
// message means (cli/worker.ts does).

import process from "node:process";
import type { SupervisorChannel } from "./driver.ts";

/** The channel to the process that started this one with "ipc" (or forked it), or null. */
export function parentChannel(): SupervisorChannel | null {
  if (typeof process.send !== "function") return null;
  return {
    send(message: object, sent?: () => void): void {
      if (!process.connected) return sent?.();
      process.send!(message, undefined, undefined, () => sent?.());
    },
    onMessage(fn): void {
      process.on("message", fn);
    },
    onDisconnect(fn): void {
      process.once("disconnect", fn);
    },
  };
}
