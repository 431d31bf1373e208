// The Node driver's sockets: a node:net server whose sockets feed the core.
// Must never parse HTTP or keep per-request state (that is the core's job); only moves bytes,
// applies backpressure and closes sockets.

import { createServer, type Server, type Socket } from "node:net";
import type { ServerCore } from "../../src/server/server.ts";
import { Slab } from "../../src/http/bytes.ts";
import type { Bind } from "../bind.ts";
import type { Listener } from "../driver.ts";
import { listenFailure, listenerFor } from "../listener.ts";
import { HIGH_WATER, SocketConnection } from "../socket-connection.ts";
import { joinRuns, joinedIfSmall } from "../gather.ts";

const kConn = Symbol("tsgi.conn");
type TsgiSocket = Socket & { [kConn]?: NodeConnection };

const OPEN = 0;
const CLOSING = 1; // close() called: incoming bytes are discarded
const CLOSED = 2;

/** One accepted socket: the Transport the core writes to. */
class NodeConnection extends SocketConnection {
  state = OPEN;

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
  conn.deliverClosed();
}

/** Socket errors (ECONNRESET, EPIPE, ...) end in 'close'; there is nothing else to do. */
function onError(): void {}

function accept(core: ServerCore, socket: Socket, slab: Slab): void {
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
    conn.handle = core.open(conn, { remoteAddress: socket.remoteAddress ?? "", remotePort: socket.remotePort ?? 0 });
  } catch (err) {
    conn.fail(err);
  }
}

/**
 * Starts listening; resolves once bound (with the real port when port 0 was asked for). A worker
 * (ListenOptions.shared) needs nothing more: node:cluster shares its supervisor's socket.
 */
export function listen(core: ServerCore, bind: Bind): Promise<Listener> {
  const slab = new Slab();
  const server: Server = createServer({ allowHalfOpen: true, noDelay: true, highWaterMark: HIGH_WATER }, (socket) => accept(core, socket, slab));
  return new Promise<Listener>((resolve, reject) => {
    const onListenError = (err: Error) => reject(listenFailure(bind, err));
    server.once("error", onListenError);
    const ready = () => {
      server.off("error", onListenError);
      // A later server error (EMFILE on accept, ...) must not crash the process.
      server.on("error", (err) => core.options.log(`tsgi: listener error: ${err.message}`));
      const addr = server.address();
      // Node removes a unix socket file itself on close.
      resolve(listenerFor(core, bind, { port: addr !== null && typeof addr === "object" ? addr.port : undefined, stopAccepting: () => server.close() }));
    };
    if (bind.kind === "unix") server.listen({ path: bind.path }, ready);
    else server.listen({ host: bind.host, port: bind.port }, ready);
  });
}
