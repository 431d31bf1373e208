// The Node driver's sockets: a node:net server (node:tls with --certfile) whose sockets feed the
// core; it can also adopt an inherited listening socket (fd://N).
// Must never parse HTTP or keep per-request state (that is the core's job); only moves bytes,
// applies backpressure and closes sockets.

import { createServer, type Server, type Socket } from "node:net";
import type { Server as TlsServer, TLSSocket, TlsOptions } from "node:tls";
import type { ServerCore } from "../../src/server/server.ts";
import type { FileSent, FileToSend } from "../../src/server/transport.ts";
import type { Site } from "../../src/server/site.ts";
import { Slab } from "../../src/http/bytes.ts";
import type { Bind } from "../bind.ts";
import type { ListenOptions, Listener } from "../driver.ts";
import { boundAddress, listenFailure, listenerFor, siteFor } from "../listener.ts";
import { type TlsMaterial, listenerTls, subjectText, tlsRefused } from "../tls.ts";
import { HIGH_WATER, SocketConnection } from "../socket-connection.ts";
import { joinRuns, joinedIfSmall } from "../gather.ts";
import { FILE_READ_MAX, readAfter } from "./file-read.ts";

const kConn = Symbol("tsgi.conn");
type NodeTls = typeof import("node:tls");
type TsgiSocket = Socket & { [kConn]?: NodeConnection };

const OPEN = 0;
const CLOSING = 1; // close() called: incoming bytes are discarded
const CLOSED = 2;

/** One accepted socket: the Transport the core writes to. */
class NodeConnection extends SocketConnection {
  state = OPEN;
  /** A file sent by sendFile waits for the socket to drain (or close). */
  private drainWaiter: (() => void) | null = null;

  constructor(
    readonly socket: Socket,
    log: (line: string) => void,
    private readonly slab: Slab,
  ) {
    super(log);
  }

  write(data: Uint8Array): boolean {
    if (this.state !== OPEN) return false;
    return this.socket.write(data);
  }

  /** Small parts joined, large ones gathered: corked writes leave as a single writev on uncork. */
  writev(parts: readonly Uint8Array[]): boolean {
    if (parts.length === 1) return this.write(parts[0]!);
    if (this.state !== OPEN) return false;
    const joined = joinedIfSmall(parts, this.slab);
    if (joined !== null) return this.socket.write(joined);
    const bufs = joinRuns(parts, this.slab);
    const socket = this.socket;
    socket.cork();
    let ok = true;
    for (let i = 0; i < bufs.length; i++) ok = socket.write(bufs[i]!);
    socket.uncork();
    return ok;
  }

  /** A small file is read in one go behind the head (file-read.ts); larger ones are the core's to pull. */
  canSendFile(size: number): boolean {
    return this.state === OPEN && size > 0 && size <= FILE_READ_MAX;
  }

  sendFile(file: FileToSend, queued: Uint8Array[]): Promise<FileSent> | null {
    if (!this.canSendFile(file.size)) return null;
    return this.readAndWrite(file, queued);
  }

  private async readAndWrite(file: FileToSend, queued: Uint8Array[]): Promise<FileSent> {
    const how = "fs.read, one write with the head";
    const { bytes, fileBytes } = await readAfter(queued, file);
    if (this.state !== OPEN) return { sent: 0, direct: 0, how };
    if (!this.socket.write(bytes)) await new Promise<void>((resolve) => (this.drainWaiter = resolve));
    return { sent: this.state === OPEN ? fileBytes : 0, direct: 0, how };
  }

  /** The socket drained or closed: a file waiting in readAndWrite goes on. */
  wakeFile(): void {
    const w = this.drainWaiter;
    if (w === null) return;
    this.drainWaiter = null;
    w();
  }

  close(): void {
    if (this.state !== OPEN) return;
    this.state = CLOSING;
    const socket = this.socket;
    // Keep reading (and discarding) so the peer's FIN is seen; closing with unread bytes would send RST.
    if (this.paused) {
      this.paused = false;
      socket.resume();
    }
    socket.end();
  }

  abort(): void {
    if (this.state === CLOSED) return;
    this.state = CLOSED;
    this.socket.destroy();
  }

  closeSocket(): void {
    this.socket.destroy();
  }

  protected get open(): boolean {
    return this.state === OPEN;
  }

  protected pauseSocket(): void {
    this.socket.pause();
  }

  protected resumeSocket(): void {
    this.socket.resume();
  }
}

// Shared listeners (`this` is the socket), so a connection costs no closures.
function onData(this: TsgiSocket, chunk: Buffer): void {
  const conn = this[kConn]!;
  if (conn.state !== OPEN) conn.noteInput();
  else conn.deliverReceived(chunk);
}

function onDrain(this: TsgiSocket): void {
  const conn = this[kConn]!;
  conn.wakeFile();
  // Also while closing: the core times a client that stops taking the last bytes.
  if (conn.state !== CLOSED) conn.deliverWritable();
}

function onEnd(this: TsgiSocket): void {
  const conn = this[kConn]!;
  if (conn.state === OPEN) conn.deliverPeerFinished();
}

/** Our FIN went out: linger until the peer's FIN (then Node closes the socket) or the linger limits. */
function onFinish(this: TsgiSocket): void {
  if (!this.destroyed) this[kConn]!.startLinger();
}

