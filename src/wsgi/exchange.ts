// One request through the application (PEP 3333 "Specification Details"): calls the app, implements
// startResponse / write / excInfo, pulls the body (a synchronous one without a Promise, an
// asynchronous one with backpressure, through one pump), and always calls the body's close().
// PEP 3333's "headers sent" follows the application's actions only: the first non-empty chunk, the
// first write(), or the end of the body. From that moment status and framing are fixed, whatever
// has been flushed, so the same app gets the same bytes whether its body is sync or async, fast or
// slow. Must never touch the transport or wire format (it talks to its ExchangeHost) and never
// parse request bytes.

import type { Application, Body, Chunk, Environ, StartResponse, Write } from "./types.ts";
import { type ResponseStart, type StartCache } from "./start-response.ts";
import { describe, isThenable, toBytes } from "./chunks.ts";
import { statusAllowsBody } from "../http/response-framing.ts";
import { ApplicationError, ClientDisconnected, HttpError, errorText } from "../errors.ts";

/** What an exchange needs from its connection. */
export interface ExchangeHost {
  /**
   * The headers are sent now. `known` is the whole body when it was known before this moment
   * (an Array, or an empty body), with its length; else null and -1.
   */
  sendHead(start: ResponseStart, known: readonly Uint8Array[] | null, knownLength: number): void;
  /** One non-empty chunk under the framing sendHead fixed; false (nothing sent) when it does not fit. */
  sendBody(chunk: Uint8Array): boolean;
  /** The body is complete; false when it fell short of its Content-Length. */
  endBody(): boolean;
  /** The outgoing buffer is full: wait for waitWritable() before producing more. */
  readonly blocked: boolean;
  /** Flushes and resolves once the transport can take more (at once if it can). */
  waitWritable(): Promise<void>;
  /** The app made progress (produced a chunk); restarts the response timeout. */
  progress(): void;
  /** An error response instead of the application's (the headers were not sent). */
  sendError(status: number, detail: string): void;
  /** The exchange is over: success, app error, or abort. Called once. */
  exchangeDone(ex: Exchange): void;
  log(line: string): void;
}

/** What the exchange knows of its request besides environ. */
export interface RequestLabel {
  readonly method: string;
  readonly rawTarget: string;
}

const RUNNING = 0;
const DONE = 1;

export class Exchange {
  private state = RUNNING;
  private start: ResponseStart | null = null;
  /** PEP 3333's "headers sent": from here the status and framing are fixed. */
  headersSent = false;
  /** The response could not be completed correctly: the connection must close. */
  broken = false;
  /** The client went away (or an internal error ended the exchange). */
  private aborted = false;
  private body: Body | null = null;
  private iter: Iterator<unknown> | AsyncIterator<unknown> | null = null;
  private iterDone = false;
  private closeCalled = false;
  private readonly isHead: boolean;
  readonly startResponse: StartResponse;
  private write: Write | null = null;
  /** Continuations, made when first needed (a synchronous exchange needs none). */
  private pumpTask: (() => void) | null = null;
  private stepTask: ((r: IteratorResult<unknown>) => void) | null = null;
  private failTask: ((e: unknown) => void) | null = null;

