// toFetch(app): a tsgi Application as a fetch handler, `(request, info?) => Promise<Response>`, for
// Bun.serve, Deno.serve, `deno serve`, workers and srvx. The environ comes from the Request
// (fetch-environ.ts); PEP 3333's rules hold as on tsgi: startResponse is checked at once, the
// headers go out (the Response resolves) at the first non-empty chunk, the first write() or the end
// of the body, the body is pulled only as the host reads the stream, a Content-Length the app set is
// held to, and the body is closed once however the request ends.
// Must never pull the body faster than the host reads it, and never touch a runtime API.

import type { Application, Body, Chunk, ErrorStream, Header, StartResponse, Write } from "../src/wsgi/types.ts";
import { type ResponseStart, StartCache } from "../src/wsgi/start-response.ts";
import { describe, isThenable, toBytes } from "../src/wsgi/chunks.ts";
import { ErrorLog } from "../src/wsgi/error-stream.ts";
import { ApplicationError, HttpError, errorText } from "../src/errors.ts";
import { environFrom, type FetchGateway, runtimeName } from "./fetch-environ.ts";
import { reasonOf, statusText } from "./reasons.ts";

export interface ToFetchOptions {
  /** The mount point, as --root-path: removed from PATH_INFO and given as SCRIPT_NAME. */
  scriptName?: string;
  /** Where wsgi.errors and the adapter's own error lines go; console.error by default. */
  log?: (line: string) => void;
}

export type FetchServeHandler = (request: Request, info?: unknown) => Promise<Response>;

/** Statuses whose Response has no body (the Response constructor refuses one). */
const NULL_BODY = new Set([204, 205, 304]);

/** An answer of the adapter's own, shaped as the server's (docs/interface.md section 11). */
function errorResponse(status: number, detail: string): Response {
  return new Response(`${statusText(status, "")}: ${detail}\n`, { status, headers: { "content-type": "text/plain; charset=utf-8" } });
}

function headersOf(list: readonly Header[]): Headers {
  const h = new Headers();
  for (const [name, value] of list) h.append(name, value);
  return h;
}

