// One request through the application (PEP 3333 "Specification Details"): calls the app, implements
// startResponse / write / excInfo, takes the body it returns (an Array at once, anything else
// through its AppBody), and always has the body closed.
// PEP 3333's "headers sent" follows the application's actions only: the first non-empty chunk, the
// first write(), or the end of the body. From that moment status and framing are fixed, whatever
// has been flushed, so the same app gets the same bytes whether its body is sync or async, fast or
// slow. Must never touch the transport or wire format (it talks to its ExchangeHost) and never
// parse request bytes.

import type { Application, Body, Chunk, Environ, StartResponse, Write } from "./types.ts";
import type { ResponseStart, StartCache } from "./start-response.ts";
import type { ExchangeHost, RequestLabel } from "./exchange-host.ts";
import type { Settling } from "./settle-route.ts";
import { bytesOf, describe, isThenable, toBytes } from "./chunks.ts";
import { AppBody, type ChunkTaker } from "./app-body.ts";
import { type FileSource, fileSourceOf } from "./file-wrapper.ts";
import { statusAllowsBody } from "../http/response-framing.ts";
import { reasonFor } from "../http/error-response.ts";
import { ApplicationError, ClientDisconnected, HttpError, errorText } from "../errors.ts";

const RUNNING = 0;
const DONE = 1;

export class Exchange implements ChunkTaker, Settling {
  private state = RUNNING;
  private start: ResponseStart | null = null;
  /** PEP 3333's "headers sent": from here the status and framing are fixed. */
  headersSent = false;
  /** The response could not be completed correctly: the connection must close. */
  broken = false;
  /** The client went away (or an internal error ended the exchange). */
  private aborted = false;
  /** The body the app returned, once it did. */
  private body: AppBody | null = null;
  /** The Promise the app returned, until it settles: its close(), if it has one, is called when the request ends first. */
  private pending: { close?: unknown } | null = null;
  private readonly isHead: boolean;
  private bodyLength = -1; // a sized wsgi.file_wrapper body's length (its Content-Length when the app gave none)
  readonly startResponse: StartResponse;
  private write: Write | null = null;
  /** Made when first needed (a synchronous app, or a Promise that settles through the connection's SettleRoute, needs none). */
  private failTask: ((e: unknown) => void) | null = null;

