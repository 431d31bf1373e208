// The server core: owns the app, the options, the parser and caches every connection shares, and
// the set of open connections; runs one coarse ticker for all timeouts; admits or refuses
// connections; graceful shutdown.
// Must never listen, accept or touch a socket: drivers in runtimes/ do, through Transport.

import type { Application } from "../wsgi/types.ts";
import type { ConnectionHandle, PeerInfo, Transport } from "./transport.ts";
import type { BusyRequest, ServerContext, TrackedConnection } from "./context.ts";
import type { RequestHead } from "../http/request-head.ts";
import type { ConnectionFacts } from "../wsgi/environ.ts";
import { type CoreOptions, resolveOptions } from "./options.ts";
import { Connection } from "./connection.ts";
import { accessLine } from "./access-log.ts";
import { RequestHeadParser } from "../http/request-head.ts";
import { ServerFields } from "../http/server-fields.ts";
import { ChunkSizeLines } from "../http/body-writers.ts";
import { errorResponse } from "../http/error-response.ts";
import { Slab } from "../http/bytes.ts";
import { StartCache } from "../wsgi/start-response.ts";
import { ErrorLog } from "../wsgi/error-stream.ts";

const IGNORE: ConnectionHandle = { received() {}, writable() {}, peerFinished() {}, closed() {} };

export class ServerCore implements ServerContext {
  readonly options: CoreOptions;
  readonly errors: ErrorLog;
  readonly parser: RequestHeadParser;
  readonly starts = new StartCache();
  readonly slab = new Slab();
  readonly sizeLines = new ChunkSizeLines();
  private readonly fields: ServerFields;
  now = Date.now();
  requestsStarted = 0;
  shuttingDown = false;
  private readonly connections = new Set<TrackedConnection>();
  private ticker: ReturnType<typeof setInterval> | null = null;
  private readonly tickMs: number;
  private shutdownDone: (() => void) | null = null;
  private shutdownPromise: Promise<void> | null = null;
  private graceTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    readonly app: Application,
    options: Partial<CoreOptions> = {},
  ) {
    if (typeof app !== "function") throw new TypeError("the application must be a function (environ, startResponse) => body");
    this.options = resolveOptions(options);
    const o = this.options;
    if (/[^\t\x20-\x7e\x80-\xff]/.test(o.serverHeader)) throw new TypeError("serverHeader: only tab, printable ASCII and Latin-1 characters are allowed in a header value");
    this.errors = new ErrorLog(o.log);
    this.parser = new RequestHeadParser(o);
    this.fields = new ServerFields(o.serverHeader);
    const positive = [o.headTimeout, o.bodyTimeout, o.keepAliveTimeout, o.responseTimeout].filter((t) => t > 0);
    this.tickMs = Math.max(10, Math.min(1000, Math.floor(Math.min(...positive, 4000) / 4)));
  }

  /** The listening address, for environ SERVER_NAME and SERVER_PORT. */
  setAddress(serverName: string, serverPort: string): void {
    this.options.serverName = serverName;
    this.options.serverPort = serverPort;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Requests being answered now (at most one per connection). */
  get requestsInFlight(): number {
    let n = 0;
    for (const c of this.connections) if (c.exchange !== null) n++;
    return n;
  }

  /** The requests being answered now, at most `limit` of them (for a watchdog's report; not on the hot path). */
  busyRequests(limit: number): BusyRequest[] {
    const out: BusyRequest[] = [];
    for (const c of this.connections) {
      if (out.length >= limit) break;
      const busy = c.busyWith();
      if (busy !== null) out.push(busy);
    }
    return out;
  }

  /** A driver accepted a socket. Over the connection limit (or shutting down) it is answered 503 and closed. */
  open(transport: Transport, peer: PeerInfo): ConnectionHandle {
    if (this.shuttingDown || this.connections.size >= this.options.maxConnections) {
      transport.write(this.errorResponse(503, this.shuttingDown ? "server is shutting down" : "too many connections", false));
      transport.close();
      return IGNORE;
    }
    if (this.ticker === null) this.startTicker();
    const conn = new Connection(this, transport, peer.remoteAddress, peer.remotePort);
    this.connections.add(conn);
    return conn;
  }

  serverFields(withDate: boolean, withServer: boolean): Uint8Array | null {
    return this.fields.get(this.now, withDate, withServer);
  }

  errorResponse(status: number, detail: string, omitBody: boolean): Uint8Array {
    return errorResponse(status, detail, this.serverFields(true, true), omitBody);
  }

  forget(conn: TrackedConnection): void {
    this.connections.delete(conn);
    if (this.connections.size === 0) {
      this.stopTicker();
      if (this.shutdownDone !== null) this.finishShutdown();
    }
  }

  logAccess(head: RequestHead, facts: ConnectionFacts, status: number, bytes: number): void {
    const sink = this.options.accessLog;
    if (sink !== null) sink(accessLine(head, facts, status, bytes, this.now));
  }

  /**
   * Graceful stop (the driver has stopped accepting): idle connections close now, busy ones after their
   * current response; after shutdownTimeout the rest are closed. Resolves when none is left.
   */
  shutdown(): Promise<void> {
    if (this.shutdownPromise !== null) return this.shutdownPromise;
    this.shuttingDown = true;
    this.shutdownPromise = new Promise<void>((resolve) => {
      this.shutdownDone = resolve;
    });
    for (const c of [...this.connections]) c.closeWhenIdle();
    if (this.connections.size === 0) this.finishShutdown();
    else {
      this.graceTimer = setTimeout(() => {
        for (const c of [...this.connections]) c.abort();
      }, this.options.shutdownTimeout);
    }
    return this.shutdownPromise;
  }

  private finishShutdown(): void {
    if (this.graceTimer !== null) clearTimeout(this.graceTimer);
    this.graceTimer = null;
    const done = this.shutdownDone;
    this.shutdownDone = null;
    this.stopTicker();
    done?.();
  }

  private startTicker(): void {
    this.now = Date.now();
    this.ticker = setInterval(() => {
      const now = (this.now = Date.now());
      for (const c of this.connections) c.tick(now);
    }, this.tickMs);
  }

  private stopTicker(): void {
    if (this.ticker !== null) clearInterval(this.ticker);
    this.ticker = null;
  }
}