function concat(chunks: readonly Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** One request through the application, ending in a Response. */
class FetchRun {
  private start: ResponseStart | null = null;
  private headers: Header[] = [];
  private headersSent = false;
  private finished = false;
  private bodyClosed = false;
  private body: Body | null = null;
  private iter: Iterator<unknown> | AsyncIterator<unknown> | null = null;
  private iterDone = false;
  private controller: ReadableStreamDefaultController<Uint8Array> | null = null;
  /** write() waiting for the host to read. */
  private drained: (() => void) | null = null;
  private sent = 0;
  /** A pull is running; `pullAgain`: the host asked again meanwhile. */
  private pulling = false;
  private pullAgain = false;
  private resolve!: (r: Response) => void;
  readonly response: Promise<Response>;
  readonly startResponse: StartResponse;
  private writeFn: Write | null = null;

  constructor(
    private readonly starts: StartCache,
    private readonly log: (line: string) => void,
    private readonly what: string,
    private readonly isHead: boolean,
  ) {
    this.response = new Promise((resolve) => (this.resolve = resolve));
    this.startResponse = (status, headers, excInfo) => {
      if (excInfo !== undefined && excInfo !== null) {
        if (this.headersSent) throw excInfo;
      } else if (this.start !== null) throw new TypeError("startResponse was already called; pass excInfo to replace the response");
      this.start = this.starts.get(status, headers);
      this.headers = headers;
      return (this.writeFn ??= (chunk) => this.write(chunk));
    };
  }

  async run(app: Application, environ: Parameters<Application>[0]): Promise<void> {
    let body: Body;
    try {
      body = await app(environ, this.startResponse);
    } catch (e) {
      return this.fail(e);
    }
    if (body === null || body === undefined || typeof body === "string" || body instanceof Uint8Array || typeof body !== "object") {
      return this.fail(new ApplicationError(`the application returned ${describe(body)} as its body; return an iterable of chunks, such as [body]`));
    }
    this.body = body;
    if (this.finished) return this.closeBody();
    try {
      if (Array.isArray(body)) return this.array(body);
      const b = body as Partial<Iterable<unknown> & AsyncIterable<unknown>>;
      if (typeof b[Symbol.iterator] === "function") this.iter = b[Symbol.iterator]!();
      else if (typeof b[Symbol.asyncIterator] === "function") this.iter = b[Symbol.asyncIterator]!();
      else return this.fail(new ApplicationError(`the application returned ${describe(body)} as its body; it is not iterable`));
      // Before the headers: pull until a non-empty chunk (or the end) decides them.
      while (!this.headersSent && !this.finished) {
        const r = await this.iter.next();
        if (r.done) {
          this.iterDone = true;
          return this.complete([], 0);
        }
        const bytes = toBytes(r.value);
        if (bytes.length > 0) this.sendHead(bytes);
      }
    } catch (e) {
      return this.fail(e);
    }
    // write() sent the headers before the body was returned: the host may be waiting already.
    if (this.controller !== null && (this.controller.desiredSize ?? 0) > 0) await this.pull();
  }

  /** An Array body is known whole: its length goes out as Content-Length (the host adds it). */
  private array(body: readonly unknown[]): void {
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (const c of body) {
      const bytes = toBytes(c);
      if (bytes.length > 0) {
        chunks.push(bytes);
        total += bytes.length;
      }
    }
    this.iterDone = true;
    this.complete(chunks, total);
  }

  /** The body ended with these chunks still to send. */
  private complete(chunks: Uint8Array[], total: number): void {
    if (this.finished) return;
    if (!this.headersSent) {
      const s = this.start;
      if (s === null) return this.fail(new ApplicationError("the application returned without calling startResponse()"));
      if (s.contentLength !== -1 && s.contentLength !== total && !this.isHead && !NULL_BODY.has(s.code)) {
        return this.fail(new ApplicationError(`the body is ${total} bytes but Content-Length says ${s.contentLength}`));
      }
      this.headersSent = true;
      this.finished = true;
      this.resolve(new Response(NULL_BODY.has(s.code) ? null : (concat(chunks, total) as Uint8Array<ArrayBuffer>), { status: s.code, statusText: reasonOf(s.status), headers: headersOf(this.headers) }));
      this.closeBody();
      return;
    }
    for (const c of chunks) if (!this.enqueue(c)) return;
    this.end();
  }

  /** PEP 3333's "headers sent": the Response resolves now, its stream starting with `first`. */
  private sendHead(first: Uint8Array | null): void {
    const s = this.start;
    if (s === null) throw new ApplicationError("the body produced data before startResponse() was called");
    this.headersSent = true;
    const init = { status: s.code, statusText: reasonOf(s.status), headers: headersOf(this.headers) };
    if (NULL_BODY.has(s.code)) {
      this.finished = true;
      this.resolve(new Response(null, init));
      this.closeBody();
      return;
    }
    const stream = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.controller = controller;
        },
        pull: () => this.pull(),
        cancel: () => {
          // The host stopped reading: the client went away.
          this.finished = true;
          this.wake();
          this.closeBody();
        },
      },
      { highWaterMark: 1 },
    );
    this.resolve(new Response(stream, init));
    if (first !== null) this.enqueue(first);
  }

  /** One chunk to the stream, held to the Content-Length; false when the response was cut. */
  private enqueue(bytes: Uint8Array): boolean {
    if (this.finished) return false;
    const limit = this.start!.contentLength;
    if (limit !== -1 && this.sent + bytes.length > limit && !this.isHead) {
      this.cut(new ApplicationError(`the application sent more bytes than its Content-Length (${limit})`));
      return false;
    }
    this.sent += bytes.length;
    this.controller!.enqueue(bytes);
    return true;
  }

  /** The host wants more: the next non-empty chunk of the body (write() waiters go first). */
  private async pull(): Promise<void> {
    if (this.drained !== null) return this.wake();
    if (this.finished || this.iter === null || this.iterDone) return;
    if (this.pulling) {
      this.pullAgain = true;
      return;
    }
    this.pulling = true;
    try {
      do {
        this.pullAgain = false;
        for (;;) {
          const r = await this.iter.next();
          if (this.finished) return;
          if (r.done) {
            this.iterDone = true;
            return this.end();
          }
          const bytes = toBytes(r.value);
          if (bytes.length > 0) {
            this.enqueue(bytes);
            break;
          }
        }
      } while (this.pullAgain && (this.controller!.desiredSize ?? 0) > 0);
    } catch (e) {
      this.fail(e);
    } finally {
      this.pulling = false;
    }
  }

  private wake(): void {
    const d = this.drained;
    this.drained = null;
    d?.();
  }

  private write(chunk: Chunk): void | Promise<void> {
    if (this.finished) throw new TypeError("write() was called after the response had ended");
    if (this.start === null) throw new TypeError("write() was called before startResponse()");
    const bytes = toBytes(chunk);
    if (!this.headersSent) this.sendHead(null);
    if (bytes.length > 0) this.enqueue(bytes);
    const c = this.controller;
    if (c !== null && !this.finished && (c.desiredSize ?? 1) <= 0) return new Promise((resolve) => (this.drained = resolve));
  }

  /** The body ended after the headers. */
  private end(): void {
    if (this.finished) return;
    const limit = this.start!.contentLength;
    if (limit !== -1 && this.sent < limit && !this.isHead) {
      return this.cut(new ApplicationError(`the application sent fewer bytes (${this.sent}) than its Content-Length (${limit})`));
    }
    this.finished = true;
    this.controller?.close();
    this.closeBody();
  }

  /** The response cannot be completed after the headers: the stream errors, so the host cuts it. */
  private cut(error: unknown): void {
    this.log(`tsgi: error in application (${this.what}): ${errorText(error)}`);
    this.finished = true;
    this.controller?.error(error);
    this.wake();
    this.closeBody();
  }

  fail(error: unknown): void {
    if (this.finished) return;
    if (this.headersSent) return this.cut(error);
    this.finished = true;
    this.headersSent = true;
    if (error instanceof HttpError) {
      this.log(`tsgi: client error (${this.what}): ${error.status} ${error.detail}`);
      this.resolve(errorResponse(error.status, error.detail));
    } else {
      this.log(`tsgi: error in application (${this.what}): ${errorText(error)}`);
      this.resolve(errorResponse(500, "internal server error"));
    }
    this.closeBody();
  }

  /** The body's close(), or the iterator's return() when it stopped early; once. */
  private closeBody(): void {
    if (this.bodyClosed || this.body === null) return;
    this.bodyClosed = true;
    const body = this.body as { close?: unknown };
    try {
      let r: unknown;
      if (typeof body.close === "function") r = (body.close as () => unknown)();
      else if (this.iter !== null && !this.iterDone && typeof this.iter.return === "function") r = this.iter.return();
      if (isThenable(r)) r.then(undefined, (e: unknown) => this.log(`tsgi: error in close() (${this.what}): ${errorText(e)}`));
    } catch (e) {
      this.log(`tsgi: error in close() (${this.what}): ${errorText(e)}`);
    }
  }
}

/** A tsgi Application as a fetch handler. `info` is the host's second argument (Deno.serve's info, Bun.serve's server). */
export function toFetch(app: Application, options: ToFetchOptions = {}): FetchServeHandler {
  if (typeof app !== "function") throw new TypeError("toFetch(app): app must be a function (environ, startResponse) => body");
  const log = options.log ?? ((line: string) => console.error(line));
  const errors: ErrorStream = new ErrorLog(log);
  const gateway: FetchGateway = { scriptName: (options.scriptName ?? "").replace(/\/+$/, ""), errors, runtime: runtimeName() };
  const starts = new StartCache();
  return (request, info) => {
    const url = request.url;
    const at = url.indexOf("/", url.indexOf("//") + 2);
    const run = new FetchRun(starts, log, `${request.method} ${at === -1 ? "/" : url.slice(at)}`, request.method === "HEAD");
    let environ;
    try {
      environ = environFrom(request, info, gateway);
    } catch (e) {
      run.fail(e);
      return run.response;
    }
    void run.run(app, environ);
    return run.response;
  };
}
