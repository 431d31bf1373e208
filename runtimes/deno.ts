// The Deno driver: Deno.listen connections feed the core, plus Deno's Platform for serve.ts.
// Must never parse HTTP or keep per-request state (that is the core's job); only moves bytes,
// applies backpressure and closes connections. Every promise here is awaited inside a try, so
// a reset or a closed socket can never become an unhandled rejection.

import { nextTick } from "node:process";
import type { ServerCore } from "../src/server.ts";
import type { ConnectionHandle, Transport } from "../src/transport.ts";
import { formatBind, listenerUrl, type Bind } from "../src/cli.ts";
import type { Listener, Platform, SignalName } from "./serve.ts";
import { LINGER_QUIET_MS, lingerLeft } from "./linger.ts";
import { describeListenError } from "./listen-error.ts";
import { errorText } from "../src/errors.ts";
import { allocBytes } from "../src/bytes.ts";

// The few Deno APIs used here, declared locally: tsc runs with Bun and Node types only.
interface DenoNetAddr {
  transport: string;
  hostname?: string;
  port?: number;
  path?: string;
}
export interface DenoConn {
  read(p: Uint8Array): Promise<number | null>;
  write(p: Uint8Array): Promise<number>;
  closeWrite(): Promise<void>;
  close(): void;
  readonly remoteAddr: DenoNetAddr;
  setNoDelay?(noDelay?: boolean): void;
}
interface DenoListener {
  accept(): Promise<DenoConn>;
  close(): void;
  readonly addr: DenoNetAddr;
}
interface DenoApi {
  listen(options: { hostname: string; port: number; transport?: "tcp" } | { path: string; transport: "unix" }): DenoListener;
  readonly args: string[];
  cwd(): string;
  statSync(path: string): { isFile: boolean };
  removeSync(path: string): void;
  readonly stdout: { writeSync(p: Uint8Array): number };
  readonly stderr: { writeSync(p: Uint8Array): number };
  exit(code?: number): never;
  addSignalListener(signal: SignalName, handler: () => void): void;
}
declare const Deno: DenoApi;

/** Outgoing bytes queued here before write() reports backpressure. */
const HIGH_WATER = 64 * 1024;
/**
 * A connection's read buffer: an idle connection waits with a small one (a pending read holds it:
 * memory per idle keep-alive connection); a read that fills it doubles it, up to READ_MAX.
 */
const READ_MIN = 2048;
const READ_MAX = 128 * 1024;
/**
 * writev(), and the pump for chunks queued behind a write, join parts up to STAGING_SIZE bytes in
 * all into a reused staging buffer (one op instead of several): Deno has no gathered write, and a
 * fresh array costs more to allocate and zero than the copy (2.3 vs 0.5 us for 64 KiB). Buffers are
 * sized to the need (16 KiB steps) and kept, up to STAGING_POOL bytes in all, for the next joins:
 * with 64 clients every write of a round can be in flight at once. 64 KiB responses, 64 clients:
 * 47k req/s with a fresh joined array per response, 59k with 16 kept 128 KiB buffers, 60-63k now.
 */
const STAGING_SIZE = 128 * 1024;
const STAGING_STEP = 16 * 1024;
const STAGING_POOL = 4 * 1024 * 1024;
/** At most this many kept buffers (bounds the search for one that fits). */
const STAGING_KEPT = 64;
const staging: Uint8Array[] = [];
let stagingBytes = 0;

/** A staging buffer of at least `total` bytes: a kept one that fits, or a new one. */
function takeStaging(total: number): Uint8Array {
  for (let i = staging.length - 1; i >= 0; i--) {
    const buf = staging[i]!;
    if (buf.length >= total) {
      staging[i] = staging[staging.length - 1]!;
      staging.pop();
      stagingBytes -= buf.length;
      return buf;
    }
  }
  return new Uint8Array(Math.ceil(total / STAGING_STEP) * STAGING_STEP);
}

/** A staging buffer whose write is done: kept for the next join while the pool has room. */
function releaseStaging(buf: Uint8Array): void {
  if (stagingBytes + buf.length > STAGING_POOL || staging.length >= STAGING_KEPT) return;
  staging.push(buf);
  stagingBytes += buf.length;
}

