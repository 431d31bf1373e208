// The server core: owns the app, the options and the set of open connections; runs one coarse
// ticker for all timeouts and the Date cache; admits or refuses connections; graceful shutdown.
// Must never listen, accept or touch a socket: drivers in runtimes/ do, through Transport.

import type { Application } from "./types.ts";
import type { ConnectionHandle, PeerInfo, Transport } from "./transport.ts";
import type { ServerContext } from "./context.ts";
import type { Exchange } from "./exchange.ts";
import type { ConnectionFacts } from "./environ.ts";
import { type CoreOptions, resolveOptions } from "./options.ts";
import { Connection } from "./connection.ts";
import { LastHead } from "./head.ts";
import { ErrorLog } from "./streams.ts";
import { dateLine } from "./clock.ts";
import { errorResponse } from "./response.ts";
import { encodeLatin1 } from "./bytes.ts";

const IGNORE: ConnectionHandle = { data() {}, drain() {}, end() {}, closed() {} };

export class ServerCore implements ServerContext {
  readonly options: CoreOptions;
  readonly errors: ErrorLog;
  readonly lastHead = new LastHead();
  readonly serverLine: string;
  now = Date.now();
  shuttingDown = false;
  private readonly connections = new Set<Connection>();
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
    this.serverLine = o.serverHeader === "" ? "" : `Server: ${o.serverHeader}\r\n`;
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

  /** A driver accepted a socket. Over the connection limit (or shutting down) it is answered 503 and closed. */
  open(transport: Transport, peer: PeerInfo): ConnectionHandle {
    if (this.shuttingDown || this.connections.size >= this.options.maxConnections) {
      transport.write(errorResponse(503, this.shuttingDown ? "server is shutting down" : "too many connections", this.dateLine() + this.serverLine));
      transport.end();
      return IGNORE;
    }
    if (this.ticker === null) this.startTicker();
    const conn = new Connection(this, transport, peer.remoteAddress, peer.remotePort);
    this.connections.add(conn);
    return conn;
  }

  dateLine(): string {
    return dateLine(this.now);
  }

  private fieldsSecond = -1;
  private dateServer: Uint8Array = new Uint8Array(0);
  private dateOnly: Uint8Array = new Uint8Array(0);
  private serverOnly: Uint8Array | null = null;

  serverFields(withDate: boolean, withServer: boolean): Uint8Array | null {
    if (withDate) {
      const second = Math.floor(this.now / 1000);
      if (second !== this.fieldsSecond) {
        this.fieldsSecond = second;
        this.dateOnly = encodeLatin1(dateLine(this.now));
        this.dateServer = encodeLatin1(dateLine(this.now) + this.serverLine);
      }
      return withServer ? this.dateServer : this.dateOnly;
    }
    if (!withServer || this.serverLine === "") return null;
    return (this.serverOnly ??= encodeLatin1(this.serverLine));
  }

  forget(conn: Connection): void {
    this.connections.delete(conn);
    if (this.connections.size === 0) {
      this.stopTicker();
      if (this.shutdownDone !== null) this.finishShutdown();
    }
  }

  logAccess(ex: Exchange, facts: ConnectionFacts): void {
    const sink = this.options.accessLog;
    if (sink === null) return;
    const h = ex.head;
    const ua = h.values[h.names.indexOf("HTTP_USER_AGENT")] ?? "-";
    const referer = h.values[h.names.indexOf("HTTP_REFERER")] ?? "-";
    const when = new Date(this.now).toISOString();
    sink(`${facts.remoteAddress} - - [${when}] "${h.method} ${h.rawTarget} ${h.protocol}" ${ex.statusCode} ${ex.bytesSent} ${JSON.stringify(referer)} ${JSON.stringify(ua)}`);
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
    for (const c of [...this.connections]) c.shutdown();
    if (this.connections.size === 0) this.finishShutdown();
    else {
      this.graceTimer = setTimeout(() => {
        for (const c of [...this.connections]) c.destroy();
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
