// The Deno driver's sockets: Deno.listen (Deno.listenTls for --certfile) connections feed the core;
// a TLS handshake happens on the first read, within the core's head timeout. Deno cannot adopt an
// inherited socket (fd://N is refused), ask for a client certificate, or set the backlog.
// Must never parse HTTP or keep per-request state (that is the core's job); only moves bytes,
// applies backpressure and closes connections. Every promise here is awaited inside a try, so
// a reset or a closed socket can never become an unhandled rejection.

import type { ServerCore } from "../../src/server/server.ts";
import type { Site } from "../../src/server/site.ts";
import { Slab } from "../../src/http/bytes.ts";
import type { Bind } from "../bind.ts";
import type { ListenOptions, Listener } from "../driver.ts";
import { boundAddress, listenFailure, listenerFor, siteFor } from "../listener.ts";
import { type TlsMaterial, TlsError, tlsRefused } from "../tls.ts";
import { HIGH_WATER, SocketConnection } from "../socket-connection.ts";
import { STAGING_MAX, StagingPool, fitsStaging, joinRuns } from "../gather.ts";
import { type DenoConn, type DenoListener, deno } from "./api.ts";
import type { FileSent, FileToSend } from "../../src/server/transport.ts";

export type { DenoConn } from "./api.ts";

/**
 * A connection's read buffer: an idle connection waits with a small one (a pending read holds it:
 * memory per idle keep-alive connection); a read that fills it doubles it, up to READ_MAX.
 */
const READ_MIN = 2048;
const READ_MAX = 128 * 1024;

/**
 * Files up to this size go through Deno's resource pipe (sendFile). The pipe reports nothing until
 * it ends, so a larger file is read by the core instead, whose writes count as progress for the
 * response timeout (a slow client of a large file is not taken for a stalled one).
 */
const PIPE_MAX = 16 * 1024 * 1024;
/**
 * Smaller files are read by the core: setting up the pipe costs more than reading them (bench
 * `static`, a 64 KiB file: 0.75x Deno.serve through the pipe, 1.17x read).
 */
const PIPE_MIN = 1024 * 1024;

const OPEN = 0; // normal
const ENDING = 1; // close() called: writing what is queued, then FIN
const LINGER = 2; // FIN sent: reading and discarding until the peer's FIN
const CLOSED = 3;

/** What all connections of one listener share. */
export interface Shared {
  readonly log: (line: string) => void;
  /** Memory the bytes of each read are copied into (fresh memory per read = what arrived). */
  readonly slab: Slab;
  /** Deno has no gathered write: parts are joined in staging buffers, kept until their write is done. */
  readonly staging: StagingPool;
}

export function sharedState(log: (line: string) => void): Shared {
  return { log, slab: new Slab(), staging: new StagingPool() };
}

export class DenoConnection extends SocketConnection {
  state = OPEN;
  peerEnded = false;
  /** Resolves the read loop's wait while paused. */
  wake: (() => void) | null = null;
  writing = false;
  /** Chunks waiting behind the write in progress. */
  queue: Uint8Array[] | null = null;
  queued = 0;
  needDrain = false;
  /** The staging buffer the write in progress comes from. */
  staged: Uint8Array | null = null;
  /** A file waits for the writes before it to finish. */
  idleWaiter: (() => void) | null = null;

  constructor(
    readonly conn: DenoConn,
    private readonly shared: Shared,
  ) {
    super(shared.log);
  }

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
   * Several parts at once. With nothing being written, they are joined in one staging buffer
   * (returned to the pool once written) and leave in one write; otherwise they queue as write() does.
   */
  writev(parts: readonly Uint8Array[]): boolean {
    if (parts.length === 1) return this.write(parts[0]!);
    let total = 0;
    for (const p of parts) total += p.length;
    if (this.state !== OPEN || this.writing || total > STAGING_MAX) {
      let ok = true;
      for (const p of joinRuns(parts, this.shared.slab)) ok = this.write(p);
      return ok;
    }
    return this.write(this.stage(parts, parts.length, total));
  }

