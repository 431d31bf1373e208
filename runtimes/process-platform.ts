// The Platform of a runtime that offers Node's `process` and `node:fs` (Node itself, and Bun, which
// implements them): argv, files, output, exit, signals and importing by file URL. Each of those
// runtimes' platform.ts adds what is its own. Must never touch sockets or parse arguments, and
// never write to stdout or stderr in a way that can block the event loop or throw.

import { close, open, openSync, statSync, write } from "node:fs";
import { availableParallelism } from "node:os";
import { isatty } from "node:tty";
import { pathToFileURL } from "node:url";
import type { Platform, RuntimeName } from "./driver.ts";
import { LogSink, type StreamWriter, drainBoth, standardSinks } from "./log-sink.ts";
import { type FileApi, type FileHandle, openFileLog } from "./log-file.ts";
import { parentChannel } from "./parent-channel.ts";

function fileHandle(fd: number): FileHandle {
  return {
    write: (bytes) => new Promise((resolve, reject) => write(fd, bytes, 0, bytes.length, null, (e, n) => (e === null ? resolve(n) : reject(e)))),
    close: () => close(fd, () => {}),
  };
}

/** Log files through node:fs: opened with O_APPEND, written through the thread pool. */
const FILES: FileApi = {
  openSync: (path) => fileHandle(openSync(path, "a", 0o644)),
  open: (path) => new Promise((resolve, reject) => open(path, "a", 0o644, (e, fd) => (e === null ? resolve(fileHandle(fd)) : reject(e)))),
};

/**
 * Writes to a file descriptor through the thread pool (fs.write), so a terminal that blocks, or a
 * pipe nobody reads, holds up a pool thread and never the event loop. A descriptor in non-blocking
 * mode (Node makes a pipe so once process.stdout is used) answers EAGAIN when full: try again later.
 */
function fdWriter(fd: number): StreamWriter {
  return {
    write(bytes: Uint8Array, done: (error: unknown) => void): void {
      let wait = 0;
      const step = (): void => {
        write(fd, bytes, 0, bytes.length, null, (error, n) => {
          if (error !== null) {
            if (error.code !== "EAGAIN" && error.code !== "EWOULDBLOCK") return done(error);
            wait = Math.min(wait * 2 || 1, 100);
            setTimeout(step, wait);
            return;
          }
          wait = 0;
          bytes = bytes.subarray(n);
          if (bytes.length === 0) done(null);
          else step();
        });
      };
      step();
    },
  };
}

export function processPlatform(runtime: RuntimeName, own: Partial<Platform> = {}): Platform {
  const sinks = standardSinks(() => {
    // A closed pipe that an application's own console output runs into must not be an unhandled
    // 'error' event, which ends the process.
    for (const stream of [process.stdout, process.stderr]) stream.on("error", () => {});
    return { stdout: new LogSink("stdout", fdWriter(1), !isatty(1)), stderr: new LogSink("stderr", fdWriter(2), !isatty(2)) };
  });
  return {
    runtime,
    afterMicrotasks: (task: () => void) => process.nextTick(task),
    argv: () => process.argv.slice(2),
    cwd: () => process.cwd(),
    isFile(path: string): boolean {
      try {
        return statSync(path).isFile();
      } catch (e) {
        // Not allowed to look (EACCES, EPERM) is not "missing": say so.
        const code = (e as { code?: unknown }).code;
        if (code === "EACCES" || code === "EPERM") throw e;
        return false;
      }
    },
    pid: process.pid,
    openLog: (path: string) => openFileLog(path, FILES, sinks().stderr),
    onReopen(fn) {
      process.on("SIGUSR1", fn);
    },
    stdout: (line: string) => sinks().stdout.line(line),
    stderr: (line: string) => sinks().stderr.line(line),
    async exit(code: number): Promise<never> {
      await drainBoth(sinks());
      return process.exit(code);
    },
    onStop(fn) {
      process.on("SIGINT", () => fn("SIGINT"));
      process.on("SIGTERM", () => fn("SIGTERM"));
    },
    async importModule(absPath: string): Promise<Record<string, unknown>> {
      return (await import(pathToFileURL(absPath).href)) as Record<string, unknown>;
    },
    cpuCount: availableParallelism,
    onSignal(signal, fn) {
      process.on(signal, fn);
    },
    async supervision() {
      const [{ spawnWithChannel }, { watchSources }] = await Promise.all([import("./worker-process.ts"), import("./watch.ts")]);
      return {
        // The same runtime and script again (Bun: `bun serve.ts`; Node overrides this with node:cluster).
        spawnWorker: (args) => spawnWithChannel(process.execPath, [process.argv[1]!, ...args]),
        watchSources,
      };
    },
    supervisor: parentChannel,
    workerListen: "reuse-port",
    ...own,
  };
}
