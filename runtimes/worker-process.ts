// Worker processes through Node's process API, which Node, Bun and Deno all provide: a child started
// with a message channel (node:child_process with "ipc"), and the common parts of a worker seen from
// its supervisor (the channel as the child sees it is parent-channel.ts). Loaded only by a
// supervisor (Platform.supervision). Must never decide when to start or stop a worker
// (cli/supervisor.ts does) and never parse arguments.

import { type ChildProcess, spawn } from "node:child_process";
import type { WorkerProcess } from "./driver.ts";

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
