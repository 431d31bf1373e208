// What a supervisor and its workers say to each other over the worker's message channel, and the
// hidden first argument that makes a process a worker. Types, guards and formatting only: must
// never send, spawn or touch a runtime API.

/** The first argument of a worker's command line: `--tsgi-worker=` and the JSON of its WorkerRole. */
export const WORKER_FLAG = "--tsgi-worker=";

/** Who a worker is: its index (tsgi.worker), generation (tsgi.generation) and, after the first, the binds with the real ports. */
export interface WorkerRole {
  readonly index: number;
  readonly generation: number;
  /** The addresses to listen on instead of every -b, in the same order (the ports the first worker got for port 0). */
  readonly binds?: readonly string[];
}

/** A request a worker is answering: method, path, and when it started (ms since the epoch). */
export type BusyReport = readonly [method: string, path: string, startedAt: number];

export type WorkerMessage =
  /** Listening: the ready line's text, and one URL per address in the order of the binds. */
  | { readonly t: "ready"; readonly url: string; readonly urls: readonly string[] }
  | { readonly t: "failed"; readonly line: string; readonly code: number }
  /** The heartbeat: the event loop runs; what it is serving. */
  | { readonly t: "beat"; readonly inFlight: number; readonly busy: readonly BusyReport[] }
  /** --max-requests reached: asks for a replacement, then to be drained. */
  | { readonly t: "retire"; readonly served: number }
  /**
   * Stopping, its listeners closed: it exits once the supervisor answers "closed-seen". node:cluster
   * may have handed it a connection just before it learnt of the close; such a hand-over reaches
   * the worker before the answer does, and is given back to the supervisor for another worker.
   */
  | { readonly t: "closed" };

export type SupervisorMessage = { readonly t: "stop" } | { readonly t: "closed-seen" };

export function workerArg(role: WorkerRole): string {
  return WORKER_FLAG + JSON.stringify(role);
}

/** The WorkerRole of a worker's command line (its first argument), or null for a plain start. */
export function workerRole(argv: readonly string[]): WorkerRole | null {
  const first = argv[0];
  if (first === undefined || !first.startsWith(WORKER_FLAG)) return null;
  const role = JSON.parse(first.slice(WORKER_FLAG.length)) as WorkerRole;
  return typeof role.index === "number" && typeof role.generation === "number" ? role : null;
}

function isObject(m: unknown): m is { t?: unknown } {
  return typeof m === "object" && m !== null;
}

export function asWorkerMessage(m: unknown): WorkerMessage | null {
  if (!isObject(m)) return null;
  return m.t === "ready" || m.t === "failed" || m.t === "beat" || m.t === "retire" || m.t === "closed" ? (m as WorkerMessage) : null;
}

export function isStop(m: unknown): m is SupervisorMessage {
  return isObject(m) && m.t === "stop";
}

export function isClosedSeen(m: unknown): m is SupervisorMessage {
  return isObject(m) && m.t === "closed-seen";
}

/** "GET /slow (3.2 s), POST /upload (0.4 s)" for a watchdog line; "" when there is none. */
export function describeBusy(busy: readonly BusyReport[], now: number): string {
  return busy.map(([method, path, startedAt]) => `${method} ${path} (${((now - startedAt) / 1000).toFixed(1)} s)`).join(", ");
}