const OPEN = 0; // normal
const ENDING = 1; // end() called: writing what is queued, then FIN
const LINGER = 2; // FIN sent: reading and discarding until the peer's FIN
const CLOSED = 3;

// Each connection reads into its own buffer, reused from read to read, and what arrived is copied
// into memory the core may keep (allocBytes: small copies share slabs): fresh memory per read is
// what arrived, not the size of the read buffer (fresh memory costs page faults, zeroing and GC on Deno).

/** buf[0, n) copied into memory nobody else will write. */
function copyOut(buf: Uint8Array, n: number): Uint8Array {
  const out = allocBytes(n);
  out.set(n === buf.length ? buf : buf.subarray(0, n));
  return out;
}

export class DenoConnection implements Transport {
  handle: ConnectionHandle | null = null;
  state = OPEN;
  peerEnded = false;
  paused = false;
  /** Resolves the read loop's wait while paused. */
  wake: (() => void) | null = null;
  writing = false;
  /** Chunks waiting behind the write in progress. */
  queue: Uint8Array[] | null = null;
  queued = 0;
  needDrain = false;
  /** The staging buffer the write in progress comes from (see writev). */
  staged: Uint8Array | null = null;
  lingerTimer: ReturnType<typeof setTimeout> | null = null;
  lingerStart = 0;
  lastInput = 0;

  constructor(
    readonly conn: DenoConn,
    readonly log: (line: string) => void,
  ) {}

  write(data: Uint8Array): boolean {
    if (this.state !== OPEN) return false;
    this.queued += data.length;
    if (this.writing) (this.queue ??= []).push(data);
    else {
      this.writing = true;
      void this.pump(data);
    }
    if (this.queued < HIGH_WATER) return true;
    this.needDrain = true;
    return false;
  }

  /**
   * Several parts at once. With nothing being written, they are copied into one staging buffer
   * (returned to the pool once written) and leave in one write; otherwise they queue as write() does.
   */
  writev(parts: readonly Uint8Array[]): boolean {
    let total = 0;
    for (const p of parts) total += p.length;
    if (this.state !== OPEN || this.writing || total > STAGING_SIZE) {
      let ok = true;
      for (const p of parts) ok = this.write(p);
      return ok;
    }
    return this.write(this.stage(parts, parts.length, total));
  }

  /**
   * The first `count` of `parts` (`total` bytes, at most STAGING_SIZE) joined in a staging buffer,
   * which the pump returns to the pool once written.
   */
  stage(parts: readonly Uint8Array[], count: number, total: number): Uint8Array {
    const buf = takeStaging(total);
    let o = 0;
    for (let i = 0; i < count; i++) {
      buf.set(parts[i]!, o);
      o += parts[i]!.length;
    }
    this.staged = buf;
    return buf.subarray(0, total);
  }

  /** Writes `first`, then whatever was queued meanwhile, until nothing is left. */
  async pump(first: Uint8Array): Promise<void> {
    const conn = this.conn;
    let chunk = first;
    try {
      for (;;) {
        let off = 0;
        while (off < chunk.length) {
          off += await conn.write(off === 0 ? chunk : chunk.subarray(off));
          if (this.state === CLOSED) return;
          if (this.state === ENDING) this.handle?.drain(); // progress while ending: see Connection.tick
        }
        this.queued -= chunk.length;
        const stage = this.staged;
        if (stage !== null && chunk.buffer === stage.buffer) {
          this.staged = null;
          releaseStaging(stage);
        }
        const queue = this.queue;
        if (queue === null) break;
        // As many queued chunks as fit in a staging buffer leave in one write.
        let count = 0;
        let bytes = 0;
        while (count < queue.length && bytes + queue[count]!.length <= STAGING_SIZE) bytes += queue[count++]!.length;
        if (count <= 1) chunk = queue.shift()!;
        else {
          chunk = this.stage(queue, count, bytes);
          queue.splice(0, count);
        }
        if (queue.length === 0) this.queue = null;
      }
    } catch {
      this.closeNow();
      return;
    }
    this.writing = false;
    if (this.state === ENDING) {
      void this.sendFin();
      return;
    }
    if (this.needDrain && this.state === OPEN && this.handle !== null) {
      this.needDrain = false;
      try {
        this.handle.drain();
      } catch (err) {
        this.fail(err);
      }
    }
  }

