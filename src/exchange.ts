// One request through the application (PEP 3333 section "Specification Details"): calls the app,
// implements startResponse / write / excInfo, pulls the body (sync without a Promise, async with
// backpressure), frames the response, and always calls the body's close().
// Must never touch the transport (it talks to its ExchangeHost) and never parse request bytes.

import type { Application, Body, Chunk, Environ, StartResponse, Write } from "./types.ts";
import type { RequestHead } from "./head.ts";
import { type ResponseStart, encodeHead, validateStart } from "./response.ts";
import { encodeLatin1, encodeUtf8 } from "./bytes.ts";
import { ApplicationError, ClientDisconnected, HttpError, errorText } from "./errors.ts";

/** What an exchange needs from its connection. */
export interface ExchangeHost {
  /** Queue response bytes. */
  send(data: Uint8Array): void;
  /** The outgoing buffer is full: wait for waitDrain() before producing more. */
  readonly blocked: boolean;
  /** Flushes and resolves once the transport can take more (at once if it can). */
  waitDrain(): Promise<void>;
  /** Whether the connection may stay open after this response (request body state, shutdown). */
  canKeepAlive(): boolean;
  /** The Date and/or Server fields the server adds (pre-encoded, cached per second), or null for none. */
  serverFields(withDate: boolean, withServer: boolean): Uint8Array | null;
  /** The app made progress (produced a chunk); restarts the response timeout. */
  progress(): void;
  /** The exchange is over: success, app error, or abort. Called once. */
  exchangeDone(ex: Exchange): void;
  /** Send a server-generated error response (Connection: close); without its body for HEAD. */
  sendError(status: number, detail: string, isHead: boolean): void;
  log(line: string): void;
}

const RUNNING = 0;
const DONE = 1;

/** Framing of the response body. */
const F_NONE = 0; // no body allowed (1xx, 204, 304)
const F_LENGTH = 1;
const F_CHUNKED = 2;
const F_CLOSE = 3; // HTTP/1.0, length unknown: the connection's close ends the body

/** Sync bodies are buffered up to this many bytes to send them with a Content-Length. */
const SYNC_BUFFER = 64 * 1024;
/** A known body up to this size is copied into the head's buffer (one write); a larger one follows the head uncopied. */
const INLINE_BODY = 16 * 1024;

const TE_CHUNKED = encodeLatin1("Transfer-Encoding: chunked\r\n");
const CONNECTION_CLOSE = encodeLatin1("Connection: close\r\n");
const CONNECTION_KEEP_ALIVE = encodeLatin1("Connection: keep-alive\r\n");
const LAST_CHUNK = new Uint8Array([48, 13, 10, 13, 10]);
const CRLF_LAST_CHUNK = new Uint8Array([13, 10, 48, 13, 10, 13, 10]);

function describe(v: unknown): string {
  if (v === null) return "null";
  if (typeof v === "string") return "a string";
  if (v instanceof Uint8Array) return "a Uint8Array";
  if (typeof v === "object") return `an object (${Object.prototype.toString.call(v)})`;
  return `a ${typeof v}`;
}

function toBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === "string") return encodeUtf8(chunk);
  throw new ApplicationError(`the response body yielded ${describe(chunk)}; chunks must be Uint8Array or string`);
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return v !== null && (typeof v === "object" || typeof v === "function") && typeof (v as { then?: unknown }).then === "function";
}

// Chunk-size lines: "<hex>\r\n" for the first chunk, "\r\n<hex>\r\n" (closing the previous chunk's
// data) after that. Streams mostly repeat one chunk size, so the last few are kept.
const sizeLines = new Map<number, Uint8Array>();

function sizeLine(n: number, afterChunk: boolean): Uint8Array {
  const key = afterChunk ? -n - 1 : n;
  let line = sizeLines.get(key);
  if (line === undefined) {
    line = encodeLatin1((afterChunk ? "\r\n" : "") + n.toString(16) + "\r\n");
    if (sizeLines.size >= 64) sizeLines.clear();
    sizeLines.set(key, line);
  }
  return line;
}