  /** The first `count` of `parts` (`total` bytes) joined in a staging buffer the pump releases once written. */
  stage(parts: readonly Uint8Array[], count: number, total: number): Uint8Array {
    const buf = this.shared.staging.join(parts, count, total);
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
          if (this.state === ENDING) this.deliverWritable(); // progress while ending: see the core's timeouts
        }
        this.queued -= chunk.length;
        const stage = this.staged;
        if (stage !== null && chunk.buffer === stage.buffer) {
          this.staged = null;
          this.shared.staging.release(stage);
        }
        const queue = this.queue;
        if (queue === null) break;
        // As many queued chunks as fit in a staging buffer leave in one write.
        const { count, bytes } = fitsStaging(queue);
        if (count <= 1) chunk = queue.shift()!;
        else {
          chunk = this.stage(queue, count, bytes);
          queue.splice(0, count);
        }
        if (queue.length === 0) this.queue = null;
      }
    } catch {
      this.closeSocket();
      return;
    }
    this.writing = false;
    this.wakeIdle();
    if (this.state === ENDING) {
      void this.sendFin();
      return;
    }
    if (this.needDrain && this.state === OPEN) {
      this.needDrain = false;
      this.deliverWritable();
    }
  }

  /**
   * Sends a file through Deno's resource pipe: the file's readable piped into the connection's
   * writable, both backed by resources, which Deno pumps in Rust (op_pipe) without the bytes
   * entering JavaScript (TLS included: Deno encrypts in Rust). The pipe reads to the end of the
   * file, so only a stretch that ends there is sent this way, and only from PIPE_MIN to PIPE_MAX.
   */
  sendFile(file: FileToSend, queued: Uint8Array[]): Promise<FileSent> | null {
    if (!this.canSendFile(file.size)) return null;
    try {
      const st = deno.statSync(file.path);
      if (!st.isFile || st.size !== file.offset + file.size) return null;
    } catch {
      return null;
    }
    if (queued.length > 0) this.writev(queued);
    return this.pipeFile(file);
  }

  /** The pipe is worth its setup for this size, and the connection can take it. */
  canSendFile(size: number): boolean {
    return this.state === OPEN && size >= PIPE_MIN && size <= PIPE_MAX && this.conn.writable !== undefined;
  }

  private async pipeFile(file: FileToSend): Promise<FileSent> {
    const how = "Deno's resource pipe (op_pipe)";
    if (this.writing) await new Promise<void>((resolve) => (this.idleWaiter = resolve));
    if (this.state !== OPEN) return { sent: 0, direct: 0, how };
    this.writing = true; // close() waits for the pipe, as for a write
    let sent = 0;
    try {
      const f = await deno.open(file.path, { read: true });
      try {
        if (file.offset > 0) await f.seek(file.offset, 0);
        await f.readable.pipeTo(this.conn.writable!, { preventClose: true });
        sent = file.size;
      } finally {
        try {
          f.close(); // the pipe may have closed it already
        } catch {}
      }
    } catch {
      this.closeSocket(); // part of the file may be out: the response cannot be completed
      return { sent: 0, direct: 0, how };
    }
    this.writing = false;
    this.wakeIdle();
    const state: number = this.state; // close() may have come meanwhile
    if (state === ENDING) void this.sendFin();
    return { sent, direct: sent, how };
  }

  /** Releases a file waiting for the writes before it (or for nothing, the connection being gone). */
  wakeIdle(): void {
    const w = this.idleWaiter;
    if (w === null) return;
    this.idleWaiter = null;
    w();
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
        this.closeSocket();
        return;
      }
      if (this.state === CLOSED) return;
      if (n === null) {
        this.peerEnded = true;
        if (this.state === LINGER) this.closeSocket();
        else if (this.state === OPEN) this.deliverPeerFinished();
        return;
      }
      if (n === 0) continue;
      if (this.state !== OPEN) {
        this.noteInput(); // after close(): discard until the peer's FIN
        continue;
      }
      const bytes = this.shared.slab.alloc(n);
      bytes.set(n === buf.length ? buf : buf.subarray(0, n));
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
      if (state === OPEN) this.deliverReceived(bytes);
    }
  }

  close(): void {
    if (this.state !== OPEN) return;
    this.state = ENDING;
    this.unpause();
    if (!this.writing) void this.sendFin();
  }

  /** Everything is written: FIN, then wait for the peer's (reading and discarding) or close at once if it came. */
  async sendFin(): Promise<void> {
    if (this.peerEnded) {
      this.closeSocket();
      return;
    }
    this.state = LINGER;
    try {
      await this.conn.closeWrite();
    } catch {
      this.closeSocket();
      return;
    }
    if (this.state === LINGER) this.startLinger();
  }

  abort(): void {
    this.closeSocket();
  }

  /** Closes the connection (dropping anything queued) and reports closed() from a microtask. */
  closeSocket(): void {
    if (this.state === CLOSED) return;
    this.state = CLOSED;
    this.queue = null;
    this.stopLinger();
    this.wakeIdle();
    try {
      this.conn.close();
    } catch {}
    this.unpause();
    queueMicrotask(() => this.deliverClosed());
  }

  protected get open(): boolean {
    return this.state === OPEN;
  }

  /** The read loop holds back what it reads while paused. */
  protected pauseSocket(): void {}

  protected resumeSocket(): void {
    this.unpause();
  }

  /** Releases the read loop if it is holding back (also on close, whatever the state). */
  unpause(): void {
    this.paused = false;
    const wake = this.wake;
    if (wake !== null) {
      this.wake = null;
      wake();
    }
  }
}

function accept(core: ServerCore, conn: DenoConn, shared: Shared, site: Site): void {
  const c = new DenoConnection(conn, shared);
  const addr = conn.remoteAddr;
  try {
    conn.setNoDelay?.(true);
  } catch {}
  try {
    c.handle = core.open(c, { remoteAddress: addr.hostname ?? "", remotePort: addr.port ?? 0 }, site);
  } catch (err) {
    c.fail(err);
    return;
  }
  if (c.state === CLOSED) return;
  void c.readLoop();
}

/** Deno error names of an accept that failed because the peer already went away. */
const PEER_GONE = new Set(["NotConnected", "ConnectionReset", "ConnectionAborted"]);

