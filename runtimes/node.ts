// The Node driver: a node:net server whose sockets feed the core, plus Node's Platform for serve.ts.
// Must never parse HTTP or keep per-request state (that is the core's job); only moves bytes,
// applies backpressure and closes sockets.

import { createServer, type Server, type Socket } from "node:net";
import { existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { register } from "node:module";
import type { ServerCore } from "../src/server.ts";
import type { ConnectionHandle, Transport } from "../src/transport.ts";
import { formatBind, listenerUrl, type Bind } from "../src/cli.ts";
import type { Listener, Platform, SignalName } from "./serve.ts";
import { LINGER_QUIET_MS, lingerLeft } from "./linger.ts";
import { describeListenError } from "./listen-error.ts";
import { errorText } from "../src/errors.ts";

/** Outgoing bytes a socket may hold before write() reports backpressure. */
const HIGH_WATER = 64 * 1024;

const kConn = Symbol("tsgi.conn");
type TsgiSocket = Socket & { [kConn]?: NodeConnection };

/** One accepted socket: the Transport the core writes to, and the router of socket events to its handle. */
class NodeConnection implements Transport {
  handle: ConnectionHandle | null = null;
  /** 0 open, 1 end() called (incoming bytes are discarded), 2 closed. */
  state = 0;
  paused = false;
  lingerTimer: ReturnType<typeof setTimeout> | null = null;
  lingerStart = 0;
  lastInput = 0;
  constructor(readonly socket: Socket, readonly log: (line: string) => void) {}

  write(data: Uint8Array): boolean {
    if (this.state !== 0) return false;
    return this.socket.write(data);
  }

  /** One gathered write: corked writes leave as a single writev on uncork. */
  writev(parts: readonly Uint8Array[]): boolean {
    if (this.state !== 0) return false;
    const socket = this.socket;
    socket.cork();
    let ok = true;
    for (let i = 0; i < parts.length; i++) ok = socket.write(parts[i]!);
    socket.uncork();
    return ok;
  }

  end(): void {
    if (this.state !== 0) return;
    this.state = 1;
    const socket = this.socket;
    // Keep reading (and discarding) so the peer's FIN is seen; closing with unread bytes would send RST.
    if (this.paused) {
      this.paused = false;
      socket.resume();
    }
    socket.end();
  }

  destroy(): void {
    if (this.state === 2) return;
    this.state = 2;
    this.socket.destroy();
  }

  pauseReading(): void {
    if (this.paused || this.state !== 0) return;
    this.paused = true;
    this.socket.pause();
  }

  resumeReading(): void {
    if (!this.paused || this.state !== 0) return;
    this.paused = false;
    this.socket.resume();
  }

  /** Calls into the core; a throw there is a core bug: log it and drop this connection, never the process. */
  fail(err: unknown): void {
    this.log(`tsgi: internal error on a connection: ${errorText(err)}`);
    this.destroy();
  }
}

// Shared listeners (`this` is the socket), so a connection costs no closures.
function onData(this: TsgiSocket, chunk: Buffer): void {
  const conn = this[kConn]!;
  if (conn.state !== 0 || conn.handle === null) {
    if (conn.lingerTimer !== null) conn.lastInput = Date.now();
    return;
  }
  try {
    conn.handle.data(chunk);
  } catch (err) {
    conn.fail(err);
  }
}

function onDrain(this: TsgiSocket): void {
  const conn = this[kConn]!;
  // Also while ending: the core times a client that stops taking the last bytes.
  if (conn.state === 2 || conn.handle === null) return;
  try {
    conn.handle.drain();
  } catch (err) {
    conn.fail(err);
  }
}

function onEnd(this: TsgiSocket): void {
  const conn = this[kConn]!;
  if (conn.state !== 0 || conn.handle === null) return;
  try {
    conn.handle.end();
  } catch (err) {
    conn.fail(err);
  }
}

/** Our FIN went out: linger until the peer's FIN (then Node closes the socket) or the linger limits. */
function onFinish(this: TsgiSocket): void {
  const conn = this[kConn]!;
  if (this.destroyed) return;
  conn.lingerStart = conn.lastInput = Date.now();
  conn.lingerTimer = setTimeout(lingerCheck, LINGER_QUIET_MS, this);
  conn.lingerTimer.unref();
}

function lingerCheck(socket: TsgiSocket): void {
  const conn = socket[kConn]!;
  const now = Date.now();
  const wait = lingerLeft(conn.lastInput, conn.lingerStart, now);
  if (wait <= 0) {
    conn.lingerTimer = null;
    socket.destroy();
    return;
  }
  conn.lingerTimer = setTimeout(lingerCheck, wait, socket);
  conn.lingerTimer.unref();
}

function onClose(this: TsgiSocket): void {
  const conn = this[kConn]!;
  conn.state = 2;
  if (conn.lingerTimer !== null) clearTimeout(conn.lingerTimer);
  const handle = conn.handle;
  conn.handle = null;
  if (handle === null) return;
  try {
    handle.closed();
  } catch (err) {
    conn.log(`tsgi: internal error on close: ${errorText(err)}`);
  }
}

/** Socket errors (ECONNRESET, EPIPE, ...) end in 'close'; there is nothing else to do. */
function onError(): void {}

function accept(core: ServerCore, socket: Socket): void {
  const s = socket as TsgiSocket;
  const conn = new NodeConnection(socket, core.options.log);
  s[kConn] = conn;
  socket.on("error", onError);
  socket.on("close", onClose);
  if (socket.destroyed) {
    // Closed before we got to it (a reset during accept): 'close' may already be queued; nothing to open.
    return;
  }
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


/** Starts listening; resolves once bound (with the real port when port 0 was asked for). */
export function listen(core: ServerCore, bind: Bind): Promise<Listener> {
  const server: Server = createServer(
    { allowHalfOpen: true, noDelay: true, highWaterMark: HIGH_WATER },
    (socket) => accept(core, socket),
  );
  return new Promise<Listener>((resolve, reject) => {
    const onListenError = (err: Error) => {
      reject(Object.assign(new Error(`cannot listen on ${formatBind(bind)}: ${describeListenError(err)}`), { cause: err }));
    };
    server.once("error", onListenError);
    const ready = () => {
      server.off("error", onListenError);
      // A later server error (EMFILE on accept, ...) must not crash the process.
      server.on("error", (err) => core.options.log(`tsgi: listener error: ${err.message}`));
      let actual: Bind = bind;
      if (bind.kind === "tcp") {
        const addr = server.address();
        const port = addr !== null && typeof addr === "object" ? addr.port : bind.port;
        actual = { kind: "tcp", host: bind.host, port };
        core.setAddress(bind.host, String(port));
      } else {
        core.setAddress(bind.path, "");
      }
      resolve({ url: listenerUrl(actual), close: closer(server, core) });
    };
    if (bind.kind === "unix") server.listen({ path: bind.path }, ready);
    else server.listen({ host: bind.host, port: bind.port }, ready);
  });
}

/** Stops accepting (Node removes a unix socket file on close), then shuts the core down gracefully. */
function closer(server: Server, core: ServerCore): () => Promise<void> {
  let closing: Promise<void> | null = null;
  return () => {
    if (closing === null) {
      server.close();
      closing = core.shutdown();
    }
    return closing;
  };
}

// ---- Platform ------------------------------------------------------------------------------

let loaderRegistered = false;

/** Finds the compiled TypeScript loader: dist/runtimes/node-ts-loader.js, next to dist/serve.js or this file. */
function registerTsLoader(): void {
  if (loaderRegistered) return;
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, "node-ts-loader.js"), join(here, "runtimes", "node-ts-loader.js")];
  const found = candidates.find((p) => existsSync(p));
  if (found === undefined) {
    throw new Error(`cannot load TypeScript on Node: the loader is missing (looked for ${candidates.join(", ")}; run \`npm run build\`)`);
  }
  register(pathToFileURL(found).href);
  loaderRegistered = true;
}

const TS_FILE = /\.(?:ts|mts|tsx)$/;

export const platform: Platform = {
  runtime: "node",
  afterMicrotasks: (task: () => void) => process.nextTick(task),
  argv: () => process.argv.slice(2),
  cwd: () => process.cwd(),
  isFile(path: string): boolean {
    try {
      return statSync(path).isFile();
    } catch {
      return false;
    }
  },
  stdout: (line: string) => void process.stdout.write(line + "\n"),
  stderr: (line: string) => void process.stderr.write(line + "\n"),
  exit: (code: number): never => process.exit(code),
  onSignal: (signal: SignalName, fn: () => void) => void process.on(signal, fn),
  async importModule(absPath: string): Promise<Record<string, unknown>> {
    if (TS_FILE.test(absPath)) registerTsLoader();
    return (await import(pathToFileURL(absPath).href)) as Record<string, unknown>;
  },
};
