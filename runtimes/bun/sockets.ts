// The Bun driver's sockets: Bun.listen sockets (with `tls` for --certfile) feed the core. Bun.listen
// cannot adopt an inherited socket (fd://N is refused) and has no backlog setting.
// Must never parse HTTP or keep per-request state (that is the core's job); only moves bytes,
// applies backpressure and closes sockets.
//
// Bun's socket.write() is unbuffered: it returns how many bytes the kernel took (possibly fewer,
// or -1 when closed). The rest is kept here and written from the `drain` callback. Bun calls the
// `close` handler synchronously from socket.end(), so closed() is delivered from a microtask when
// we caused it, never from inside a Transport call the core is making.

import type { Socket, SocketHandler, TLSOptions } from "bun";
import { existsSync, unlinkSync } from "node:fs";
import type { ServerCore } from "../../src/server/server.ts";
import type { Site } from "../../src/server/site.ts";
import { Slab } from "../../src/http/bytes.ts";
import type { Bind } from "../bind.ts";
import type { ListenOptions, Listener } from "../driver.ts";
import { boundAddress, listenFailure, listenerFor, siteFor } from "../listener.ts";
import { type TlsMaterial, listenerTls, subjectText, tlsRefused } from "../tls.ts";
import { HIGH_WATER, SocketConnection } from "../socket-connection.ts";
import { STAGING_MAX, StagingPool, joinRuns } from "../gather.ts";
import type { FileSent, FileToSend } from "../../src/server/transport.ts";
import { type Sendfile, loadSendfile, pumpFile } from "./sendfile.ts";

const OPEN = 0; // normal
const ENDING = 1; // close() called: flushing what is queued, then FIN
const LINGER = 2; // FIN sent: reading and discarding until the peer's FIN
const CLOSED = 3;

type BunSocket = Socket<BunConnection | undefined>;

/** What all connections of one listener share. */
interface Shared {
  readonly log: (line: string) => void;
  readonly slab: Slab;
  /** Bun has no gathered write and socket.write() is synchronous: parts are joined in a staging buffer that is free again on return. */
  readonly staging: StagingPool;
  /** The listener's TLS settings, when it speaks TLS (replaced by a certificate reload). */
  tls: TlsMaterial | undefined;
  /** The listener's Site: set once Bun.listen returned, before any connection opens. */
  site?: Site;
  /** sendfile(2) for file bodies (sendfile.ts), null where it cannot be had. */
  readonly sendfile: Sendfile | null;
}

class BunConnection extends SocketConnection {
  state = OPEN;
  peerEnded = false;
  /** Set while we call into the socket, whose close handler may then run synchronously. */
  calling = false;
  /** Chunks the kernel has not taken yet; the first is written from `offset`. */
  queue: Uint8Array[] | null = null;
  offset = 0;
  queued = 0;
  needDrain = false;
  /** A file being sent waits for the queue to empty (sendfile.ts). */
  fileWaiter: (() => void) | null = null;

  constructor(
    readonly socket: BunSocket,
    private readonly shared: Shared,
  ) {
    super(shared.log);
  }

  write(data: Uint8Array): boolean {
    if (this.state !== OPEN) return false;
    if (this.queue === null) {
      this.calling = true;
      const n = this.socket.write(data);
      this.calling = false;
      if (n === data.length) return true;
      if (n < 0) return false; // closing; the close handler reports it
      this.queue = [data];
      this.offset = n;
      this.queued = data.length - n;
    } else {
      this.queue.push(data);
      this.queued += data.length;
    }
    return this.belowMark();
  }

  /** Several parts in one write, joined in a staging buffer (see Shared.staging). */
  writev(parts: readonly Uint8Array[]): boolean {
    if (parts.length === 1) return this.write(parts[0]!);
    let total = 0;
    for (const p of parts) total += p.length;
    if (this.state !== OPEN || this.queue !== null || total > STAGING_MAX) {
      let ok = true;
      for (const p of joinRuns(parts, this.shared.slab)) ok = this.write(p);
      return ok;
    }
    const staging = this.shared.staging;
    const buf = staging.join(parts, parts.length, total);
    this.calling = true;
    const n = this.socket.write(buf, 0, total);
    this.calling = false;
    if (n !== total && n >= 0) {
      this.queue = [buf.slice(n, total)];
      this.offset = 0;
      this.queued = total - n;
    }
    staging.release(buf);
    if (n < 0) return false; // closing; the close handler reports it
    return this.belowMark();
  }

