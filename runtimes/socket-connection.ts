// What the three drivers' connections share: routing socket events to the core's ConnectionHandle
// (a throw there is a core bug: it drops this connection, never the process), and the lingering
// close after our FIN: keep reading (and discarding) until the peer's FIN, because closing with
// unread bytes makes the kernel send a reset that can destroy the response still in flight (a 413
// to a client that is still uploading, say).
// Must never parse HTTP or keep per-request state, and never name a runtime API (subclasses do).

import type { ConnectionHandle, Transport } from "../src/server/transport.ts";
import { errorText } from "../src/errors.ts";

/** Outgoing bytes a driver holds before write() reports backpressure. */
export const HIGH_WATER = 64 * 1024;
/** After our FIN, close once nothing has arrived for this long... */
const LINGER_QUIET_MS = 300;
/** ...or after this long in all. */
const LINGER_MAX_MS = 2000;

export abstract class SocketConnection implements Transport {
  handle: ConnectionHandle | null = null;
  /** The core asked us to stop delivering bytes. */
  paused = false;
  private lingerTimer: ReturnType<typeof setTimeout> | null = null;
  private lingerStart = 0;
  private lastInput = 0;

  constructor(readonly log: (line: string) => void) {}

  abstract write(data: Uint8Array): boolean;
  abstract writev(parts: readonly Uint8Array[]): boolean;
  abstract close(): void;
  abstract abort(): void;
  /** Closes the socket after our FIN: at the end of lingering, or when the peer's FIN arrives. */
  abstract closeSocket(): void;
  /** Neither close() nor abort() was called: the core may still pause and resume reading. */
  protected abstract get open(): boolean;
  /** Stops and restarts the runtime's reads. */
  protected abstract pauseSocket(): void;
  protected abstract resumeSocket(): void;

  pauseReading(): void {
    if (this.paused || !this.open) return;
    this.paused = true;
    this.pauseSocket();
  }

  resumeReading(): void {
    if (!this.paused || !this.open) return;
    this.paused = false;
    this.resumeSocket();
  }

  // ---- socket events to the core

  deliverReceived(bytes: Uint8Array): void {
    if (this.handle === null) return;
    try {
      this.handle.received(bytes);
    } catch (err) {
      this.fail(err);
    }
  }

  deliverWritable(): void {
    if (this.handle === null) return;
    try {
      this.handle.writable();
    } catch (err) {
      this.fail(err);
    }
  }

  deliverPeerFinished(): void {
    if (this.handle === null) return;
    try {
      this.handle.peerFinished();
    } catch (err) {
      this.fail(err);
    }
  }

  /** The socket is gone: tell the core, once. */
  deliverClosed(): void {
    this.stopLinger();
    const handle = this.handle;
    this.handle = null;
    if (handle === null) return;
    try {
      handle.closed();
    } catch (err) {
      this.log(`tsgi: internal error on close: ${errorText(err)}`);
    }
  }

  /** A throw from the core is a bug there: log it and drop this connection. */
  fail(err: unknown): void {
    this.log(`tsgi: internal error on a connection: ${errorText(err)}`);
    this.abort();
  }

  // ---- lingering close

  /** Our FIN went out: close when the peer has been quiet for a while, or after the limit. */
  startLinger(): void {
    this.lingerStart = this.lastInput = Date.now();
    this.armLinger(LINGER_QUIET_MS);
  }

  /** Bytes arrived while lingering (they are discarded). */
  noteInput(): void {
    if (this.lingerTimer !== null) this.lastInput = Date.now();
  }

  stopLinger(): void {
    if (this.lingerTimer !== null) clearTimeout(this.lingerTimer);
    this.lingerTimer = null;
  }

  private armLinger(ms: number): void {
    const timer = setTimeout(lingerCheck, ms, this);
    (timer as { unref?: () => void }).unref?.();
    this.lingerTimer = timer;
  }

  /** Called by the linger timer. */
  checkLinger(): void {
    const now = Date.now();
    const wait = Math.min(this.lastInput + LINGER_QUIET_MS - now, this.lingerStart + LINGER_MAX_MS - now);
    this.lingerTimer = null;
    if (wait <= 0) this.closeSocket();
    else this.armLinger(wait);
  }
}

function lingerCheck(conn: SocketConnection): void {
  conn.checkLinger();
}
