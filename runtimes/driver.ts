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
  /**
   * Present where it serves TLS (SIGHUP's certificate reload): connections accepted from now on get
   * `material`, established ones keep theirs. Rejects with a TlsError when the runtime refuses the
   * new material, and the old one stays in use.
   */
  reloadTls?(material: TlsMaterial): Promise<void>;
}

export type RuntimeName = "bun" | "deno" | "node";
export type SignalName = "SIGINT" | "SIGTERM";
/** The signals a supervisor acts on besides stopping: reload, one worker more, one fewer. */
export type ControlSignal = "SIGHUP" | "SIGTTIN" | "SIGTTOU";
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
  /** How many CPUs this process may use (`--workers auto`). */
  cpuCount(): number;
  /** Calls `fn` on each delivery of `signal` (a supervisor's reload and worker-count signals). */
  onSignal(signal: ControlSignal, fn: () => void): void;
  /**
   * How workers listen on one address: "shared" (Node: node:cluster hands every worker the socket
   * the supervisor holds; a port 0 is the same port for all) or "reuse-port"
   * (Bun, Deno: each binds its own socket with SO_REUSEPORT, TCP only, so the workers after the
   * first need the real port).
   */
  readonly workerListen: "shared" | "reuse-port";
  /**
   * What only a supervisor needs, loaded on the first call: Deno then loads the node: compatibility
   * modules behind it (child processes, file watching), which a single server or a worker never
   * does, and its heap stays smaller (a major GC's cost grows with the live heap).
   */
  supervision(): Promise<Supervision>;
  /** In a worker process, the channel to its supervisor; null when this process has none. */
  supervisor(): SupervisorChannel | null;
}

/** A supervisor's process facilities (Platform.supervision). */
export interface Supervision {
  /**
   * Starts this program again as a worker process with `args` as its user arguments, with a message
   * channel to it; its stdout and stderr are this process's. Node forks through node:cluster, so the
   * workers' listeners share one socket; Bun and Deno start a plain child that listens with reusePort.
   */
  spawnWorker(args: readonly string[]): WorkerProcess;
  /** Calls `fn` with the file's name when .ts/.js/.mjs files under `dir` change (`--reload`; runtimes/watch.ts). */
  watchSources(dir: string, fn: (file: string) => void): void;
}

/** A worker process as its supervisor sees it. Messages are plain JSON-like objects. */
export interface WorkerProcess {
  readonly pid: number;
  send(message: object): void;
  onMessage(fn: (message: unknown) => void): void;
  /** Called once when the process has ended: its exit code, or the signal that ended it. */
  onExit(fn: (code: number | null, signal: string | null) => void): void;
  kill(signal: "SIGKILL" | "SIGTERM" | "SIGUSR1"): void;
}

/** A worker's channel to its supervisor. */
export interface SupervisorChannel {
  /** Sends a message; `sent` is called once it has left (or could not be sent). */
  send(message: object, sent?: () => void): void;
  onMessage(fn: (message: unknown) => void): void;
  /** Called once when the supervisor is gone (the channel closed). */
  onDisconnect(fn: () => void): void;
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
  /**
   * Several processes listen on this address (workers): Bun and Deno set SO_REUSEPORT; a Node
   * worker shares its supervisor's socket through node:cluster and needs nothing.
   */
  shared?: boolean;
}

/** What each runtime's driver provides. */
export interface Driver {
  listen(core: ServerCore, bind: Bind, options?: ListenOptions): Promise<Listener>;
  readonly platform: Platform;
}
