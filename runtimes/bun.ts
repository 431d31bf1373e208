// The Bun driver: Bun.listen sockets feed the core, plus Bun's Platform for serve.ts.
// Must never parse HTTP or keep per-request state (that is the core's job); only moves bytes,
// applies backpressure and closes sockets.
//
// Bun's socket.write() is unbuffered: it returns how many bytes the kernel took (possibly fewer,
// or -1 when closed). The rest is kept here and written from the `drain` callback. Bun calls the
// `close` handler synchronously from socket.end(), so closed() is delivered from a microtask when
// we caused it, never from inside a Transport call the core is making.

import type { Socket, SocketHandler } from "bun";
import { existsSync, statSync, unlinkSync } from "node:fs";
import { pathToFileURL } from "node:url";
import type { ServerCore } from "../src/server.ts";
import type { ConnectionHandle, Transport } from "../src/transport.ts";
import { formatBind, listenerUrl, type Bind } from "../src/cli.ts";
import type { Listener, Platform, SignalName } from "./serve.ts";
import { LINGER_QUIET_MS, lingerLeft } from "./linger.ts";
import { describeListenError } from "./listen-error.ts";
import { errorText } from "../src/errors.ts";

/** Outgoing bytes held here (beyond what the kernel took) before write() reports backpressure. */
const HIGH_WATER = 64 * 1024;
/**
 * writev() joins parts up to this total in one scratch buffer shared by all connections: Bun has
 * no gathered write, and socket.write() is synchronous, so the buffer is free again on return
 * (what the kernel did not take is copied out). Cheaper than allocating a joined array each time.
 */
const SCRATCH_SIZE = 128 * 1024;
let scratch: Uint8Array | null = null;

const OPEN = 0; // normal
const ENDING = 1; // end() called: flushing what is queued, then FIN
const LINGER = 2; // FIN sent: reading and discarding until the peer's FIN
const CLOSED = 3;

type BunSocket = Socket<BunConnection | undefined>;

class BunConnection implements Transport {
  handle: ConnectionHandle | null = null;
  state = OPEN;
  peerEnded = false;
  paused = false;
  /** Set while we call into the socket, whose close handler may then run synchronously. */
  calling = false;
  /** Chunks the kernel has not taken yet; the first is written from `offset`. */
  queue: Uint8Array[] | null = null;
  offset = 0;
  queued = 0;
  needDrain = false;
  lingerTimer: ReturnType<typeof setTimeout> | null = null;
  lingerStart = 0;
  lastInput = 0;