  constructor(
    private readonly host: ExchangeHost<Exchange>,
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
      this.pending = result as { close?: unknown };
      try {
        // The connection's one callback pair when it is free (the usual case), else callbacks of its own.
        if (!this.host.settles.take(result, this)) {
          (result as Promise<Body>).then((body) => this.settled(body, false), (this.failTask ??= (e) => this.settled(e, true)));
        }
      } catch (e) {
        this.fail(e); // a thenable whose then() throws
      }
    } else this.consume(result);
  }

  /** Runs a continuation so that nothing it throws becomes an unhandled rejection. */
  guard(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.internalError(e);
    }
  }

  /**
   * The app's Promise resolved (or, `failed`, rejected), run as guard() would, without guard()'s
   * closure; the output is held meanwhile, so a response completed here needs no flush scheduled.
   */
  settled(value: unknown, failed: boolean): void {
    this.host.holdOutput();
    try {
      if (failed) this.fail(value);
      else this.consume(value as Body);
    } catch (e) {
      this.internalError(e);
    } finally {
      this.host.releaseOutput();
    }
  }

  /** A continuation threw (a bug): the exchange is abandoned and the connection closes. */
  private internalError(e: unknown): void {
    this.host.log(`tsgi: internal error in ${this.what()}: ${errorText(e)}`);
    const wasRunning = this.state === RUNNING;
    this.abort();
    if (wasRunning) this.host.exchangeDone(this); // broken: the connection closes
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
    this.pending = null;
    if (body === null || body === undefined || typeof body === "string" || body instanceof Uint8Array || typeof body !== "object") {
      if (this.state === RUNNING) this.fail(new ApplicationError(`the application returned ${describe(body)} as its body; return an iterable of chunks, such as [body]`));
      return;
    }
    // An Array without a close() needs no AppBody: nothing to iterate lazily, nothing to close.
    const isArray = Array.isArray(body);
    const appBody = isArray && typeof (body as { close?: unknown }).close !== "function" ? null : new AppBody(body, this);
    this.body = appBody;
    const file = isArray ? null : fileSourceOf(body);
    this.bodyLength = file?.size ?? -1;
    if (this.state !== RUNNING) {
      appBody?.close();
      return;
    }
    try {
      if (file !== null && file.path !== null && !this.isHead && this.start !== null && this.host.takesFile(file) && this.sentFile(file)) return;
      if (isArray) {
        appBody?.takenWhole();
        this.sendArray(body as unknown[]);
      } else if (!appBody!.pull()) {
        this.fail(new ApplicationError(`the application returned ${describe(body)} as its body; it is not iterable`));
      }
    } catch (e) {
      this.fail(e);
    }
  }

  /** A file body the host sends itself: the headers now, then the file; false when it cannot (the body is pulled, the headers maybe out). */
  private sentFile(file: FileSource): boolean {
    this.sendHead(null, file.size); // a throw goes to consume()'s caller: fail()
    const sending = this.host.sendFile(file);
    if (sending === null) return false;
    const done = (complete: boolean) => this.guard(() => {
      if (this.state !== RUNNING) return;
      this.broken ||= !complete; // the file shrank or the socket failed: the response is short
      if (complete) this.ended();
      else this.end();
    });
    sending.then(done, (this.failTask ??= (e) => this.settled(e, true)));
    return true;
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
    if (!this.headersSent) this.sendHead(chunks, total);
    else for (let i = 0; i < chunks.length && this.sendBody(chunks[i]!); i++);
    this.ended();
  }

  // ---- ChunkTaker: what the body's chunks go to

  get running(): boolean {
    return this.state === RUNNING;
  }

  get blocked(): boolean {
    return this.host.blocked;
  }

  waitWritable(): Promise<void> {
    return this.host.waitWritable();
  }

  chunk(bytes: Uint8Array): boolean {
    this.host.progress();
    if (!this.headersSent) {
      try {
        this.sendHead(null, this.bodyLength);
      } catch (e) {
        this.fail(e);
        return false;
      }
    }
    if (!this.sendBody(bytes)) return false;
    if (this.isHead) {
      // The head is out and a HEAD response has no body: stop pulling.
      this.ended();
      return false;
    }
    return true;
  }

  failed(error: unknown): void {
    this.fail(error);
  }

  closeFailed(error: unknown): void {
    this.host.log(`tsgi: error in close() (${this.what()}): ${errorText(error)}`);
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
  ended(): void {
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
    this.body?.close();
    this.host.exchangeDone(this);
  }

  /** The app failed (or timed out). Before the headers: an error response; after: the connection closes. */
  fail(error: unknown): void {
    if (this.state !== RUNNING) return;
    this.state = DONE;
    if (error instanceof HttpError) {
      // A wsgi.input error the app let escape (body too large, too slow, malformed): the client's fault, one line.
      this.host.log(`tsgi: client error (${this.what()}): ${error.status} ${reasonFor(error.status)}: ${error.detail}${this.headersSent ? "; the response was cut short" : ""}`);
    } else if (!(error instanceof ClientDisconnected)) this.host.log(`tsgi: error in application (${this.what()}): ${errorText(error)}`);
    this.body?.close();
    this.closePending();
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
    this.body?.close();
    this.closePending();
  }

  /** The request ended before the app's Promise settled: its close(), if it has one (adapters/from-fetch.ts uses it). */
  private closePending(): void {
    const p = this.pending;
    this.pending = null;
    if (p === null || typeof p.close !== "function") return;
    try {
      (p.close as () => void)();
    } catch (e) {
      this.closeFailed(e);
    }
  }
}