  private belowMark(): boolean {
    if (this.queued < HIGH_WATER) return true;
    this.needDrain = true;
    return false;
  }

  /** Writes queued bytes (from the drain callback). True when the queue is empty. */
  flushQueue(): boolean {
    const queue = this.queue;
    if (queue === null) return true;
    const socket = this.socket;
    let i = 0;
    this.calling = true;
    try {
      while (i < queue.length) {
        const chunk = queue[i]!;
        const len = chunk.length - this.offset;
        const n = socket.write(chunk, this.offset, len);
        if (n < 0) return false;
        this.queued -= n;
        if (n < len) {
          this.offset += n;
          return false;
        }
        this.offset = 0;
        i++;
      }
    } finally {
      this.calling = false;
      if (i > 0) {
        if (i === queue.length) this.queue = null;
        else queue.splice(0, i);
      }
    }
    return true;
  }

  /** Sends a file with sendfile(2) (plain sockets on Linux); null on TLS or without it. */
  sendFile(file: FileToSend, queued: Uint8Array[]): Promise<FileSent> | null {
    const sendfile = this.shared.sendfile;
    if (sendfile === null || !this.canSendFile()) return null;
    return pumpFile(sendfile, this.fd, this, file, queued);
  }

  /** sendfile(2) is loaded, the socket is plain and open, and its fd is known (any size is worth it). */
  canSendFile(): boolean {
    return this.shared.sendfile !== null && this.shared.tls === undefined && this.state === OPEN && this.fd >= 0;
  }

  /** The socket's file descriptor, or -1 when Bun does not say. */
  private get fd(): number {
    const fd = (this.socket as unknown as { fd?: unknown }).fd;
    return typeof fd === "number" ? fd : -1;
  }

  /** For pumpFile: bytes wait in the queue. */
  get backlogged(): boolean {
    return this.queue !== null;
  }

  /** For pumpFile: the connection can still send. */
  get open(): boolean {
    return this.state === OPEN;
  }

  /** For pumpFile: resolves once the queue is written (from the drain callback) or the socket is gone. */
  drained(): Promise<void> {
    if (this.queue === null || this.state !== OPEN) return Promise.resolve();
    return new Promise<void>((resolve) => (this.fileWaiter = resolve));
  }

  /** Releases a file waiting for the queue (drained, or the socket is gone). */
  wakeFile(): void {
    const w = this.fileWaiter;
    if (w === null) return;
    this.fileWaiter = null;
    w();
  }

  close(): void {
    if (this.state !== OPEN) return;
    this.state = ENDING;
    if (this.queue === null) this.sendFin();
  }

  /** Everything is written: FIN, then wait for the peer's (reading and discarding) or close at once if it came. */
  sendFin(): void {
    if (this.peerEnded) {
      this.closeSocket();
      return;
    }
    this.state = LINGER;
    const socket = this.socket;
    this.calling = true;
    socket.shutdown();
    if (this.paused) {
      this.paused = false;
      socket.resume();
    }
    this.calling = false;
    this.startLinger();
  }

  closeSocket(): void {
    if (this.state === CLOSED) return;
    this.state = CLOSED;
    this.queue = null;
    this.calling = true;
    this.socket.end();
    this.calling = false;
  }

  /** Drop what is queued and close at once (terminate, not end). */
  abort(): void {
    if (this.state === CLOSED) return;
    this.state = CLOSED;
    this.queue = null;
    this.stopLinger();
    this.calling = true;
    this.socket.terminate();
    this.calling = false;
  }

  protected pauseSocket(): void {
    this.socket.pause();
  }

  protected resumeSocket(): void {
    this.socket.resume();
  }
}

