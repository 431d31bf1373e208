// A raw TCP client (node:net) that sends exact bytes and reads HTTP/1.1 responses from the byte
// stream in order, plus a small strict response parser. Test-only code run under Node by vitest.
// It must never synchronise with sleeps: every wait is for bytes or a socket event; timeouts are
// only safety nets that fail the test with what had arrived so far.
import net from "node:net";

/** Safety net for any single wait on the socket. Generous: the machine may be slow and busy. */
export const WAIT_MS = 15_000;

/** One parsed response (or interim 1xx response). */
export interface HttpResponse {
  /** "HTTP/1.1" */
  version: string;
  status: number;
  reason: string;
  /** The status line without CRLF. */
  statusLine: string;
  /** Header fields in the order received, names as sent. */
  headers: [string, string][];
  /** Decoded body (chunked framing removed). */
  body: Buffer;
  /** How the body was delimited. "none": a response that cannot have a body (HEAD, 1xx, 204, 304). */
  framing: "length" | "chunked" | "close" | "none";
  /** For chunked: the size lines exactly as sent (without CRLF), including the last "0". */
  chunkLines: string[];
  /** For chunked: the trailer fields. */
  trailers: [string, string][];
  /** The exact bytes of this response on the wire. */
  raw: Buffer;
}

/** Case-insensitive header lookup: every value of `name`, in order. */
export function headerValues(res: Pick<HttpResponse, "headers">, name: string): string[] {
  const lower = name.toLowerCase();
  return res.headers.filter(([n]) => n.toLowerCase() === lower).map(([, v]) => v);
}

/** The single value of `name`, undefined when absent; throws if it is repeated. */
export function header(res: Pick<HttpResponse, "headers">, name: string): string | undefined {
  const values = headerValues(res, name);
  if (values.length > 1) throw new Error(`header ${name} repeated: ${JSON.stringify(values)}`);
  return values[0];
}

/** Header names in order, lower-cased. */
export function headerNames(res: Pick<HttpResponse, "headers">): string[] {
  return res.headers.map(([n]) => n.toLowerCase());
}

/** The body as UTF-8 text. */
export function text(res: Pick<HttpResponse, "body">): string {
  return res.body.toString("utf8");
}

/** Bytes for a request written as a JS string: each char is one byte (Latin-1), so "\xe9" is 0xE9. */
export function bytes(s: string | Uint8Array): Buffer {
  return typeof s === "string" ? Buffer.from(s, "latin1") : Buffer.from(s.buffer, s.byteOffset, s.byteLength);
}

/** Show bytes readably in failure messages. */
export function show(b: Buffer | Uint8Array, max = 600): string {
  const s = JSON.stringify(Buffer.from(b).subarray(0, max).toString("latin1"));
  return b.length > max ? `${s}... (${b.length} bytes)` : s;
}

/** Raised when the parser sees bytes that are not a valid HTTP/1.1 response. */
export class ResponseSyntaxError extends Error {}

export interface ParseOptions {
  /** The request was HEAD: the response has no body whatever its headers say. */
  head?: boolean;
}

export type ParseResult =
  | { done: true; response: HttpResponse; end: number }
  | { done: false; reason: string };

/**
 * Parse one response starting at `start` of `buf`. `eof` says whether the peer has closed (then a
 * close-delimited body is complete). Returns done:false when more bytes are needed.
 */