function onClose(this: TsgiSocket): void {
  const conn = this[kConn]!;
  conn.state = CLOSED;
  conn.wakeFile();
  conn.deliverClosed();
}

/** Socket errors (ECONNRESET, EPIPE, ...) end in 'close'; there is nothing else to do. */
function onError(): void {}

function accept(core: ServerCore, socket: Socket, slab: Slab, site: Site, peerCert?: string): void {
  const s = socket as TsgiSocket;
  const conn = new NodeConnection(socket, core.options.log, slab);
  s[kConn] = conn;
  socket.on("error", onError);
  socket.on("close", onClose);
  // Closed before we got to it (a reset during accept): 'close' may already be queued; nothing to open.
  if (socket.destroyed) return;
  socket.on("data", onData);
  socket.on("drain", onDrain);
  socket.on("end", onEnd);
  socket.on("finish", onFinish);
  try {
    conn.handle = core.open(conn, { remoteAddress: socket.remoteAddress ?? "", remotePort: socket.remotePort ?? 0, peerCert }, site);
  } catch (err) {
    conn.fail(err);
  }
}

/**
 * A TLS socket whose handshake is done: its client certificate's subject when one was sent and
 * verified. With --cert-reqs optional, a certificate that was sent but fails verification closes
 * the connection (required: the handshake itself fails).
 */
function secured(core: ServerCore, socket: TLSSocket, slab: Slab, site: Site, material: TlsMaterial): void {
  let subject: string | undefined;
  if (material.certReqs !== "none") {
    const cert = socket.getPeerCertificate();
    const sent = cert !== null && typeof cert === "object" && Object.keys(cert).length > 0;
    if (sent && !socket.authorized) {
      socket.destroy();
      return;
    }
    if (sent) subject = subjectText(cert.subject);
  }
  accept(core, socket, slab, site, subject);
}

/** The secure context options of `material`, checked by making one; bad key or certificate text is a TlsError. */
function contextOptions(nodeTls: NodeTls, material: TlsMaterial): TlsOptions {
  const options: TlsOptions = { ...listenerTls(material), ALPNProtocols: [...material.alpn] };
  try {
    nodeTls.createSecureContext(options);
  } catch (err) {
    throw tlsRefused(err);
  }
  return options;
}

/**
 * A node:tls server for `material`, and how to swap its certificate on SIGHUP (for connections
 * accepted from then on; established ones keep theirs). node:tls is imported here, by a TLS
 * listener only: the import alone costs every server the root certificates' strings (~0.4 MB of heap).
 */
async function tlsServer(core: ServerCore, material: TlsMaterial, onSecure: (socket: TLSSocket) => void): Promise<{ server: TlsServer; reload: (m: TlsMaterial) => Promise<void> }> {
  const nodeTls = await import("node:tls");
  const options: TlsOptions = {
    ...contextOptions(nodeTls, material),
    allowHalfOpen: true,
    noDelay: true,
    highWaterMark: HIGH_WATER,
    // The handshake counts as part of the first request head.
    handshakeTimeout: core.options.headTimeout,
  };
  const server = nodeTls.createServer(options, onSecure);
  // A failed handshake (plain HTTP to this port, a refused certificate) concerns that client only: Node destroys its socket.
  server.on("tlsClientError", () => {});
  return { server, reload: async (m) => server.setSecureContext(contextOptions(nodeTls, m)) };
}

/**
 * Starts listening; resolves once bound (with the real port when port 0 was asked for). A worker
 * (ListenOptions.shared) needs nothing more: node:cluster shares its supervisor's socket.
 */
export async function listen(core: ServerCore, bind: Bind, options: ListenOptions = {}): Promise<Listener> {
  const slab = new Slab();
  const tls = bind.kind === "unix" ? undefined : options.tls;
  let site: Site | undefined; // set once bound, before any connection can be accepted
  const secure = tls === undefined ? undefined : await tlsServer(core, tls, (socket) => secured(core, socket, slab, site!, tls));
  const server: Server = secure?.server ?? createServer({ allowHalfOpen: true, noDelay: true, highWaterMark: HIGH_WATER }, (socket) => accept(core, socket, slab, site!));
  return new Promise<Listener>((resolve, reject) => {
    const onListenError = (err: Error) => reject(listenFailure(bind, err));
    server.once("error", onListenError);
    const ready = () => {
      server.off("error", onListenError);
      // A later server error (EMFILE on accept, ...) must not crash the process.
      server.on("error", (err) => core.options.log(`tsgi: listener error: ${err.message}`));
      const actual = boundAddress(bind, server.address());
      site = siteFor(core, actual, tls !== undefined);
      // Node removes a unix socket file itself on close.
      resolve(listenerFor(core, bind, actual, site, { stopAccepting: () => server.close(), reloadTls: secure?.reload }));
    };
    const backlog = options.backlog;
    if (bind.kind === "unix") server.listen({ path: bind.path, backlog }, ready);
    else if (bind.kind === "fd") server.listen({ fd: bind.fd, backlog }, ready);
    else server.listen({ host: bind.host, port: bind.port, backlog }, ready);
  });
}