function deliverClosedTask(this: BunConnection): void {
  this.deliverClosed();
}

function openConnection(core: ServerCore, shared: Shared, socket: BunSocket, peerCert: string | undefined): void {
  const conn = new BunConnection(socket, shared);
  socket.data = conn;
  // No setNoDelay here: Bun sets TCP_NODELAY on every accepted socket itself (seen with strace, Bun 1.4).
  conn.calling = true;
  try {
    conn.handle = core.open(conn, { remoteAddress: socket.remoteAddress ?? "", remotePort: socket.remotePort ?? 0, peerCert }, shared.site!);
  } catch (err) {
    conn.fail(err);
  }
  conn.calling = false;
}

/** The client sent a certificate (getPeerCertificate() gives an empty object when it did not). */
function hasCertificate(socket: BunSocket): boolean {
  const cert = socket.getPeerCertificate();
  return cert !== null && typeof cert === "object" && Object.keys(cert).length > 0;
}

function handlers(core: ServerCore, shared: Shared): SocketHandler<BunConnection | undefined> {
  return {
    open(socket) {
      if (shared.tls !== undefined) {
        // TLS: the core meets the connection once the handshake is done (handshake below); until
        // then the head timeout is the socket's own.
        socket.timeout(Math.max(1, Math.ceil(core.options.headTimeout / 1000)));
        return;
      }
      openConnection(core, shared, socket, undefined);
    },
    handshake(socket, success, authorizationError) {
      socket.timeout(0);
      // A refused or unverifiable client certificate (with --cert-reqs optional, one that was sent).
      if (!success || (authorizationError !== null && hasCertificate(socket))) {
        socket.terminate();
        return;
      }
      openConnection(core, shared, socket, shared.tls !== undefined && shared.tls.certReqs !== "none" && hasCertificate(socket) ? subjectText(socket.getPeerCertificate().subject) : undefined);
    },
    timeout(socket) {
      // Only armed while a TLS handshake is pending.
      if (socket.data === undefined) socket.terminate();
    },
    data(socket, bytes) {
      // Bun hands over a fresh buffer per callback (checked: each has its own ArrayBuffer), so the core may keep it.
      const conn = socket.data;
      if (conn === undefined) return;
      if (conn.state !== OPEN) conn.noteInput();
      else conn.deliverReceived(bytes);
    },
    drain(socket) {
      const conn = socket.data;
      if (conn === undefined || conn.state === CLOSED || conn.state === LINGER) return;
      const flushed = conn.flushQueue();
      if (conn.state === ENDING) {
        if (flushed) conn.sendFin();
        else conn.deliverWritable(); // progress: the core times a client that stops taking the last bytes
        return;
      }
      if (flushed && conn.fileWaiter !== null) {
        conn.wakeFile();
        conn.deliverWritable(); // progress for the core's response timeout
        return;
      }
      if (!flushed || !conn.needDrain) return;
      conn.needDrain = false;
      conn.deliverWritable();
    },
    end(socket) {
      const conn = socket.data;
      if (conn === undefined) return;
      conn.peerEnded = true;
      if (conn.state === LINGER) conn.closeSocket();
      else if (conn.state === OPEN) conn.deliverPeerFinished();
      // ENDING: the FIN goes out once the queue is written, and then the socket closes.
    },
    close(socket) {
      const conn = socket.data;
      if (conn === undefined) return;
      conn.state = CLOSED;
      conn.queue = null;
      conn.stopLinger();
      conn.wakeFile();
      if (conn.calling) queueMicrotask(deliverClosedTask.bind(conn));
      else conn.deliverClosed();
    },
    error(socket, err) {
      // Only reached when a handler above throws despite its guard; the socket is dropped.
      shared.log(`tsgi: socket error: ${err.message}`);
      socket.data?.closeSocket();
    },
  };
}

/**
 * SO_REUSEPORT for a listener that workers share. Bun.listen takes `reusePort` on Linux (checked
 * with Bun 1.4.5: a second listener on the port then binds, without it "address in use"), though
 * its types list it only for Bun.serve.
 */