export class Exchange {
  private state = RUNNING;
  private started: ResponseStart | null = null;
  committed = false;
  private framing = F_NONE;
  private noBody = false;
  private remaining = 0; // bytes still to send under F_LENGTH
  /** The connection may stay open afterwards (decided when headers go out). */
  keepAlive = false;
  /** The response could not be completed correctly: the connection must close. */
  broken = false;
  /** The client went away (or an internal error ended the exchange). */
  private aborted = false;
  /** Status code sent (for the access log); 0 until headers go out. */
  statusCode = 0;
  /** Body bytes sent. */
  bytesSent = 0;
  private body: Body | null = null;
  private iter: Iterator<unknown> | AsyncIterator<unknown> | null = null;
  private iterDone = false;
  private closeCalled = false;
  private pending: Uint8Array[] = [];
  private pendingSize = 0;
  /** Chunks sent under chunked framing (the first has no CRLF before its size line). */
  private chunksSent = 0;
  private isAsync = false;
  private readonly isHead: boolean;
  readonly startResponse: StartResponse;
  private write: Write | null = null;

  constructor(
    private readonly host: ExchangeHost,
    readonly head: RequestHead,
    readonly environ: Environ,
  ) {
    this.isHead = head.method === "HEAD";
    this.startResponse = (status, headers, excInfo) => this.start(status, headers, excInfo);
  }

  get done(): boolean {
    return this.state === DONE;
  }

  /** Calls the application; finishes synchronously when the app and its body are synchronous. */
  run(app: Application): void {
    let result: Body | Promise<Body>;
    try {
      result = app(this.environ, this.startResponse);
    } catch (e) {
      this.fail(e);
      return;
    }
    if (isThenable(result)) {
      try {
        (result as Promise<Body>).then(
          (body) => this.guard(() => this.consume(body)),
          (e) => this.guard(() => this.fail(e)),
        );
      } catch (e) {
        this.fail(e); // a thenable whose then() throws
      }
    } else this.consume(result);
  }

