// Deno's Platform for the command line: argv, files, output, signals, exit, module loading and the
// after-microtasks hook. Must never touch sockets (sockets.ts does) or parse arguments, and never
// write to stdout or stderr in a way that can block the event loop or throw.

import { nextTick } from "node:process";
import type { Platform, StopCause, Supervision } from "../driver.ts";
import { type DenoStdStream, deno } from "./api.ts";
import { LogSink, type StreamWriter, drainBoth, standardSinks } from "../log-sink.ts";
import { type FileApi, openFileLog } from "../log-file.ts";
import { parentChannel } from "../parent-channel.ts";

/** Log files through Deno's own files (asynchronous writes run off the event loop). */
const APPEND = { append: true, create: true, mode: 0o644 } as const;
const FILES: FileApi = {
  openSync: (path) => deno.openSync(path, APPEND),
  open: (path) => deno.open(path, APPEND),
};

/** Deno's asynchronous writes to stdout and stderr run off the event loop (measured with a pipe nobody reads). */
function streamWriter(stream: DenoStdStream): StreamWriter {
  return {
    write(bytes: Uint8Array, done: (error: unknown) => void): void {
      const writeAll = async (): Promise<void> => {
        while (bytes.length > 0) bytes = bytes.subarray(await stream.write(bytes));
      };
      writeAll().then(() => done(null), done);
    },
  };
}

/** stdout and stderr as log sinks, made on first use. */
const logSinks = standardSinks(() => ({
  stdout: new LogSink("stdout", streamWriter(deno.stdout), !deno.stdout.isTerminal()),
  stderr: new LogSink("stderr", streamWriter(deno.stderr), !deno.stderr.isTerminal()),
}));

/** An absolute path as a file: URL (the URL setter percent-encodes what needs it). */
function fileUrl(absPath: string): string {
  const url = new URL("file:///");
  url.pathname = absPath;
  return url.href;
}

/** The permissions a Deno worker may be given: those this process holds in whole. */
const PERMISSIONS = ["read", "write", "net", "env", "run", "sys", "ffi"] as const;

/**
 * The command line of a Deno worker: this process's permissions where they are granted in whole
 * (`--allow-net`, ...; one granted for a list of hosts or paths cannot be read back and is not passed
 * on), `--unstable-net` for Deno.listen's reusePort (sockets.ts), then serve.ts and `args`.
 */
function workerArgv(script: string, args: readonly string[]): string[] {
  const flags = PERMISSIONS.filter((name) => {
    try {
      return deno.permissions.querySync({ name }).state === "granted";
    } catch {
      return false;
    }
  }).map((name) => `--allow-${name}`);
  return ["run", ...flags, "--unstable-net", script, ...args];
}

/**
 * Worker processes and file watching through Deno's node: compatibility, loaded by a supervisor
 * only: a single server or a worker keeps to node:process, and its heap stays about 1.2 MB smaller.
 */
async function supervision(): Promise<Supervision> {
  const [{ spawnWithChannel }, { watchSources }, { fileURLToPath }] = await Promise.all([import("../worker-process.ts"), import("../watch.ts"), import("node:url")]);
  const script = fileURLToPath(deno.mainModule);
  return { spawnWorker: (args) => spawnWithChannel(deno.execPath(), workerArgv(script, args)), watchSources };
}

export const platform: Platform = {
  // Deno's node:process nextTick runs after the microtask queue drains, as on Node and Bun (measured).
  afterMicrotasks: (task: () => void) => nextTick(task),
  runtime: "deno",
  argv: () => [...deno.args],
  cwd: () => deno.cwd(),
  isFile(path: string): boolean {
    try {
      return deno.statSync(path).isFile;
    } catch (e) {
      // Without --allow-read (NotCapable) or refused by the system (PermissionDenied): say so, with
      // Deno's own words, which name the flag to add.
      if (e instanceof deno.errors.NotCapable || e instanceof deno.errors.PermissionDenied) throw e;
      return false;
    }
  },
  pid: deno.pid,
  openLog: (path: string) => openFileLog(path, FILES, logSinks().stderr),
  onReopen(fn: () => void): void {
    deno.addSignalListener("SIGUSR1", fn);
  },
  stdout: (line: string) => logSinks().stdout.line(line),
  stderr: (line: string) => logSinks().stderr.line(line),
  async exit(code: number): Promise<never> {
    await drainBoth(logSinks());
    return deno.exit(code);
  },
  onStop(fn: (cause: StopCause) => void): void {
    deno.addSignalListener("SIGINT", () => fn("SIGINT"));
    deno.addSignalListener("SIGTERM", () => fn("SIGTERM"));
  },
  async importModule(absPath: string): Promise<Record<string, unknown>> {
    return (await import(fileUrl(absPath))) as Record<string, unknown>;
  },
  // The CPUs this process may use (its affinity mask), as node:os availableParallelism counts them.
  cpuCount: () => navigator.hardwareConcurrency,
  onSignal(signal, fn): void {
    deno.addSignalListener(signal, fn);
  },
  supervision,
  supervisor: parentChannel,
  workerListen: "reuse-port",
};
