// The contract between the library entry / command line and a runtime's driver: what a driver
// exports (listen and its Platform) and what a running listener offers. Types only.
// Must never contain behaviour or name a runtime API.

import type { ServerCore } from "../src/server/server.ts";
import type { Bind } from "./bind.ts";
import type { FileLog } from "./log-file.ts";
import type { TlsMaterial } from "./tls.ts";

/** A running server. */
export interface Listener {
  /** Where it listens: `http://127.0.0.1:41234`, `https://[::1]:8888` or `unix:/tmp/app.sock`; several joined by ", ". */
  readonly url: string;
  /** Each listening address, in the order they were given. */
  readonly urls: readonly string[];
  /** Stops accepting, then shuts down gracefully (in-flight requests finish). Resolves when all connections are closed. */
  close(): Promise<void>;
}

export type RuntimeName = "bun" | "deno" | "node";
export type SignalName = "SIGINT" | "SIGTERM";
/** Why the process is asked to stop: a signal, or (under `bun run`) the parent process went away. */
export type StopCause = SignalName | "parent exited";

/** The few process facilities the command line needs, one implementation per runtime. */
export interface Platform {
  readonly runtime: RuntimeName;
  /** The user's arguments (after the script). */
  argv(): string[];
  cwd(): string;
  /**
   * True when the path names an existing regular file. Throws an Error saying which permission is
   * missing and how to grant it when the runtime may not look.
   */
  isFile(path: string): boolean;
  /**
   * Writes one line (a newline is added), best effort: never blocks and never throws; a stream that
   * is slow or failing drops lines and says so once (runtimes/log-sink.ts). Escape sequences are
   * removed unless the stream is a terminal.
   */
  stdout(line: string): void;
  stderr(line: string): void;
  /** This process's id. */
  readonly pid: number;
  /**
   * Opens a log file for appending (created when missing), written like stdout: best effort, never
   * blocking; a failure is reported once on stderr. Throws the runtime's error when it cannot be opened.
   */
  openLog(path: string): FileLog;
  /** Calls `fn` on each SIGUSR1 (logrotate's signal to reopen log files). */
  onReopen(fn: () => void): void;
  /** Writes what stdout and stderr still hold (waiting about a second at most), then ends the process. */
  exit(code: number): Promise<never>;
  /**
   * Calls `fn` on each SIGINT and SIGTERM, and when the process should stop for another reason
   * (under `bun run`, the parent went away). A launcher that relays a signal the terminal also sent
   * makes two calls for one Ctrl-C: the command line treats calls close together as one.
   */
  onStop(fn: (cause: StopCause) => void): void;
  /** Imports a module by absolute path (on Node, a .ts file is compiled on the fly). */
  importModule(absPath: string): Promise<Record<string, unknown>>;
  /** Runs `task` after the current microtask queue has drained (CoreOptions.schedule). */
  afterMicrotasks(task: () => void): void;
}

/** How to listen, besides where. */
export interface ListenOptions {
  /** Serve HTTPS on TCP and fd:// listeners (a unix socket stays plain HTTP). */
  tls?: TlsMaterial;
  /** The listen(2) backlog, where the runtime lets us set it. */
  backlog?: number;
  /** chmod of a unix socket file once it is bound. */
  socketMode?: number;
  /** The process umask while a unix socket file is created. */
  umask?: number;
}

/** What each runtime's driver provides. */
export interface Driver {
  listen(core: ServerCore, bind: Bind, options?: ListenOptions): Promise<Listener>;
  readonly platform: Platform;
}