function reusePort(options: ListenOptions): object {
  return options.shared === true ? { reusePort: true } : {};
}

/**
 * Bun.listen's tls option for our settings; bad key or certificate text is a TlsError. node:tls is
 * imported here, for a TLS listener only (its import alone costs every server ~70 KB of heap, 1.3 MB RSS).
 */
async function tlsOptions(material: TlsMaterial): Promise<TLSOptions> {
  const { createSecureContext } = await import("node:tls");
  const options: TLSOptions = { ...listenerTls(material), ALPNProtocols: encodeAlpn(material.alpn) };
  try {
    // Bun.listen refuses bad text too, but in words that cannot be told from an address error.
    createSecureContext({ key: material.key, cert: material.cert, ca: material.ca });
  } catch (err) {
    throw tlsRefused(err);
  }
  return options;
}

/** ALPN's wire form: each protocol name preceded by its length. */
function encodeAlpn(protocols: readonly string[]): Uint8Array {
  const bytes: number[] = [];
  for (const p of protocols) bytes.push(p.length, ...Array.from(p, (c) => c.charCodeAt(0)));
  return new Uint8Array(bytes);
}

/** Starts listening; resolves once bound (with the real port when port 0 was asked for). */
export async function listen(core: ServerCore, bind: Bind, options: ListenOptions = {}): Promise<Listener> {
  if (bind.kind === "fd") throw listenFailure(bind, new Error("Bun cannot adopt an inherited socket (Bun.listen takes a host and port or a unix path, not a file descriptor); use Node"));
  if (options.backlog !== undefined) core.options.log("tsgi: warning: --backlog is ignored on Bun (Bun.listen has no backlog setting)");
  const material = bind.kind === "tcp" ? options.tls : undefined;
  const tls = material === undefined ? undefined : await tlsOptions(material);
  const shared: Shared = { log: core.options.log, slab: new Slab(), staging: new StagingPool(), tls: material, sendfile: material === undefined ? await loadSendfile() : null };
  const socket = handlers(core, shared);
  const listenTcp = (host: string, port: number, tls: TLSOptions | undefined) =>
    Bun.listen<BunConnection | undefined>({ hostname: host, port, allowHalfOpen: true, socket, tls, ...reusePort(options) });
  let server: { port?: number; stop(closeActive?: boolean): void };
  try {
    server = bind.kind === "unix" ? Bun.listen<BunConnection | undefined>({ unix: bind.path, allowHalfOpen: true, socket }) : listenTcp(bind.host, bind.port, tls);
  } catch (err) {
    throw listenFailure(bind, err);
  }
  const actual = boundAddress(bind, { port: server.port });
  shared.site = siteFor(core, actual, material !== undefined);
  /**
   * SIGHUP's certificate reload. Bun.listen cannot change a listening socket's certificate
   * (listener.reload() takes only the handlers; checked with Bun 1.4.5), so the listening socket is
   * closed and opened again on the same port at once, in the same turn, with the new material (checked
   * first): established connections keep theirs; a connection attempt in the microseconds between
   * is refused, and any still in the old socket's accept queue are reset. Should the port be
   * taken meanwhile, the old material is tried again, and the failure is reported either way.
   */
  let listening = tls; // the TLS options the socket listens with now: a failed reload goes back to them
  const reloadTls =
    tls === undefined || actual.kind !== "tcp"
      ? undefined
      : async (next: TlsMaterial) => {
          const nextTls = await tlsOptions(next);
          server.stop(false);
          try {
            server = listenTcp(actual.host, actual.port, nextTls);
            shared.tls = next;
            listening = nextTls;
          } catch (err) {
            try {
              server = listenTcp(actual.host, actual.port, listening);
            } catch {}
            throw listenFailure(actual, err);
          }
        };
  return listenerFor(core, bind, actual, shared.site, {
    reloadTls,
    stopAccepting: () => server.stop(false),
    removeSocketFile: () => {
      if (bind.kind === "unix" && existsSync(bind.path)) unlinkSync(bind.path);
    },
  });
}