  constructor(
    private readonly host: ExchangeHost,
    private readonly request: RequestLabel,
    readonly environ: Environ,
    private readonly starts: StartCache,
  ) {
    this.isHead = request.method === "HEAD";
    this.startResponse = (status, headers, excInfo) => this.startResponseCall(status, headers, excInfo);
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
        (result as Promise<Body>).then((body) => this.guard(() => this.consume(body)), this.onFailure());
      } catch (e) {
        this.fail(e); // a thenable whose then() throws
      }
    } else this.consume(result);
  }

  private onFailure(): (e: unknown) => void {
    return (this.failTask ??= (e) => this.guard(() => this.fail(e)));
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

  private startResponseCall(status: string, headers: [string, string][], excInfo?: unknown): Write {
    if (excInfo !== undefined && excInfo !== null) {
      // PEP 3333: once the headers are sent the response cannot change; the error goes back up.
      if (this.headersSent) throw excInfo;
    } else if (this.start !== null) {
      throw new TypeError("startResponse was already called; pass excInfo to replace the response");
    }
    this.start = this.starts.get(status, headers);
    return (this.write ??= (chunk) => this.writeCall(chunk));
  }

  private writeCall(chunk: Chunk): void | Promise<void> {
    if (this.state !== RUNNING) {
      if (this.aborted) throw new ClientDisconnected();
      throw new TypeError("write() was called after the response had ended");
    }
    if (this.start === null) throw new TypeError("write() was called before startResponse()");
    const bytes = toBytes(chunk);
    // PEP 3333: the first call of write() sends the headers, whatever it writes.
    if (!this.headersSent) this.sendHead(null, -1);
    if (bytes.length > 0) {
      this.host.progress();
      this.sendBody(bytes);
    }
    if (this.host.blocked) return this.host.waitWritable();
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
    try {
      if (Array.isArray(body)) this.sendArray(body);
      else if (typeof (body as Iterable<unknown>)[Symbol.iterator] === "function") {
        this.iter = (body as Iterable<unknown>)[Symbol.iterator]();
        this.pump();
      } else if (typeof (body as AsyncIterable<unknown>)[Symbol.asyncIterator] === "function") {
        this.iter = (body as AsyncIterable<unknown>)[Symbol.asyncIterator]();
        this.pump();
      } else {
        this.fail(new ApplicationError(`the application returned ${describe(body)} as its body; it is not iterable`));
      }
    } catch (e) {
      this.fail(e);
    }
  }

  /** An Array is the whole body at once: its length is known before the headers go out. */
  private sendArray(body: readonly unknown[]): void {
    // The Array itself serves when it holds only non-empty byte chunks (the common case).
    let chunks = body as readonly Uint8Array[];
    let total = 0;
    for (let i = 0; i < body.length; i++) {
      const v = body[i];
      if (v instanceof Uint8Array && v.length > 0) total += v.length;
      else {
        chunks = bytesOf(body);
        total = 0;
        for (let k = 0; k < chunks.length; k++) total += chunks[k]!.length;
        break;
      }
    }
    this.iterDone = true;
    if (!this.headersSent) this.sendHead(chunks, total);
    else for (let i = 0; i < chunks.length && this.sendBody(chunks[i]!); i++);
    this.finish();
  }

  /**
   * Pulls the iterator until it ends, the exchange ends, or the output is full. A synchronous
   * iterator is pulled in a loop; an asynchronous one resumes here when each result arrives.
   */
  private pump(): void {
    const it = this.iter!;
    for (;;) {
      if (this.state !== RUNNING) return;
      let r: IteratorResult<unknown> | PromiseLike<IteratorResult<unknown>>;
      try {
        r = it.next();
      } catch (e) {
        this.fail(e);
        return;
      }
      if (isThenable(r)) {
        this.stepTask ??= (res) => this.guard(() => {
          if (this.step(res)) this.pump();
        });
        r.then(this.stepTask, this.onFailure());
        return;
      }
      if (!this.step(r)) return;
    }
  }

  /** Takes one iterator result; true when the pump should pull the next one now. */
  private step(r: IteratorResult<unknown>): boolean {
    if (this.state !== RUNNING) return false;
    if (r.done) {
      this.iterDone = true;
      this.finish();
      return false;
    }
    let bytes: Uint8Array;
    try {
      bytes = toBytes(r.value);
    } catch (e) {
      this.fail(e);
      return false;
    }
    if (bytes.length === 0) return true;
    this.host.progress();
    if (!this.headersSent) {
      try {
        this.sendHead(null, -1);
      } catch (e) {
        this.fail(e);
        return false;
      }
    }
    if (!this.sendBody(bytes)) return false;
    if (this.isHead) {
      // The head is out and a HEAD response has no body: stop pulling.
      this.finish();
      return false;
    }
    if (this.host.blocked) {
      this.host.waitWritable().then((this.pumpTask ??= () => this.guard(() => this.pump())));
      return false;
    }
    return true;
  }

  // ---- sending

  /** The headers are sent now (PEP 3333): throws ApplicationError when they cannot be. */
  private sendHead(known: readonly Uint8Array[] | null, knownLength: number): void {
    const s = this.start;
    if (s === null) throw new ApplicationError("the body produced data before startResponse() was called");
    if (known !== null && s.contentLength !== -1 && s.contentLength !== knownLength && !this.isHead && statusAllowsBody(s.code)) {
      throw new ApplicationError(`the body is ${knownLength} bytes but Content-Length says ${s.contentLength}`);
    }
    this.headersSent = true;
    this.host.sendHead(s, known, knownLength);
  }

  /** One non-empty chunk after the headers; false when the exchange ended (the chunk did not fit). */
  private sendBody(bytes: Uint8Array): boolean {
    if (this.host.sendBody(bytes)) return this.state === RUNNING;
    this.host.log(`tsgi: error: ${this.what()}: the application sent more bytes than its Content-Length; the connection is closed`);
    this.broken = true;
    this.end();
    return false;
  }

  private what(): string {
    return `${this.request.method} ${this.request.rawTarget}`;
  }

  /** The body is complete: send the head if it has not gone out (an empty body), then the end. */
  private finish(): void {
    if (this.state !== RUNNING) return;
    if (!this.headersSent) {
      if (this.start === null) {
        this.fail(new ApplicationError("the application returned without calling startResponse()"));
        return;
      }
      try {
        this.sendHead([], 0);
      } catch (e) {
        this.fail(e);
        return;
      }
    }
    if (!this.host.endBody()) {
      this.host.log(`tsgi: error: ${this.what()}: the application sent fewer bytes than its Content-Length; the connection is closed`);
      this.broken = true;
    }
    this.end();
  }

  private end(): void {
    if (this.state !== RUNNING) return;
    this.state = DONE;
    this.callClose();
    this.host.exchangeDone(this);
  }

  /** The app failed (or timed out). Before the headers: an error response; after: the connection closes. */
  fail(error: unknown): void {
    if (this.state !== RUNNING) return;
    this.state = DONE;
    if (!(error instanceof ClientDisconnected)) this.host.log(`tsgi: error in application (${this.what()}): ${errorText(error)}`);
    this.callClose();
    if (!this.headersSent) {
      this.headersSent = true;
      this.host.sendError(error instanceof HttpError ? error.status : 500, error instanceof HttpError ? error.detail : "internal server error");
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

/** The non-empty chunks of an Array body as bytes; throws ApplicationError for a bad chunk. */
function bytesOf(body: readonly unknown[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < body.length; i++) {
    const bytes = toBytes(body[i]);
    if (bytes.length > 0) out.push(bytes);
  }
  return out;
}
