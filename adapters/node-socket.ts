// The socket-ish object of fromNodeHandler's req.socket / res.socket (and .connection): the peer and
// local addresses from environ, `encrypted` on TLS, `readable`/`writable` while the exchange lives
// (on-finished and finalhandler look at them), and destroy(), which ends the exchange. Timeouts,
// Nagle and keep-alive belong to the server: those calls do nothing.
// Must never touch a real socket or a runtime API: the server owns the connection.

import { EventEmitter } from "node:events";
import type { Environ } from "../src/wsgi/types.ts";

export class NodeSocket extends EventEmitter {
  remoteAddress: string | undefined;
  remotePort: number | undefined;
  remoteFamily: string | undefined;
  localAddress: string | undefined;
  localPort: number | undefined;
  encrypted: true | undefined;
  readable = true;
  writable = true;
  destroyed = false;

  constructor(
    environ: Environ,
    private readonly onDestroy: (err?: Error) => void,
  ) {
    super();
    const remote = environ.REMOTE_ADDR;
    this.remoteAddress = remote === "" ? undefined : remote;
    this.remotePort = environ.REMOTE_PORT === "" ? undefined : Number(environ.REMOTE_PORT);
    this.remoteFamily = remote === "" ? undefined : remote.includes(":") ? "IPv6" : "IPv4";
    this.localAddress = environ.SERVER_NAME;
    this.localPort = environ.SERVER_PORT === "" ? undefined : Number(environ.SERVER_PORT);
    if (environ.HTTPS === "on") this.encrypted = true;
  }

  /** The exchange is over: nothing more can be read or written. */
  ended(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.readable = false;
    this.writable = false;
    if (this.listenerCount("close") > 0) this.emit("close", false);
  }

  /** Ends the exchange: before the response started the server answers 500, after it cuts the response. */
  destroy(err?: Error): this {
    if (!this.destroyed) this.onDestroy(err);
    return this;
  }

  end(): this {
    return this.destroy();
  }

  address(): { address: string | undefined; port: number | undefined; family: string } {
    return { address: this.localAddress, port: this.localPort, family: this.localAddress?.includes(":") ? "IPv6" : "IPv4" };
  }

  setTimeout(_ms: number, _callback?: () => void): this {
    return this;
  }
  setNoDelay(_noDelay?: boolean): this {
    return this;
  }
  setKeepAlive(_enable?: boolean, _delay?: number): this {
    return this;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
  pause(): this {
    return this;
  }
  resume(): this {
    return this;
  }
}
