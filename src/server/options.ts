// Server limits, timeouts and identity, with their defaults. Pure data and a merge function.
// Must never read the environment or argv (the command line does that through runtimes/).

import { DEFAULT_ACCESS_FORMAT } from "./access-log.ts";
import type { ProxyProtocolMode } from "../http/proxy-protocol.ts";

/** Everything the core needs to know besides the app. All sizes in bytes, all times in milliseconds. */
export interface CoreOptions {
  /** Longest request line (method, target, version). Past it: 414. */
  maxRequestLine: number;
  /** Largest request head (request line plus header fields). Past it: 431. */
  maxHeadSize: number;
  /** Most header fields in one request (trailer fields count too). Past it: 431. */
  maxHeaderCount: number;
  /** Largest request body, framed either way. Past it: 413 (before any 100 Continue). */
  maxBodySize: number;
  /** Most open connections; one more is answered 503 and closed. */
  maxConnections: number;
  /** Most requests in the app at once (src/server/admission.ts); 0: no limit. */
  limitConcurrency: number;
  /** With limitConcurrency: most requests waiting for a slot; one more is answered 503 with Retry-After. */
  backlogRequests: number;
  /** A request head must arrive completely within this time of its first byte (slow-loris). */
  headTimeout: number;
  /** While a request body is awaited, some of it must arrive within this time. */
  bodyTimeout: number;
  /** An idle keep-alive connection is closed after this time. */
  keepAliveTimeout: number;
  /** A response that makes no progress (the app produces nothing, the client reads nothing) is ended after this. 0: never. */
  responseTimeout: number;
  /** How long graceful shutdown waits for in-flight requests before closing them. */
  shutdownTimeout: number;
  /** The Server header value; "" sends none. */
  serverHeader: string;
  /** environ SERVER_NAME / SERVER_PORT of a connection opened without a Site (each listener makes its own: ServerCore.site). */
  serverName: string;
  serverPort: string;
  /** environ wsgi.url_scheme. */
  urlScheme: string;
  /** environ SCRIPT_NAME: where the app is mounted; "" for the root. */
  scriptName: string;
  /** environ tsgi.runtime. */
  runtime: string;
  /** environ wsgi.multiprocess. */
  multiprocess: boolean;
  /** environ tsgi.worker: this worker's index (0 when there is one process). */
  worker: number;
  /** environ tsgi.generation: how many reloads (SIGHUP) came before this worker's code was loaded. */
  generation: number;
  /**
   * Whose Forwarded / X-Forwarded-* headers (and PROXY protocol headers) count: comma-separated
   * addresses and CIDR ranges, or "*" for all. A unix socket peer is always trusted.
   */
  forwardedAllowIps: string;
  /** A trusted proxy's forwarded host and port become SERVER_NAME and SERVER_PORT. */
  forwardedHost: boolean;
  /** PROXY protocol headers from the peers of forwardedAllowIps: "off", "v1", "v2" or "auto" (either). */
  proxyProtocol: ProxyProtocolMode;
  /**
   * Where error lines go (wsgi.errors and the server's own messages). One line per call, no newline.
   * Best effort: what it throws is ignored (resolveOptions wraps it), so a failing log never breaks
   * a request; it should not block either.
   */
  log: (line: string) => void;
  /**
   * Whether the server's debug lines (`tsgi: debug: ...`) are made and given to `log`. The command
   * line sets it from --log-level, so that a line nobody reads is never built on a request's path.
   */
  debug: boolean;
  /** Where access-log lines go, or null for none. Wrapped like `log`. */
  accessLog: ((line: string) => void) | null;
  /** The access-log format: gunicorn's `%(atom)s` atoms, or "json" (src/server/access-log.ts). */
  accessLogFormat: string;
  /** This process's id, for the access log's %(p)s. */
  pid: number;
  /**
   * Runs a task once the current microtask queue has drained (the driver supplies its runtime's
   * cheapest such hook). Response bytes produced in one burst, such as an async generator yielding
   * many chunks without real waits, are then written together instead of one write per chunk.
   */
  schedule: (task: () => void) => void;
}

export const DEFAULT_OPTIONS: Readonly<CoreOptions> = Object.freeze({
  maxRequestLine: 8 * 1024,
  maxHeadSize: 16 * 1024,
  maxHeaderCount: 100,
  maxBodySize: 64 * 1024 * 1024,
  maxConnections: 16_384,
  limitConcurrency: 0,
  // gunicorn's --backlog default (the connections a sync worker lets wait); 0 refuses at once, as uvicorn does.
  backlogRequests: 2048,
  headTimeout: 10_000,
  bodyTimeout: 30_000,
  keepAliveTimeout: 5_000,
  responseTimeout: 60_000,
  shutdownTimeout: 30_000,
  serverHeader: "tsgi",
  serverName: "127.0.0.1",
  serverPort: "8888",
  urlScheme: "http",
  scriptName: "",
  runtime: "unknown",
  multiprocess: false,
  forwardedAllowIps: "127.0.0.1,::1",
  forwardedHost: false,
  proxyProtocol: "off",
  worker: 0,
  generation: 0,
  log: (line: string) => console.error(line),
  debug: true,
  accessLog: null,
  accessLogFormat: DEFAULT_ACCESS_FORMAT,
  pid: 0,
  schedule: (task: () => void) => queueMicrotask(task),
});

/** A log function that never throws: logging is best effort and must not break a request. */
function bestEffort(log: (line: string) => void): (line: string) => void {
  return (line: string) => {
    try {
      log(line);
    } catch {
      // Nowhere left to say it: the log itself is what failed.
    }
  };
}

/** Defaults overlaid with whatever the caller set (undefined means "use the default"); the log functions made best effort. */
export function resolveOptions(given: Partial<CoreOptions> = {}): CoreOptions {
  const out: CoreOptions = { ...DEFAULT_OPTIONS };
  for (const key of Object.keys(given) as (keyof CoreOptions)[]) {
    const value = given[key];
    if (value !== undefined) (out as unknown as Record<string, unknown>)[key] = value;
  }
  out.log = bestEffort(out.log);
  if (out.accessLog !== null) out.accessLog = bestEffort(out.accessLog);
  return out;
}
