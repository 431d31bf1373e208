// Worker processes through Node's process API, which Node, Bun and Deno all provide: a child started
// with a message channel (node:child_process with "ipc"), the channel as the child sees it, and the
// common parts of a worker seen from its supervisor. Must never decide when to start or stop a
// worker (cli/supervisor.ts does) and never parse arguments.

import { type ChildProcess, spawn } from "node:child_process";
import { availableParallelism } from "node:os";
import process from "node:process";
import type { SupervisorChannel, WorkerProcess } from "./driver.ts";

/** The WorkerProcess of a child started with a message channel. */
export function workerOf(child: ChildProcess): WorkerProcess {
  return {
    pid: child.pid ?? 0,
    send(message: object): void {
      // A worker that is already gone cannot take a message: its exit is reported on its own.
      if (child.connected) child.send(message, (error: Error | null) => void error);
    },
    onMessage(fn): void {
      child.on("message", fn);
    },
    onExit(fn): void {
      child.once("exit", fn);
    },
    kill(signal): void {
      try {
        child.kill(signal);
      } catch {}
    },
  };
}

/** Starts `file` with `args` and a message channel; its stdin, stdout and stderr are ours. */
export function spawnWithChannel(file: string, args: readonly string[]): WorkerProcess {
  return workerOf(spawn(file, [...args], { stdio: ["inherit", "inherit", "inherit", "ipc"] }));
}

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

/** The CPUs this process may use. */
export function cpuCount(): number {
  return availableParallelism();
}
