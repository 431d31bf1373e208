// The server core: owns the app, the options, the parser and caches every connection shares, and
// the set of open connections; runs one coarse ticker for all timeouts; admits or refuses
// connections; graceful shutdown.
// Must never listen, accept or touch a socket: drivers in runtimes/ do, through Transport.

import type { Application } from "../wsgi/types.ts";
import type { ConnectionHandle, PeerInfo, Transport } from "./transport.ts";
import type { BusyRequest, ServerContext, TrackedConnection } from "./context.ts";
import type { Environ } from "../wsgi/types.ts";
import type { RequestHead } from "../http/request-head.ts";
import type { ConnectionFacts } from "../wsgi/environ.ts";
import { type CoreOptions, resolveOptions } from "./options.ts";
import { Connection } from "./connection.ts";
import { type AccessFormat, compileAccessFormat } from "./access-log.ts";
import { type Site, type SiteAddress, connectionFacts, makeSite } from "./site.ts";
import { RequestHeadParser } from "../http/request-head.ts";
import { ServerFields } from "../http/server-fields.ts";
import { ChunkSizeLines } from "../http/body-writers.ts";
import { errorResponse } from "../http/error-response.ts";
import { Slab } from "../http/bytes.ts";
import { StartCache } from "../wsgi/start-response.ts";
import { ErrorLog } from "../wsgi/error-stream.ts";
import { ForwardingRules } from "./forwarding.ts";
import { TrustedProxies } from "./trusted-proxies.ts";
import { Admission } from "./admission.ts";

const IGNORE: ConnectionHandle = { received() {}, writable() {}, peerFinished() {}, closed() {} };
/**
 * Timeouts acted on (error responses, closes) in one slice of a tick; the rest of the connections
 * are judged in the next slice, after a macrotask turn, so that the I/O of everyone else gets in
 * between: thousands of connections expiring together must not stop the event loop.
 */
const EXPIRIES_PER_SLICE = 16;
/** Distinct error responses kept per second (the details are fixed phrases; a few are in use at once). */
const ERROR_CACHE_SIZE = 16;