  constructor(
    readonly socket: BunSocket,
    readonly log: (line: string) => void,
  ) {}

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
    if (this.queued < HIGH_WATER) return true;
    this.needDrain = true;
    return false;
  }

  /** Several parts in one write, joined in the shared scratch buffer (see SCRATCH_SIZE). */
  writev(parts: readonly Uint8Array[]): boolean {
    let total = 0;
    for (const p of parts) total += p.length;
    if (this.state !== OPEN || this.queue !== null || total > SCRATCH_SIZE) {
      let ok = true;
      for (const p of parts) ok = this.write(p);
      return ok;
    }
    const buf = (scratch ??= new Uint8Array(SCRATCH_SIZE));
    let o = 0;
    for (const p of parts) {
      buf.set(p, o);
      o += p.length;
    }
    this.calling = true;
    const n = this.socket.write(buf, 0, o);
    this.calling = false;
    if (n === o) return true;
    if (n < 0) return false; // closing; the close handler reports it
    this.queue = [buf.slice(n, o)];
    this.offset = 0;
    this.queued = o - n;
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
        const chunk = queue[i];
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

  end(): void {
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
    this.lingerStart = this.lastInput = Date.now();
    this.lingerTimer = setTimeout(lingerCheck, LINGER_QUIET_MS, this);
    this.lingerTimer.unref();
  }

  closeSocket(): void {
    if (this.state === CLOSED) return;
    this.state = CLOSED;
    this.queue = null;
    this.calling = true;
    this.socket.end();
    this.calling = false;
  }

  /** Abort: drop what is queued and close at once (terminate, not end). */
  destroy(): void {
    if (this.state === CLOSED) return;
    this.state = CLOSED;
    this.queue = null;
    if (this.lingerTimer !== null) clearTimeout(this.lingerTimer);
    this.lingerTimer = null;
    this.calling = true;
    this.socket.terminate();
    this.calling = false;
  }

  pauseReading(): void {
    if (this.paused || this.state !== OPEN) return;
    this.paused = true;
    this.socket.pause();
  }

  resumeReading(): void {
    if (!this.paused || this.state !== OPEN) return;
    this.paused = false;
    this.socket.resume();
  }

  /** A throw from the core is a bug there: log it and drop this connection, never the process. */
  fail(err: unknown): void {
    this.log(`tsgi: internal error on a connection: ${errorText(err)}`);
    this.closeSocket();
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

function lingerCheck(conn: BunConnection): void {
  const now = Date.now();
  const wait = lingerLeft(conn.lastInput, conn.lingerStart, now);
  if (wait <= 0) {
    conn.lingerTimer = null;
    conn.closeSocket();
    return;
  }
  conn.lingerTimer = setTimeout(lingerCheck, wait, conn);
  conn.lingerTimer.unref();
}

function deliverClosedTask(this: BunConnection): void {
  this.deliverClosed();
}

function handlers(core: ServerCore): SocketHandler<BunConnection | undefined> {
  const log = core.options.log;
  return {
    open(socket) {
      const conn = new BunConnection(socket, log);
      socket.data = conn;
      // No setNoDelay here: Bun sets TCP_NODELAY on every accepted socket itself (seen with strace, Bun 1.4).
      conn.calling = true;
      try {
        conn.handle = core.open(conn, { remoteAddress: socket.remoteAddress ?? "", remotePort: socket.remotePort ?? 0 });
      } catch (err) {
        conn.fail(err);
      }
      conn.calling = false;
    },
    data(socket, bytes) {
      // Bun hands over a fresh buffer per callback (checked: each has its own ArrayBuffer), so the core may keep it.
      const conn = socket.data;
      if (conn === undefined) return;
      if (conn.state !== OPEN || conn.handle === null) {
        if (conn.state === LINGER) conn.lastInput = Date.now();
        return;
      }
      try {
        conn.handle.data(bytes);
      } catch (err) {
        conn.fail(err);
      }
    },
    drain(socket) {
      const conn = socket.data;
      if (conn === undefined || conn.state === CLOSED || conn.state === LINGER) return;
      const flushed = conn.flushQueue();
      if (conn.state === ENDING) {
        if (flushed) conn.sendFin();
        else conn.handle?.drain(); // progress: the core times a client that stops taking the last bytes
        return;
      }
      if (!flushed) return;
      if (conn.needDrain && conn.handle !== null) {
        conn.needDrain = false;
        try {
          conn.handle.drain();
        } catch (err) {
          conn.fail(err);
        }
      }
    },
    end(socket) {
      const conn = socket.data;
      if (conn === undefined) return;
      conn.peerEnded = true;
      if (conn.state === LINGER) conn.closeSocket();
      else if (conn.state === OPEN && conn.handle !== null) {
        try {
          conn.handle.end();
        } catch (err) {
          conn.fail(err);
        }
      }
      // ENDING: the FIN goes out once the queue is written, and then the socket closes.
    },
    close(socket) {
      const conn = socket.data;
      if (conn === undefined) return;
      conn.state = CLOSED;
      conn.queue = null;
      if (conn.lingerTimer !== null) clearTimeout(conn.lingerTimer);
      conn.lingerTimer = null;
      if (conn.calling) queueMicrotask(deliverClosedTask.bind(conn));
      else conn.deliverClosed();
    },
    error(socket, err) {
      // Only reached when a handler above throws despite its guard; the socket is dropped.
      log(`tsgi: socket error: ${err.message}`);
      socket.data?.closeSocket();
    },
  };
}


/** Starts listening; resolves once bound (with the real port when port 0 was asked for). */
export async function listen(core: ServerCore, bind: Bind): Promise<Listener> {
  const socket = handlers(core);
  let stop: (closeActive?: boolean) => void;
  let actual: Bind = bind;
  try {
    if (bind.kind === "unix") {
      const server = Bun.listen<BunConnection | undefined>({ unix: bind.path, allowHalfOpen: true, socket });
      stop = (closeActive) => server.stop(closeActive);
      core.setAddress(bind.path, "");
    } else {
      const server = Bun.listen<BunConnection | undefined>({ hostname: bind.host, port: bind.port, allowHalfOpen: true, socket });
      stop = (closeActive) => server.stop(closeActive);
      actual = { kind: "tcp", host: bind.host, port: server.port };
      core.setAddress(bind.host, String(server.port));
    }
  } catch (err) {
    throw Object.assign(new Error(`cannot listen on ${formatBind(bind)}: ${describeListenError(err)}`), { cause: err });
  }
  let closing: Promise<void> | null = null;
  return {
    url: listenerUrl(actual),
    close(): Promise<void> {
      if (closing === null) {
        stop(false);
        if (bind.kind === "unix") {
          try {
            if (existsSync(bind.path)) unlinkSync(bind.path);
          } catch {}
        }
        closing = core.shutdown();
      }
      return closing;
    },
  };
}

// ---- Platform ------------------------------------------------------------------------------

/**
 * `bun run serve` runs this file as a child of `bun run`, which does not pass SIGTERM on: the child
 * would outlive a stopped parent. So when started by `bun run`, losing the parent counts as SIGTERM.
 */
function watchBunRunParent(onGone: () => void): void {
  if (process.env.npm_lifecycle_event === undefined || !process.env.npm_config_user_agent?.startsWith("bun/")) return;
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onGone();
  }, 250);
  timer.unref();
}

export const platform: Platform = {
  afterMicrotasks: (task: () => void) => process.nextTick(task),
  runtime: "bun",
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
  onSignal(signal: SignalName, fn: () => void): void {
    process.on(signal, fn);
    if (signal === "SIGTERM") watchBunRunParent(fn);
  },
  async importModule(absPath: string): Promise<Record<string, unknown>> {
    return (await import(pathToFileURL(absPath).href)) as Record<string, unknown>;
  },
};
