// A fake Transport and a small driver for unit tests: runs a ServerCore entirely in-process, records
// every write (by reference and as a copy made at write time), end(), destroy() and read pausing,
// and lets a test wait for an event on the transport. It must never sleep or poll: waits resolve on
// a transport event, and the only timer is a safety net that fails the wait with what was written.
import { ServerCore } from "../../src/server/server.ts";
import type { Application } from "../../src/wsgi/types.ts";
import type { CoreOptions } from "../../src/server/options.ts";
import type { ConnectionHandle, Transport } from "../../src/server/transport.ts";

const latin1Decoder = new TextDecoder("latin1");

/** Bytes of a request written as a JS string: each char is one byte (Latin-1). */
export function bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

/** Bytes as a Latin-1 string (one char per byte). */
export function latin1(b: Uint8Array): string {
  return latin1Decoder.decode(b);
}

/** Replace every Date header value so whole outputs can be compared byte for byte. */
export function normaliseDate(s: string): string {
  return s.replace(/\r\nDate: [^\r\n]*\r\n/g, "\r\nDate: X\r\n");
}

/** Safety net for a wait on the fake transport (a failing test reports what it got instead of hanging). */
const WAIT_MS = 2_000;

export type TransportEvent = "write" | "close" | "abort" | "pause" | "resume";

export class FakeTransport implements Transport {
  /** Every write, the array exactly as the core passed it. */
  readonly writes: Uint8Array[] = [];
  /** Every write, copied when it was made (the core must never change a buffer it wrote). */
  readonly copies: Uint8Array[] = [];
  /** What write() returns: false simulates a full socket buffer. */
  writeResult = true;
  /** close() calls (our FIN after the queued bytes). */
  closes = 0;
  /** abort() calls (dropped at once). */
  aborts = 0;
  paused = false;
  /** Every call in order. */
  readonly events: TransportEvent[] = [];
  private waiters: { pred: () => boolean; resolve: () => void }[] = [];

  write(data: Uint8Array): boolean {
    this.writes.push(data);
    this.copies.push(data.slice());
    this.record("write");
    return this.writeResult;
  }
  /** Several parts in one call: each recorded as written, one event. */
  writev(parts: readonly Uint8Array[]): boolean {
    for (const p of parts) {
      this.writes.push(p);
      this.copies.push(p.slice());
    }
    this.record("write");
    return this.writeResult;
  }
  close(): void {
    this.closes++;
    this.record("close");
  }
  abort(): void {
    this.aborts++;
    this.record("abort");
  }
  pauseReading(): void {
    this.paused = true;
    this.record("pause");
  }
  resumeReading(): void {
    this.paused = false;
    this.record("resume");
  }

  /** The transport was closed or aborted. */
  get closed(): boolean {
    return this.closes > 0 || this.aborts > 0;
  }

  /** All bytes written, as Latin-1 text (from the copies). */
  get text(): string {
    let s = "";
    for (const c of this.copies) s += latin1(c);
    return s;
  }

  /** All bytes written, read through the references the core handed over. */
  get textByReference(): string {
    let s = "";
    for (const c of this.writes) s += latin1(c);
    return s;
  }

  /** Resolves once `pred()` holds (checked now and after every transport event). */
  until(pred: () => boolean, what = "condition"): Promise<void> {
    if (pred()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(new Error(`safety net: ${what} not reached; written so far: ${JSON.stringify(this.text)}; events ${this.events.join(",")}`));
      }, WAIT_MS);
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.waiters.push({ pred, resolve: done });
    });
  }

  /** Resolves when the transport is closed or aborted. */
  untilClosed(): Promise<void> {
    return this.until(() => this.closed, "close() or abort()");
  }

  /** Resolves when the transport is closed or the output holds `n` complete final responses. */
  untilClosedOr(n: number, heads: readonly number[] = []): Promise<void> {
    return this.until(() => this.closed || countFinalResponses(this.text, heads) >= n, `close() or ${n} complete responses`);
  }

  /** Resolves when the output holds `n` complete final responses (see countFinalResponses). */
  untilResponses(n: number, heads: readonly number[] = []): Promise<void> {
    return this.until(() => countFinalResponses(this.text, heads) >= n, `${n} complete responses`);
  }

  private record(e: TransportEvent): void {
    this.events.push(e);
    const ready = this.waiters.filter((w) => w.pred());
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => !ready.includes(w));
    for (const w of ready) w.resolve();
  }
}

/**
 * Runs every queued microtask by waiting one macrotask turn (setImmediate). Not a sleep: no time is
 * waited for. The core's only asynchronous work besides its ticker (which acts on timeouts of
 * seconds) is promise and queueMicrotask work, so afterwards it has done all it can without new input.
 */
export function settle(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}

/** Counts the complete final responses at the start of `text` (see finalStatuses). */
export function countFinalResponses(text: string, heads: readonly number[] = []): number {
  return finalStatuses(text, heads).length;
}

/**
 * The statuses of the complete final (non-1xx) responses at the start of `text`. A response without
 * Content-Length or chunked framing is complete only when it has no body (204/304, or a response
 * whose index is in `heads`: those answer HEAD requests).
 */
export function finalStatuses(text: string, heads: readonly number[] = []): number[] {
  const statuses: number[] = [];
  let pos = 0;
  for (;;) {
    const n = statuses.length;
    const end = text.indexOf("\r\n\r\n", pos);
    if (end === -1) return statuses;
    const head = text.slice(pos, end);
    const status = Number(head.slice(9, 12));
    let p = end + 4;
    if (status >= 100 && status < 200) {
      pos = p;
      continue;
    }
    const cl = /\r\ncontent-length: *(\d+)/i.exec(head);
    const noBody = status === 204 || status === 304 || heads.includes(n);
    if (!noBody && cl !== null) {
      p += Number(cl[1]);
      if (p > text.length) return statuses;
    } else if (!noBody && /\r\ntransfer-encoding: *chunked/i.test(head)) {
      for (;;) {
        const lineEnd = text.indexOf("\r\n", p);
        if (lineEnd === -1) return statuses;
        const size = parseInt(text.slice(p, lineEnd), 16);
        p = lineEnd + 2;
        if (size === 0) {
          if (text.length < p + 2) return statuses;
          p += 2;
          break;
        }
        p += size + 2;
        if (p > text.length) return statuses;
      }
    } else if (!noBody) return statuses; // close-delimited: complete only when the connection ends
    statuses.push(status);
    pos = p;
  }
}

export interface Client {
  core: ServerCore;
  transport: FakeTransport;
  handle: ConnectionHandle;
  /** Lines the core logged. */
  logs: string[];
  /** Feed request bytes (a string is taken as Latin-1). */
  send(data: string | Uint8Array): void;
}

/** A fresh ServerCore with one connection on a fake transport. Call `handle.closed()` when done. */
export function connect(app: Application, options: Partial<CoreOptions> = {}): Client {
  const logs: string[] = [];
  const core = new ServerCore(app, { log: (line) => logs.push(line), ...options });
  const transport = new FakeTransport();
  const handle = core.open(transport, { remoteAddress: "192.0.2.1", remotePort: 40000 });
  return {
    core,
    transport,
    handle,
    logs,
    send(data) {
      handle.received(typeof data === "string" ? bytes(data) : data);
    },
  };
}