  /** Runs a continuation so that nothing it throws becomes an unhandled rejection. */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.host.log(`tsgi: internal error in ${this.what()}: ${errorText(e)}`);
      const wasRunning = this.state === RUNNING;
      this.abort();
      if (wasRunning) this.host.exchangeDone(this); // broken: the connection closes
    }
  }

  // ---- startResponse and write

  private start(status: string, headers: [string, string][], excInfo?: unknown): Write {
    if (excInfo !== undefined && excInfo !== null) {
      if (this.committed) throw excInfo;
      // Nothing went out yet: what the replaced response had gathered is dropped with it.
      this.pending = [];
      this.pendingSize = 0;
    } else if (this.started !== null) {
      throw new TypeError("startResponse was already called; pass excInfo to replace the response");
    }
    this.started = validateStart(status, headers);
    return (this.write ??= (chunk) => this.writeChunk(chunk));
  }

  private writeChunk(chunk: Chunk): void | Promise<void> {
    if (this.state !== RUNNING) {
      if (this.aborted) throw new ClientDisconnected();
      throw new TypeError("write() was called after the response had ended");
    }
    if (this.started === null) throw new TypeError("write() was called before startResponse()");
    const bytes = toBytes(chunk);
    if (bytes.length === 0) return;
    this.host.progress();
    // Headers go out now; anything a generator yielded before calling write() goes first.
    if (!this.committed) this.commit(-1, bytes);
    else this.sendBody(bytes);
    if (this.host.blocked) return this.host.waitDrain();
  }

  // ---- the body

  private consume(body: Body): void {
    this.body = body;
    if (this.state !== RUNNING) {
      this.callClose();
      return;
    }
    if (body === null || body === undefined || typeof body === "string" || body instanceof Uint8Array || typeof body !== "object") {
      this.fail(new ApplicationError(`the application returned ${describe(body)} as its body; return an iterable of chunks, such as [body]`));
      return;
    }
    if (Array.isArray(body)) {
      this.consumeArray(body);
      return;
    }
    try {
      if (typeof (body as Iterable<unknown>)[Symbol.iterator] === "function") {
        this.iter = (body as Iterable<unknown>)[Symbol.iterator]();
        this.pumpSync();
      } else if (typeof (body as AsyncIterable<unknown>)[Symbol.asyncIterator] === "function") {
        this.iter = (body as AsyncIterable<unknown>)[Symbol.asyncIterator]();
        this.pumpAsync().then(undefined, (e: unknown) => this.guard(() => this.fail(e)));
      } else {
        this.fail(new ApplicationError(`the application returned ${describe(body)} as its body; it is not iterable`));
      }
    } catch (e) {
      this.fail(e);
    }
  }

  /** The common case: every chunk is known now, so the length is too. */
  private consumeArray(body: readonly unknown[]): void {
    try {
      for (let i = 0; i < body.length && this.state === RUNNING; i++) {
        const bytes = toBytes(body[i]);
        if (bytes.length === 0) continue;
        if (this.committed) this.sendBody(bytes);
        else {
          this.pending.push(bytes);
          this.pendingSize += bytes.length;
        }
      }
    } catch (e) {
      this.fail(e);
      return;
    }
    this.iterDone = true;
    if (this.state === RUNNING) this.finish();
  }

  /** Takes one yielded value; returns false when the exchange ended (error). */
  private take(value: unknown): boolean {
    let bytes: Uint8Array;
    try {
      bytes = toBytes(value);
    } catch (e) {
      this.fail(e);
      return false;
    }
    if (bytes.length === 0) return true;
    this.host.progress();
    try {
      if (this.committed) this.sendBody(bytes);
      else if (this.isAsync) this.commit(-1, bytes);
      else {
        // A synchronous body: buffer a little, so that a short one goes out with a Content-Length.
        this.pending.push(bytes);
        this.pendingSize += bytes.length;
        if (this.pendingSize > SYNC_BUFFER) this.commit(-1, null);
      }
    } catch (e) {
      this.fail(e);
      return false;
    }
    return this.state === RUNNING;
  }

  private pumpSync(): void {
    const it = this.iter as Iterator<unknown>;
    for (;;) {
      if (this.state !== RUNNING) return;
      let r: IteratorResult<unknown>;
      try {
        r = it.next();
      } catch (e) {
        this.fail(e);
        return;
      }
      if (r.done) {
        this.iterDone = true;
        this.finish();
        return;
      }
      if (!this.take(r.value)) return;
      if (this.isHead && this.committed) {
        this.finish();
        return;
      }
      if (this.committed && this.host.blocked) {
        this.host.waitDrain().then(() => this.guard(() => this.pumpSync()));
        return;
      }
    }
  }

  private async pumpAsync(): Promise<void> {
    this.isAsync = true;
    const it = this.iter as AsyncIterator<unknown>;
    for (;;) {
      let r: IteratorResult<unknown>;
      try {
        r = await it.next();
      } catch (e) {
        this.fail(e);
        return;
      }
      if (this.state !== RUNNING) return;
      if (r.done) {
        this.iterDone = true;
        this.finish();
        return;
      }
      if (!this.take(r.value)) return;
      if (this.isHead && this.committed) {
        this.finish();
        return;
      }
      if (this.host.blocked) {
        await this.host.waitDrain();
        if (this.state !== RUNNING) return;
      }
    }
  }

  // ---- sending

  /**
   * Sends the head, choosing the framing: `known` is the whole body's length when known (else -1);
   * `first` is a chunk to send with the head in the same write. Pending buffered chunks follow the head.
   */
  private commit(known: number, first: Uint8Array | null): void {
    const s = this.started;
    if (s === null) throw new ApplicationError("the body produced data before startResponse() was called");
    this.committed = true;
    this.statusCode = s.code;
    const h = this.head;
    let lengthField = -1;
    let framingField: Uint8Array | null = null;
    const noBodyStatus = s.code === 204 || s.code === 304;
    if (noBodyStatus) this.framing = F_NONE;
    else if (s.contentLength !== -1) {
      this.framing = F_LENGTH;
      this.remaining = s.contentLength;
    } else if (known >= 0) {
      this.framing = F_LENGTH;
      this.remaining = known;
      lengthField = known;
    } else if (h.minor === 1) {
      this.framing = F_CHUNKED;
      framingField = TE_CHUNKED;
    } else this.framing = F_CLOSE;
    this.noBody = this.isHead || noBodyStatus;
    const keep = h.keepAlive && (this.framing !== F_CLOSE || this.isHead) && this.host.canKeepAlive();
    this.keepAlive = keep;
    const connectionField = h.minor === 1 ? (keep ? null : CONNECTION_CLOSE) : keep ? CONNECTION_KEEP_ALIVE : null;
    const serverFields = this.host.serverFields(!s.hasDate, !s.hasServer);

    // Head and what is already known go out in one buffer where that is small.
    const pending = this.pending;
    this.pending = [];
    const pendingSize = this.pendingSize;
    this.pendingSize = 0;
    const firstSize = first === null ? 0 : first.length;
    if (this.noBody || this.framing !== F_LENGTH || pendingSize + firstSize > INLINE_BODY) {
      this.host.send(encodeHead(s, lengthField, framingField, connectionField, serverFields, 0));
      for (let i = 0; i < pending.length; i++) this.sendBody(pending[i]!);
      if (first !== null) this.sendBody(first);
      return;
    }
    const body = pendingSize + firstSize;
    if (body > this.remaining) {
      this.host.send(encodeHead(s, lengthField, framingField, connectionField, serverFields, 0));
      this.overflow();
      return;
    }
    const bytes = encodeHead(s, lengthField, framingField, connectionField, serverFields, body);
    let o = bytes.length - body;
    for (let i = 0; i < pending.length; i++) {
      bytes.set(pending[i]!, o);
      o += pending[i]!.length;
    }
    if (first !== null) bytes.set(first, o);
    this.remaining -= body;
    this.bytesSent += body;
    this.host.send(bytes);
  }

  /** Sends one non-empty chunk of body under the chosen framing. */
  private sendBody(bytes: Uint8Array): void {
    if (this.noBody || this.state !== RUNNING) return;
    switch (this.framing) {
      case F_LENGTH: {
        if (bytes.length > this.remaining) {
          // Withhold the whole chunk: the client then sees a short body, not a plausible one.
          this.overflow();
          return;
        }
        this.remaining -= bytes.length;
        this.bytesSent += bytes.length;
        this.host.send(bytes);
        return;
      }
      case F_CHUNKED:
        // The CRLF that ends this chunk's data goes out with the next size line (or the last chunk).
        this.host.send(sizeLine(bytes.length, this.chunksSent++ > 0));
        this.host.send(bytes);
        this.bytesSent += bytes.length;
        return;
      case F_CLOSE:
        this.bytesSent += bytes.length;
        this.host.send(bytes);
        return;
    }
  }

  /** The app produced more than its Content-Length. */
  private overflow(): void {
    this.host.log(`tsgi: error: ${this.what()}: the application sent more bytes than its Content-Length; the connection is closed`);
    this.broken = true;
    this.end();
  }

  private what(): string {
    return `${this.head.method} ${this.head.rawTarget}`;
  }

  /** The body is complete: send what is left, frame the end, check the length. */
  private finish(): void {
    if (this.state !== RUNNING) return;
    if (!this.committed) {
      const s = this.started;
      if (s === null) {
        this.fail(new ApplicationError("the application returned without calling startResponse()"));
        return;
      }
      if (s.contentLength !== -1 && !this.isHead && s.code !== 204 && s.code !== 304 && this.pendingSize !== s.contentLength) {
        this.fail(new ApplicationError(`the body is ${this.pendingSize} bytes but Content-Length says ${s.contentLength}`));
        return;
      }
      try {
        this.commit(this.pendingSize, null);
      } catch (e) {
        this.fail(e);
        return;
      }
      if (this.state !== RUNNING) return;
    }
    if (!this.noBody) {
      if (this.framing === F_CHUNKED) this.host.send(this.chunksSent > 0 ? CRLF_LAST_CHUNK : LAST_CHUNK);
      else if (this.framing === F_LENGTH && this.remaining > 0) {
        this.host.log(`tsgi: error: ${this.what()}: the application sent ${this.remaining} bytes fewer than its Content-Length; the connection is closed`);
        this.broken = true;
      }
    }
    this.end();
  }

  private end(): void {
    if (this.state !== RUNNING) return;
    this.state = DONE;
    this.callClose();
    this.host.exchangeDone(this);
  }

  /** The app failed (or timed out). Before headers: an error response; after: the connection closes. */
  fail(error: unknown): void {
    if (this.state !== RUNNING) return;
    this.state = DONE;
    const status = error instanceof HttpError ? error.status : 500;
    if (!(error instanceof ClientDisconnected)) {
      const text = errorText(error);
      this.host.log(`tsgi: error in application (${this.what()}): ${text}`);
    }
    this.callClose();
    if (!this.committed) {
      this.committed = true;
      this.statusCode = status;
      this.keepAlive = false;
      this.host.sendError(status, error instanceof HttpError ? error.detail : "internal server error", this.isHead);
    } else this.broken = true;
    this.host.exchangeDone(this);
  }

  /** The client is gone: stop pulling the body and close it. */
  abort(): void {
    if (this.state !== RUNNING) return;
    this.state = DONE;
    this.aborted = true;
    this.broken = true;
    this.callClose();
  }

  /** Calls the body's close() (or the iterator's return() when it stopped early), once. */
  private callClose(): void {
    if (this.closeCalled || this.body === null) return;
    this.closeCalled = true;
    const body = this.body as { close?: unknown };
    try {
      let r: unknown;
      if (typeof body.close === "function") r = (body.close as () => unknown)();
      else if (this.iter !== null && !this.iterDone && typeof this.iter.return === "function") r = this.iter.return();
      if (isThenable(r)) r.then(undefined, (e: unknown) => this.host.log(`tsgi: error in close() (${this.what()}): ${String(e)}`));
    } catch (e) {
      this.host.log(`tsgi: error in close() (${this.what()}): ${errorText(e)}`);
    }
  }
}