  /** Reads until EOF, error or close; what each read got is copied out for the core; holds back while paused. */
  async readLoop(): Promise<void> {
    const conn = this.conn;
    let buf = new Uint8Array(READ_MIN);
    let small = 0; // reads in a row that filled less than a quarter of buf
    for (;;) {
      let n: number | null;
      try {
        n = await conn.read(buf);
      } catch {
        this.closeNow();
        return;
      }
      if (this.state === CLOSED) return;
      if (n === null) {
        this.peerEnded = true;
        if (this.state === LINGER) this.closeNow();
        else if (this.state === OPEN && this.handle !== null) {
          try {
            this.handle.end();
          } catch (err) {
            this.fail(err);
          }
        }
        return;
      }
      if (n === 0) continue;
      if (this.state !== OPEN) {
        // After end(): discard until the peer's FIN.
        if (this.state === LINGER) this.lastInput = Date.now();
        continue;
      }
      const bytes = copyOut(buf, n);
      // A full read doubles the buffer; four reads in a row that fill less than a quarter of it halve
      // it (a pending read holds its buffer, so an idle connection must end up with a small one; a
      // busy one must not reallocate on every request).
      if (n === buf.length) {
        small = 0;
        if (n < READ_MAX) buf = new Uint8Array(n * 2);
      } else if (n >= buf.length >> 2) small = 0;
      else if (++small >= 4 && buf.length > READ_MIN) {
        small = 0;
        buf = new Uint8Array(buf.length >> 1);
      }
      while (this.paused && this.state === OPEN) await new Promise<void>((resolve) => (this.wake = resolve));
      const state: number = this.state; // may have changed while paused
      if (state === CLOSED) return;
      if (state !== OPEN || this.handle === null) continue;
      try {
        this.handle.data(bytes);
      } catch (err) {
        this.fail(err);
      }
    }
  }

  end(): void {
    if (this.state !== OPEN) return;
    this.state = ENDING;
    this.unpause();
    if (!this.writing) void this.sendFin();
  }

  /** Everything is written: FIN, then wait for the peer's (reading and discarding) or close at once if it came. */
  async sendFin(): Promise<void> {
    if (this.peerEnded) {
      this.closeNow();
      return;
    }
    this.state = LINGER;
    try {
      await this.conn.closeWrite();
    } catch {
      this.closeNow();
      return;
    }
    if (this.state !== LINGER) return;
    this.lingerStart = this.lastInput = Date.now();
    this.lingerTimer = setTimeout(lingerCheck, LINGER_QUIET_MS, this);
  }

  destroy(): void {
    this.closeNow();
  }

  /** Closes the connection (dropping anything queued) and reports closed() from a microtask. */
  closeNow(): void {
    if (this.state === CLOSED) return;
    this.state = CLOSED;
    this.queue = null;
    if (this.lingerTimer !== null) clearTimeout(this.lingerTimer);
    this.lingerTimer = null;
    try {
      this.conn.close();
    } catch {}
    this.unpause();
    queueMicrotask(() => this.deliverClosed());
  }

  pauseReading(): void {
    if (this.state === OPEN) this.paused = true;
  }

  resumeReading(): void {
    this.unpause();
  }

  unpause(): void {
    this.paused = false;
    const wake = this.wake;
    if (wake !== null) {
      this.wake = null;
      wake();
    }
  }

  /** A throw from the core is a bug there: log it and drop this connection, never the process. */
  fail(err: unknown): void {
    this.log(`tsgi: internal error on a connection: ${errorText(err)}`);
    this.closeNow();
  }

  deliverClosed(): void {
    const handle = this.handle;
    this.handle = null;
    if (handle === null) return;
    try {
      handle.closed();
    } catch (err) {
      this.log(`tsgi: internal error on close: ${errorText(err)}`);
    }
  }
}

