// What every connection of one server shares: the app, the options, the clock, the log sinks.
// Types only; ServerCore implements it. Must never contain behaviour.

import type { Application, ErrorStream } from "./types.ts";
import type { CoreOptions } from "./options.ts";
import type { Exchange } from "./exchange.ts";
import type { ConnectionFacts } from "./environ.ts";
import type { Connection } from "./connection.ts";
import type { LastHead } from "./head.ts";

export interface ServerContext {
  readonly app: Application;
  readonly options: CoreOptions;
  /** The time of the last tick in ms: coarse, cheap, good enough for deadlines. */
  readonly now: number;
  readonly shuttingDown: boolean;
  /** The last request head parsed, reused when the next one repeats it byte for byte. */
  readonly lastHead: LastHead;
  /** wsgi.errors, shared by all requests. */
  readonly errors: ErrorStream;
  /** "Server: ...\r\n" or "". */
  readonly serverLine: string;
  /** "Date: ...\r\n" for now. */
  dateLine(): string;
  /** The Date and/or Server fields as bytes (cached per second), or null for neither. */
  serverFields(withDate: boolean, withServer: boolean): Uint8Array | null;
  /** One access-log line for a finished exchange (when enabled). */
  logAccess(ex: Exchange, facts: ConnectionFacts): void;
  /** The connection is gone. */
  forget(conn: Connection): void;
}