export class ServerCore implements ServerContext {
  readonly options: CoreOptions;
  readonly errors: ErrorLog;
  readonly parser: RequestHeadParser;
  readonly forwarding: ForwardingRules;
  readonly admission: Admission | null;
  /** The compiled access-log format, or null when there is no access log. */
  private readonly access: AccessFormat | null;
  readonly accessTimed: boolean;
  readonly starts: StartCache = new StartCache();
  readonly slab: Slab = new Slab();
  readonly sizeLines: ChunkSizeLines = new ChunkSizeLines();
  private readonly fields: ServerFields;
  /** The Site of a connection opened without one: the address in the options. */
  private readonly defaultSite: Site;
  now: number = Date.now();
  requestsStarted = 0;
  shuttingDown = false;
  private readonly connections = new Set<TrackedConnection>();
  private ticker: ReturnType<typeof setInterval> | null = null;
  private readonly tickMs: number;
  /** The tick in progress: the connections still to judge, or null between ticks. */
  private sweep: Iterator<TrackedConnection> | null = null;
  /** The next slice of the tick in progress, when one is waiting. */
  private sliceTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly nextSlice = (): void => {
    this.sliceTimer = null;
    this.judgeSlice();
  };
  private shutdownDone: (() => void) | null = null;
  private shutdownPromise: Promise<void> | null = null;
  private graceTimer: ReturnType<typeof setTimeout> | null = null;
  /**
   * Error responses built with the current Date line (it changes once a second), by status, detail
   * and HEAD: a burst of timeouts builds the 408 once. Bounded; the bytes are never modified.
   */
  private readonly errorCache = new Map<string, Uint8Array>();
  private errorCacheFields: Uint8Array | null = null;

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
    this.access = o.accessLog === null ? null : compileAccessFormat(o.accessLogFormat, o.pid);
    this.accessTimed = this.access?.timed ?? false;
    this.forwarding = new ForwardingRules(new TrustedProxies(o.forwardedAllowIps), o);
    this.admission = o.limitConcurrency > 0 ? new Admission(app, o.limitConcurrency, o.backlogRequests) : null;
    this.defaultSite = makeSite(o, { serverName: o.serverName, serverPort: o.serverPort });
    const positive = [o.headTimeout, o.bodyTimeout, o.keepAliveTimeout, o.responseTimeout].filter((t) => t > 0);
    this.tickMs = Math.max(10, Math.min(1000, Math.floor(Math.min(...positive, 4000) / 4)));
  }

  /**
   * The settings of one listener (SERVER_NAME, SERVER_PORT, the scheme), made once when it opens;
   * its driver passes the Site to open() with each connection it accepts.
   */
  site(address: SiteAddress): Site {
    return makeSite(this.options, address);
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

  /** A driver accepted a socket on the listener of `site`. Over the connection limit (or shutting down) it is answered 503 and closed. */
  open(transport: Transport, peer: PeerInfo, site: Site = this.defaultSite): ConnectionHandle {
    if (this.shuttingDown || this.connections.size >= this.options.maxConnections) {
      transport.write(this.errorResponse(503, this.shuttingDown ? "server is shutting down" : "too many connections", false));
      transport.close();
      return IGNORE;
    }
    if (this.ticker === null) this.startTicker();
    const conn = new Connection(this, transport, connectionFacts(site, peer), site);
    this.connections.add(conn);
    return conn;
  }

  serverFields(withDate: boolean, withServer: boolean): Uint8Array | null {
    return this.fields.get(this.now, withDate, withServer);
  }

  errorResponse(status: number, detail: string, omitBody: boolean): Uint8Array {
    const fields = this.serverFields(true, true);
    const cache = this.errorCache;
    if (fields !== this.errorCacheFields) {
      cache.clear();
      this.errorCacheFields = fields;
    }
    const key = omitBody ? `HEAD ${status} ${detail}` : `${status} ${detail}`;
    let bytes = cache.get(key);
    if (bytes === undefined) {
      bytes = errorResponse(status, detail, fields, omitBody);
      if (cache.size < ERROR_CACHE_SIZE) cache.set(key, bytes);
    }
    return bytes;
  }

  forget(conn: TrackedConnection): void {
    this.connections.delete(conn);
    if (this.connections.size === 0) {
      this.stopTicker();
      if (this.shutdownDone !== null) this.finishShutdown();
    }
  }

  logAccess(environ: Environ, status: number, bytes: number, fields: readonly string[], startedAt: number): void {
    const sink = this.options.accessLog;
    const access = this.access;
    if (sink === null || access === null) return;
    const duration = access.timed ? performance.now() - startedAt : 0;
    try {
      sink(access.line({ environ, status, bytes, fields, now: Date.now(), duration }));
    } catch {
      // An app's environ value whose String() throws (%({key}e)s): the line is lost, not the request.
    }
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
        this.admission?.stop(); // a request still waiting must not start only to be dropped
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
      this.now = Date.now();
      // A tick still in progress (many expiries) goes on in its slices; it is not restarted.
      if (this.sweep !== null) return;
      this.sweep = this.connections.values();
      this.judgeSlice();
    }, this.tickMs);
  }

  /**
   * Judges connections of the tick in progress until EXPIRIES_PER_SLICE of them were acted on, then
   * leaves the rest to a later slice. A Set's iterator stays valid while connections come and go.
   */
  private judgeSlice(): void {
    const sweep = this.sweep;
    if (sweep === null) return;
    const now = (this.now = Date.now());
    let budget = EXPIRIES_PER_SLICE;
    for (;;) {
      const next = sweep.next();
      if (next.done === true) {
        if (this.sweep === sweep) this.sweep = null;
        return;
      }
      if (next.value.tick(now) && --budget === 0) break;
    }
    // The connections acted on may have stopped the ticker (the last one gone): then nothing is left to do.
    if (this.sweep === sweep) this.sliceTimer = setTimeout(this.nextSlice, 0);
  }

  private stopTicker(): void {
    if (this.ticker !== null) clearInterval(this.ticker);
    this.ticker = null;
    if (this.sliceTimer !== null) clearTimeout(this.sliceTimer);
    this.sliceTimer = null;
    this.sweep = null;
  }
}