async function acceptLoop(core: ServerCore, listener: DenoListener, shared: Shared, site: Site, isClosed: () => boolean): Promise<void> {
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
    accept(core, conn, shared, site);
  }
}

/**
 * Deno.listen, or Deno.listenTls for a TCP listener with TLS settings; bad key or certificate text is
 * a TlsError. A listener that workers share sets `reusePort` (SO_REUSEPORT), which Deno accepts only
 * with `--unstable-net` (Deno 2.9: "Unstable API 'Deno.listen({ reusePort: true })'"): the supervisor
 * starts Deno workers with that flag (platform.ts).
 */
function open(bind: Bind & { kind: "tcp" | "unix" }, tls: TlsMaterial | undefined, shared: boolean): DenoListener {
  if (bind.kind === "unix") return deno.listen({ transport: "unix", path: bind.path });
  const reuse = shared ? { reusePort: true } : {};
  if (tls === undefined) return deno.listen({ hostname: bind.host, port: bind.port, transport: "tcp", ...reuse });
  if (tls.certReqs !== "none") throw new TlsError(`--cert-reqs ${tls.certReqs} is not available on Deno (Deno.listenTls cannot ask for a client certificate); use Bun or Node`);
  try {
    return deno.listenTls({ hostname: bind.host, port: bind.port, transport: "tcp", cert: tls.cert, key: tls.key, alpnProtocols: [...tls.alpn], ...reuse });
  } catch (err) {
    // Deno reads the PEM text only here. Its errors about it are InvalidData (no certificate) or a
    // plain Error (a key it cannot parse, a key of another certificate); an address error has a name of its own.
    if (err instanceof Error && (err.name === "InvalidData" || err.name === "Error")) throw tlsRefused(new Error(err.message.replace(/^unexpected error: /, "")));
    throw err;
  }
}

/** The name of Deno's error for an address in use (the old socket not let go of yet). */
const IN_USE = "AddrInUse";

/** Opens the TLS listener at `at` again (a reload); retries while the closed one still holds the port, a few turns at most. */
async function reopen(at: Bind & { kind: "tcp" }, tls: TlsMaterial): Promise<DenoListener> {
  for (let turn = 0; ; turn++) {
    try {
      return open(at, tls, false);
    } catch (err) {
      if (!(err instanceof Error && err.name === IN_USE) || turn >= 20) throw err;
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  }
}

/** Starts listening; resolves once bound (with the real port when port 0 was asked for). */
export async function listen(core: ServerCore, bind: Bind, options: ListenOptions = {}): Promise<Listener> {
  if (bind.kind === "fd") throw listenFailure(bind, new Error("Deno cannot adopt an inherited socket (Deno.listen takes a host and port or a unix path, not a file descriptor); use Node"));
  if (options.backlog !== undefined) core.options.log("tsgi: warning: --backlog is ignored on Deno (Deno.listen has no backlog setting)");
  let tls = bind.kind === "tcp" ? options.tls : undefined;
  let listener: DenoListener;
  try {
    listener = open(bind, tls, options.shared === true);
  } catch (err) {
    if (err instanceof TlsError) throw err;
    throw listenFailure(bind, err);
  }
  const actual = boundAddress(bind, { port: listener.addr.port });
  const site = siteFor(core, actual, tls !== undefined);
  const shared = sharedState(core.options.log);
  let closed = false;
  let reopening = false;
  let loop = acceptLoop(core, listener, shared, site, () => closed || reopening);
  /**
   * SIGHUP's certificate reload. A Deno.TlsListener cannot change its certificate, and a second
   * listener on the same port needs `reusePort`, which Deno allows only with --unstable-net (and
   * then ends the process when it is missing, rather than throwing). So the listening socket is
   * closed, and opened again on the same port once its pending accept has let go of it (an
   * event-loop turn or two): established connections keep their certificate; a connection attempt
   * in between is refused, and any still in the old socket's accept queue are reset. New material
   * Deno refuses is a TlsError, and the old material is used again.
   */
  const reloadTls =
    tls === undefined || actual.kind !== "tcp"
      ? undefined
      : async (next: TlsMaterial) => {
          if (closed) return;
          reopening = true;
          listener.close();
          await loop;
          let refused: unknown = null;
          try {
            listener = await reopen(actual, next);
            tls = next;
          } catch (err) {
            refused = err;
            listener = await reopen(actual, tls!).catch((again: unknown) => {
              throw listenFailure(actual, again);
            });
          } finally {
            reopening = false;
          }
          // The server began to stop meanwhile: the reopened socket accepts nothing.
          if (closed) {
            listener.close();
            return;
          }
          loop = acceptLoop(core, listener, shared, site, () => closed || reopening);
          if (refused !== null) throw refused instanceof TlsError ? refused : listenFailure(actual, refused);
        };
  return listenerFor(core, bind, actual, site, {
    reloadTls,
    stopAccepting: () => {
      closed = true;
      listener.close();
    },
    removeSocketFile: () => {
      if (bind.kind === "unix") deno.removeSync(bind.path);
    },
  });
}