export function parseResponse(buf: Buffer, start: number, eof: boolean, opts: ParseOptions = {}): ParseResult {
  const headEnd = buf.indexOf("\r\n\r\n", start, "latin1");
  if (headEnd < 0) return { done: false, reason: "incomplete head" };
  const headText = buf.subarray(start, headEnd).toString("latin1");
  const lines = headText.split("\r\n");
  for (const line of lines) {
    if (/[\r\n]/.test(line)) throw new ResponseSyntaxError(`bare CR or LF in response head: ${show(buf.subarray(start, headEnd + 4))}`);
  }
  const statusLine = lines[0];
  const m = /^(HTTP\/\d\.\d) (\d{3}) (.*)$/.exec(statusLine);
  if (!m) throw new ResponseSyntaxError(`bad status line: ${JSON.stringify(statusLine)}`);
  const headers: [string, string][] = [];
  for (const line of lines.slice(1)) {
    const hm = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+):[ \t]*(.*?)[ \t]*$/.exec(line);
    if (!hm) throw new ResponseSyntaxError(`bad header line: ${JSON.stringify(line)}`);
    headers.push([hm[1], hm[2]]);
  }
  const status = Number(m[2]);
  let pos = headEnd + 4;
  const base = { version: m[1], status, reason: m[3], statusLine, headers, chunkLines: [] as string[], trailers: [] as [string, string][] };
  const finish = (body: Buffer, framing: HttpResponse["framing"], end: number): ParseResult => ({
    done: true,
    end,
    response: { ...base, body, framing, raw: Buffer.from(buf.subarray(start, end)) },
  });
  if (opts.head || (status >= 100 && status < 200) || status === 204 || status === 304) {
    return finish(Buffer.alloc(0), "none", pos);
  }
  const te = headerValues(base, "transfer-encoding");
  const cl = headerValues(base, "content-length");
  if (te.length > 0) {
    if (te.join(",").trim().toLowerCase() !== "chunked") throw new ResponseSyntaxError(`unexpected Transfer-Encoding ${te}`);
    if (cl.length > 0) throw new ResponseSyntaxError("response has both Transfer-Encoding and Content-Length");
    const parts: Buffer[] = [];
    for (;;) {
      const lineEnd = buf.indexOf("\r\n", pos, "latin1");
      if (lineEnd < 0) return { done: false, reason: "incomplete chunk size line" };
      const sizeLine = buf.subarray(pos, lineEnd).toString("latin1");
      const sm = /^([0-9A-Fa-f]+)(;.*)?$/.exec(sizeLine);
      if (!sm) throw new ResponseSyntaxError(`bad chunk size line ${JSON.stringify(sizeLine)}`);
      base.chunkLines.push(sizeLine);
      const size = parseInt(sm[1], 16);
      pos = lineEnd + 2;
      if (size === 0) break;
      if (buf.length < pos + size + 2) return { done: false, reason: "incomplete chunk data" };
      parts.push(buf.subarray(pos, pos + size));
      if (buf.toString("latin1", pos + size, pos + size + 2) !== "\r\n") throw new ResponseSyntaxError("chunk data not followed by CRLF");
      pos += size + 2;
    }
    for (;;) {
      const lineEnd = buf.indexOf("\r\n", pos, "latin1");
      if (lineEnd < 0) return { done: false, reason: "incomplete trailers" };
      const line = buf.subarray(pos, lineEnd).toString("latin1");
      pos = lineEnd + 2;
      if (line === "") break;
      const hm = /^([^:]+):[ \t]*(.*?)[ \t]*$/.exec(line);
      if (!hm) throw new ResponseSyntaxError(`bad trailer ${JSON.stringify(line)}`);
      base.trailers.push([hm[1], hm[2]]);
    }
    return finish(Buffer.concat(parts), "chunked", pos);
  }
  if (cl.length > 0) {
    if (cl.length > 1 || !/^\d+$/.test(cl[0])) throw new ResponseSyntaxError(`bad Content-Length ${JSON.stringify(cl)}`);
    const n = Number(cl[0]);
    if (buf.length < pos + n) return { done: false, reason: `body: ${buf.length - pos} of ${n} bytes` };
    return finish(Buffer.from(buf.subarray(pos, pos + n)), "length", pos + n);
  }
  if (!eof) return { done: false, reason: "close-delimited body, connection still open" };
  return finish(Buffer.from(buf.subarray(pos)), "close", buf.length);
}

/** Parse every complete response in `buf` (e.g. what arrived before the server closed). */
export function parseAll(buf: Buffer, eof = true, opts: ParseOptions = {}): { responses: HttpResponse[]; rest: Buffer } {
  const responses: HttpResponse[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const r = parseResponse(buf, pos, eof, opts);
    if (!r.done) break;
    responses.push(r.response);
    pos = r.end;
  }
  return { responses, rest: buf.subarray(pos) };
}

