// What every connection of one server shares: the app, the options, the clock, the parser and the
// caches, the log sinks. Types only; ServerCore implements it. Must never contain behaviour.

import type { Application, Environ, ErrorStream } from "../wsgi/types.ts";
import type { StartCache } from "../wsgi/start-response.ts";
import type { RequestHeadParser } from "../http/request-head.ts";
import type { ResponseResources } from "../http/response-writer.ts";
import type { CoreOptions } from "./options.ts";
import type { ForwardingRules } from "./forwarding.ts";
import type { Admission } from "./admission.ts";

/** What the server asks of a connection it tracks. */
export interface TrackedConnection {
  /**
   * Called periodically with the current time: closes or fails what has waited too long. Returns
   * whether it did so (an expiry: an error response, a close), the costly case the server bounds per slice.
   */
  tick(now: number): boolean;
  /** Graceful stop: close now if idle, otherwise after the current response. */
  closeWhenIdle(): void;
  /** Close now. */
  abort(): void;
  /** The request being answered (the application runs or its response is produced), or null. */
  readonly exchange: object | null;
  /** The request being answered, as far as a log line needs it: method, path and when it started (ms). */
  busyWith(): BusyRequest | null;
}

/** A request in flight, for the watchdog's log line (cli/supervisor.ts). */
export interface BusyRequest {
  readonly method: string;
  readonly path: string;
  readonly startedAt: number;
}

export interface ServerContext extends ResponseResources {
  readonly app: Application;
  readonly options: CoreOptions;
  /** Requests started on this server so far (a worker's --max-requests). */
  requestsStarted: number;
  /** The time of the last tick in ms: coarse, cheap, good enough for deadlines. */
  readonly now: number;
  readonly shuttingDown: boolean;
  /** The server's request-head parser, with its caches. */
  readonly parser: RequestHeadParser;
  /** The server's remembered startResponse arguments. */
  readonly starts: StartCache;
  /** Whose forwarding headers count, and what they change. */
  readonly forwarding: ForwardingRules;
  /** --limit-concurrency's admission of requests into the app, or null when there is no limit. */
  readonly admission: Admission | null;
  /** wsgi.errors, shared by all requests. */
  readonly errors: ErrorStream;
  /** A complete error response with this server's fields (without its body for HEAD). */
  errorResponse(status: number, detail: string, omitBody: boolean): Uint8Array;
  /** The access log wants each exchange's duration: a connection notes when each request started. */
  readonly accessTimed: boolean;
  /** One access-log line for a finished exchange (when enabled): status sent, body bytes, response fields, start time (performance.now()). */
  logAccess(environ: Environ, status: number, bytes: number, fields: readonly string[], startedAt: number): void;
  /** The connection is gone. */
  forget(conn: TrackedConnection): void;
}