function lingerCheck(conn: DenoConnection): void {
  const now = Date.now();
  const wait = lingerLeft(conn.lastInput, conn.lingerStart, now);
  conn.lingerTimer = null;
  if (wait <= 0) conn.closeNow();
  else conn.lingerTimer = setTimeout(lingerCheck, wait, conn);
}

function accept(core: ServerCore, conn: DenoConn): void {
  const c = new DenoConnection(conn, core.options.log);
  const addr = conn.remoteAddr;
  try {
    conn.setNoDelay?.(true);
  } catch {}
  try {
    c.handle = core.open(c, { remoteAddress: addr.hostname ?? "", remotePort: addr.port ?? 0 });
  } catch (err) {
    c.fail(err);
    return;
  }
  if (c.state === CLOSED) return;
  void c.readLoop();
}

/** Deno error names of an accept that failed because the peer already went away. */
const PEER_GONE = new Set(["NotConnected", "ConnectionReset", "ConnectionAborted"]);

async function acceptLoop(core: ServerCore, listener: DenoListener, isClosed: () => boolean): Promise<void> {
  for (;;) {
    let conn: DenoConn;
    try {
      conn = await listener.accept();
    } catch (err) {
      if (isClosed()) return;
      // A connection reset before it was accepted concerns that connection only.
      if (err instanceof Error && PEER_GONE.has(err.name)) continue;
      // Out of file descriptors and the like: say so, wait a little, keep serving.
      core.options.log(`tsgi: error: accept failed: ${err instanceof Error ? err.message : String(err)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
      continue;
    }
    accept(core, conn);
  }
}


/** Starts listening; resolves once bound (with the real port when port 0 was asked for). */
export async function listen(core: ServerCore, bind: Bind): Promise<Listener> {
  let listener: DenoListener;
  let actual: Bind = bind;
  try {
    listener = bind.kind === "unix" ? Deno.listen({ transport: "unix", path: bind.path }) : Deno.listen({ hostname: bind.host, port: bind.port, transport: "tcp" });
  } catch (err) {
    throw Object.assign(new Error(`cannot listen on ${formatBind(bind)}: ${describeListenError(err)}`), { cause: err });
  }
  if (bind.kind === "tcp") {
    const port = listener.addr.port ?? bind.port;
    actual = { kind: "tcp", host: bind.host, port };
    core.setAddress(bind.host, String(port));
  } else core.setAddress(bind.path, "");
  let closed = false;
  void acceptLoop(core, listener, () => closed);
  let closing: Promise<void> | null = null;
  return {
    url: listenerUrl(actual),
    close(): Promise<void> {
      if (closing === null) {
        closed = true;
        try {
          listener.close();
        } catch {}
        if (bind.kind === "unix") {
          try {
            Deno.removeSync(bind.path);
          } catch {}
        }
        closing = core.shutdown();
      }
      return closing;
    },
  };
}

// ---- Platform ------------------------------------------------------------------------------

const encoder = new TextEncoder();

function writeAll(out: { writeSync(p: Uint8Array): number }, text: string): void {
  let bytes = encoder.encode(text);
  while (bytes.length > 0) bytes = bytes.subarray(out.writeSync(bytes));
}

/** An absolute path as a file: URL (the URL setter percent-encodes what needs it). */
function fileUrl(absPath: string): string {
  const url = new URL("file:///");
  url.pathname = absPath;
  return url.href;
}

export const platform: Platform = {
  // Deno's node:process nextTick runs after the microtask queue drains, as on Node and Bun (measured).
  afterMicrotasks: (task: () => void) => nextTick(task),
  runtime: "deno",
  argv: () => [...Deno.args],
  cwd: () => Deno.cwd(),
  isFile(path: string): boolean {
    try {
      return Deno.statSync(path).isFile;
    } catch {
      return false;
    }
  },
  stdout: (line: string) => writeAll(Deno.stdout, line + "\n"),
  stderr: (line: string) => writeAll(Deno.stderr, line + "\n"),
  exit: (code: number): never => Deno.exit(code),
  onSignal: (signal: SignalName, fn: () => void) => Deno.addSignalListener(signal, fn),
  async importModule(absPath: string): Promise<Record<string, unknown>> {
    return (await import(fileUrl(absPath))) as Record<string, unknown>;
  },
};