/** What untilClosed() resolves with. */
export interface Closed {
  /** Bytes that arrived after the read cursor (unparsed) up to the close. */
  rest: Buffer;
  /** Whether the server closed with a FIN (`end` event) rather than a reset. */
  fin: boolean;
  /** The socket error if the close came with one (ECONNRESET, ...). */
  error: Error | null;
}

/** Every open client, so a test's leftovers can be destroyed after it (see setup.ts). */
const openClients = new Set<RawClient>();

/** Destroy every client still open. Called after each test. */
export function destroyAllClients(): void {
  for (const c of openClients) c.destroy();
  openClients.clear();
}

/**
 * A TCP connection to the server. Bytes accumulate in `received`; reads parse from a cursor so
 * responses are consumed in order.
 */
export class RawClient {
  readonly socket: net.Socket;
  /** Everything received so far. */
  received: Buffer = Buffer.alloc(0);
  /** Where the next response starts in `received`. */
  cursor = 0;
  /** The server sent FIN. */
  ended = false;
  /** The socket is fully closed. */
  closed = false;
  error: Error | null = null;
  /** In sink mode (see sink()), bytes are counted here instead of kept. */
  sunk = 0;
  /** In sink mode, the last bytes that arrived (up to 64). */
  tail: Buffer = Buffer.alloc(0);
  private sinking = false;
  private waiters = new Set<() => void>();
  private closedPromise: Promise<void>;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    openClients.add(this);
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => {
      if (this.sinking) {
        this.sunk += chunk.length;
        this.tail = Buffer.concat([this.tail, chunk.subarray(-64)]).subarray(-64);
        return;
      }
      this.received = this.received.length === 0 ? chunk : Buffer.concat([this.received, chunk]);
      this.wake();
    });
    socket.on("end", () => {
      this.ended = true;
      this.wake();
    });
    socket.on("error", (err) => {
      this.error = err;
      this.wake();
    });
    this.closedPromise = new Promise((resolve) => {
      socket.on("close", () => {
        this.closed = true;
        openClients.delete(this);
        this.wake();
        resolve();
      });
    });
  }

  /** Connect to 127.0.0.1:port (or a unix socket path), optionally from `localAddress` (such as 127.0.0.2). */
  static connect(port: number | string, host = "127.0.0.1", localAddress?: string): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = typeof port === "string" ? net.connect({ path: port }) : net.connect({ port, host, localAddress });
      const fail = (err: Error) => reject(err);
      socket.once("error", fail);
      socket.once("connect", () => {
        socket.off("error", fail);
        resolve(new RawClient(socket));
      });
    });
  }

  /** The local (client) port, which the server sees as REMOTE_PORT. */
  get localPort(): number {
    return this.socket.localPort ?? -1;
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }

  /**
   * Wait until `check()` returns a value other than undefined, re-checking on every socket event.
   * Fails after `ms` with `describe()` in the message.
   */
  waitFor<T>(check: () => T | undefined, describe: () => string, ms = WAIT_MS): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const attempt = () => {
        let value: T | undefined;
        try {
          value = check();
        } catch (err) {
          done();
          reject(err);
          return;
        }
        if (value !== undefined) {
          done();
          resolve(value);
        }
      };
      const done = () => {
        this.waiters.delete(attempt);
        if (timer) clearTimeout(timer);
      };
      timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${ms} ms waiting for ${describe()}; received after cursor: ${show(this.received.subarray(this.cursor))}`));
      }, ms);
      this.waiters.add(attempt);
      attempt();
    });
  }

  /** Send bytes (a string is taken as Latin-1: one char per byte). Resolves when handed to the OS. */
  write(data: string | Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.write(bytes(data), (err) => (err ? reject(err) : resolve()));
    });
  }

  /** Send each piece as its own write, in order. */
  async writePieces(pieces: (string | Uint8Array)[]): Promise<void> {
    for (const p of pieces) await this.write(p);
  }

  /**
   * Read the next response (interim 1xx responses are returned as responses too). Rejects if the
   * connection closes before it is complete, with the bytes that came.
   */
  readResponse(opts: ParseOptions & { timeoutMs?: number } = {}): Promise<HttpResponse> {
    let lastReason = "";
    return this.waitFor(
      () => {
        const eof = this.ended || this.closed;
        const r = parseResponse(this.received, this.cursor, eof, opts);
        if (r.done) {
          this.cursor = r.end;
          return r.response;
        }
        lastReason = r.reason;
        if (eof) {
          throw new Error(`connection closed before a complete response (${r.reason}); got ${show(this.received.subarray(this.cursor))}`);
        }
        return undefined;
      },
      () => `a response (${lastReason})`,
      opts.timeoutMs,
    );
  }

  /** Read `n` responses in order. */
  async readResponses(n: number, opts: ParseOptions = {}): Promise<HttpResponse[]> {
    const out: HttpResponse[] = [];
    for (let i = 0; i < n; i++) out.push(await this.readResponse(opts));
    return out;
  }

  /** Send a request and read its response (skipping nothing: a 1xx would be returned). */
  async request(data: string | Uint8Array, opts: ParseOptions = {}): Promise<HttpResponse> {
    await this.write(data);
    return this.readResponse(opts);
  }

  /** Wait until at least `n` bytes after the cursor have arrived (or `text` appears after it). */
  waitForBytes(n: number, ms = WAIT_MS): Promise<Buffer> {
    return this.waitFor(
      () => {
        if (this.received.length - this.cursor >= n) return this.received.subarray(this.cursor);
        if (this.closed) throw new Error(`closed with ${this.received.length - this.cursor} of ${n} bytes: ${show(this.received.subarray(this.cursor))}`);
        return undefined;
      },
      () => `${n} bytes`,
      ms,
    );
  }

  /** Wait until `needle` appears after the cursor. Resolves with the bytes after the cursor. */
  waitForText(needle: string, ms = WAIT_MS): Promise<Buffer> {
    return this.waitFor(
      () => {
        if (this.received.indexOf(needle, this.cursor, "latin1") >= 0) return this.received.subarray(this.cursor);
        if (this.closed) throw new Error(`closed before ${JSON.stringify(needle)} arrived: ${show(this.received.subarray(this.cursor))}`);
        return undefined;
      },
      () => JSON.stringify(needle),
      ms,
    );
  }

  /** Resolve when the server has closed the connection, with whatever came after the cursor. */
  async untilClosed(ms = WAIT_MS): Promise<Closed> {
    await this.waitFor(
      () => (this.closed ? true : undefined),
      () => "the server to close the connection",
      ms,
    );
    const rest = this.received.subarray(this.cursor);
    this.cursor = this.received.length;
    return { rest, fin: this.ended, error: this.error };
  }

  /**
   * From now on count incoming bytes (sunk, tail) instead of keeping them: for responses of many
   * MiB. Bytes already received after the cursor are counted too.
   */
  sink(): void {
    const pending = this.received.subarray(this.cursor);
    this.sunk += pending.length;
    this.tail = Buffer.from(pending.subarray(-64));
    this.cursor = this.received.length;
    this.sinking = true;
  }

  /** Stop reading from the socket (the kernel buffers fill, the server sees backpressure). */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  /** Half-close: send FIN, keep reading. */
  end(): void {
    this.socket.end();
  }

  /** Close now (the server sees the client gone). */
  destroy(): void {
    this.socket.destroy();
    openClients.delete(this);
  }

  /** Resolves once the socket is closed (by either side). */
  whenClosed(): Promise<void> {
    return this.closedPromise;
  }
}

/** Connect, send `data`, read one response, and close. */
export async function once(port: number, data: string | Uint8Array, opts: ParseOptions = {}): Promise<HttpResponse> {
  const c = await RawClient.connect(port);
  try {
    return await c.request(data, opts);
  } finally {
    c.destroy();
  }
}

/** A minimal GET request head. */
export function get(path: string, extra = "", version = "HTTP/1.1"): string {
  return `GET ${path} ${version}\r\nHost: 127.0.0.1\r\n${extra}\r\n`;
}
