// fromFetch(handler): a fetch handler, `(request, info) => Response | Promise<Response>` (Hono's
// app.fetch, itty-router, an Elysia-style handler), as a tsgi Application. The Request is made from
// environ (fetch-request.ts); the Response's status and headers go to startResponse; a body that is
// whole at once becomes an Array (the server frames it with its Content-Length), any other is pulled
// chunk by chunk as the connection takes it. The application returns a Promise with a close(), so
// the server's close() reaches the response however the request ends, before or after the Promise
// settles: a client gone before the end aborts request.signal and cancels the response stream.
// Must never buffer a streamed body, never touch a runtime API, and never abort the signal of a
// request that was answered in full.

import type { Application, Chunk, Environ, Header, StartResponse } from "../src/wsgi/types.ts";
import { HeaderNames, requestFrom } from "./fetch-request.ts";
import { LAZY_FAITHFUL, LazyRequest } from "./lazy-request.ts";
import { statusText } from "./reasons.ts";
import { HOP_BY_HOP } from "./hop-by-hop.ts";
import { wholeBody } from "./response-bytes.ts";
import { describe } from "../src/wsgi/chunks.ts";

/** The second argument of the handler: the peer (Deno.serve's shape) and the environ itself. */
export interface FetchInfo {
  readonly remoteAddr: { readonly transport: "tcp" | "unix"; readonly hostname: string; readonly port: number };
  readonly environ: Environ;
}

export type FetchHandler = (request: Request, info: FetchInfo) => Response | Promise<Response>;

export interface FromFetchOptions {
  /**
   * Hand the handler a Request that is built only when it touches more than `url` and `method`
   * (lazy-request.ts): faster for handlers that route on the URL. On by default where the runtime
   * cannot tell it from a Request (Node, Deno); off by default on Bun, where
   * `new Request(request, init)` takes only the URL from it. `false` always builds the Request.
   */
  lazyRequest?: boolean;
}

/**
 * Whether this runtime keeps the type of a body out of a Response's headers (Bun: `new
 * Response("text")` has no Content-Type header; Bun.serve adds the body's type while sending).
 * Learnt once at load; where it is so, the type is taken from the body itself (Response.blob()).
 */
const TYPE_KEPT_FROM_HEADERS = !new Response("").headers.has("content-type");

/** Reads of a Response body tried before the headers go out, to learn whether it is already whole. */
const PEEK_READS = 4;
/** Microtask turns a peeked read may take to count as already there (a body made of a string or bytes). */
const PEEK_TURNS = 4;

type ReadResult = Awaited<ReturnType<ReadableStreamDefaultReader<unknown>["read"]>>;

const DONE: IteratorResult<Uint8Array> = Object.freeze({ done: true, value: undefined });

/** A chunk of a Response body as bytes; a TypeError for anything a fetch server would refuse too. */
function bytesOf(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  throw new TypeError(`the Response body stream yielded ${describe(value)}; expected Uint8Array chunks`);
}

/** Resolves with `p`'s result when it settles within a few microtask turns, else with undefined (it is still pending). */
function soon<T>(p: Promise<T>): Promise<T | undefined> {
  let later: Promise<undefined> = Promise.resolve(undefined);
  for (let i = 0; i < PEEK_TURNS; i++) later = later.then((v) => v);
  return Promise.race([p, later]);
}

/** The Response's headers for startResponse, hop-by-hop ones dropped (Bun.serve and Deno.serve do the same), Set-Cookie kept one per field. */
function headersOf(headers: Headers): { list: Header[]; hasLength: boolean; hasType: boolean } {
  const list: Header[] = [];
  let hasLength = false;
  let hasType = false;
  let cookies = false;
  headers.forEach((value, name) => {
    if (HOP_BY_HOP.has(name)) return;
    if (name === "set-cookie") cookies = true;
    else {
      if (name === "content-length") hasLength = true;
      else if (name === "content-type") hasType = true;
      list.push([name, value]);
    }
  });
  if (cookies) for (const c of headers.getSetCookie()) list.push(["set-cookie", c]);
  return { list, hasLength, hasType };
}

/** A copy of `res` to learn its body's type from, or null when it cannot be copied (its body was read). */
function typedCopy(res: Response): Response | null {
  try {
    return res.clone();
  } catch {
    return null;
  }
}

/** What the handler gave, once it is known to be a Response. */
function checked(res: unknown): Response {
  if (!(res instanceof Response)) throw new TypeError(`the fetch handler returned ${describe(res)}, not a Response`);
  return res;
}

/**
 * Starts the response of a Response whose body is none or was given whole (response-bytes.ts) and
 * gives its chunks as an Array (the server frames it with its Content-Length, as Bun.serve and
 * Deno.serve send such a body); undefined, having started nothing, when its body must be read as a
 * stream. Reads no stream and makes no Promise.
 */
function answerWhole(res: Response, startResponse: StartResponse): Chunk[] | undefined {
  const whole = wholeBody(res);
  if (whole === undefined) return undefined;
  const { list } = headersOf(res.headers);
  startResponse(statusText(res.status, res.statusText), list);
  return whole === null || whole.length === 0 ? [] : [whole];
}

const RUNNING = 0;
const ENDED = 1;
const CLOSED = 2;

/** The body the application returns: the Response, once it comes, read chunk by chunk. */
class ResponseBody implements AsyncIterableIterator<Uint8Array> {
  private state = RUNNING;
  private reader: ReadableStreamDefaultReader<unknown> | null = null;
  /** Chunks read while peeking, not yet given out. */
  private queue: Uint8Array[] = [];
  /** Reads started while peeking, not yet taken, in order. */
  private pending: Promise<ReadResult>[] | null = null;
  private started = false;

  constructor(
    private readonly response: Response | Promise<Response>,
    private readonly startResponse: StartResponse,
    private readonly abort: () => void,
  ) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<Uint8Array>> {
    if (this.queue.length > 0) return Promise.resolve({ done: false, value: this.queue.shift()! });
    if (!this.started) {
      this.started = true;
      return this.begin();
    }
    if (this.reader === null || this.state !== RUNNING) return Promise.resolve(DONE);
    let read: Promise<ReadResult>;
    const pending = this.pending;
    if (pending !== null) {
      read = pending.shift()!;
      if (pending.length === 0) this.pending = null;
    } else read = this.reader.read();
    return read.then((r) => this.step(r));
  }

  private step(r: ReadResult): IteratorResult<Uint8Array> {
    if (r.done) {
      this.state = ENDED;
      return DONE;
    }
    return { done: false, value: bytesOf(r.value) };
  }

  /**
   * The body for the exchange, once the Response is there: the chunks as an Array when the body
   * was whole at once (the server then frames it as any Array, with its Content-Length), else this
   * object, which streams the rest.
   */
  async settle(): Promise<Chunk[] | ResponseBody> {
    const res = checked(await this.response);
    if (this.state !== CLOSED) {
      const chunks = answerWhole(res, this.startResponse);
      if (chunks !== undefined) {
        this.started = true;
        this.state = ENDED;
        return chunks;
      }
    }
    const first = await this.begin(false, res);
    if (this.state === ENDED && this.pending === null) {
      if (!first.done) this.queue.unshift(first.value);
      const chunks = this.queue;
      this.queue = [];
      return chunks;
    }
    if (!first.done) this.queue.unshift(first.value);
    return this;
  }

  /** Waits for the Response, starts the response, and gives the first chunk. */
  private async begin(count = true, settled?: Response): Promise<IteratorResult<Uint8Array>> {
    this.started = true;
    const res = settled ?? checked(await this.response);
    // The headers first: Bun drops a Blob body's Content-Type from them once `body` has been read.
    const { list, hasLength, hasType } = headersOf(res.headers);
    // Where the runtime keeps a body's type out of the headers, a copy is made before the body is
    // read: once the body proves whole, the copy's blob() says its type (a stream's copy is cancelled).
    const typed = TYPE_KEPT_FROM_HEADERS && !hasType ? typedCopy(res) : null;
    const body = res.body;
    if (this.state === CLOSED) {
      if (body !== null) void body.cancel().catch(() => {});
      void typed?.body?.cancel().catch(() => {});
      return DONE;
    }
    const status = statusText(res.status, res.statusText);
    if (body === null) {
      this.state = ENDED;
      this.startResponse(status, list);
      return DONE;
    }
    const reader = body.getReader();
    this.reader = reader;
    // A body made of a string or bytes is whole at once: its length goes out as Content-Length,
    // as Bun.serve and Deno.serve send it. A stream still producing is sent chunked. Two reads are
    // asked for at once: when the second settles soon, so has the first (reads settle in order).
    let whole = false;
    let length = 0;
    const take = (r: ReadResult): void => {
      if (r.done) whole = true;
      else {
        const bytes = bytesOf(r.value);
        length += bytes.length;
        if (bytes.length > 0) this.queue.push(bytes);
      }
    };
    for (let i = 0; i < PEEK_READS && !whole; i += 2) {
      const first = reader.read();
      const second = reader.read();
      const r = await soon(second);
      if (r === undefined) {
        this.pending = [first, second];
        break;
      }
      take(await first);
      if (!whole) take(r);
    }
    if (whole) {
      this.state = ENDED;
      if (count && !hasLength && res.status !== 204 && res.status !== 304) list.push(["content-length", String(length)]);
      if (typed !== null) {
        const type = (await typed.blob()).type;
        if (type !== "") list.push(["content-type", type]);
      }
    } else if (typed !== null) void typed.body?.cancel().catch(() => {});
    if (this.state === CLOSED) return DONE; // the client left while we peeked
    this.startResponse(status, list);
    return this.next();
  }

  /** The server is done with the body: a response cut short aborts the request and cancels the stream. */
  close(): void {
    const cut = this.state === RUNNING;
    this.state = CLOSED;
    this.queue.length = 0;
    if (!cut) return;
    this.abort();
    const reader = this.reader;
    if (reader !== null) void reader.cancel().catch(() => {});
  }
}

/** A fetch handler as a tsgi Application. */
export function fromFetch(handler: FetchHandler, options: FromFetchOptions = {}): Application {
  if (typeof handler !== "function") throw new TypeError("fromFetch(handler): handler must be a function (request, info) => Response");
  const names = new HeaderNames();
  const lazy = options.lazyRequest ?? LAZY_FAITHFUL;
  return (environ, startResponse) => {
    let request: Request;
    let abort: () => void;
    if (lazy && LazyRequest.fits(environ)) {
      const r = new LazyRequest(environ, names);
      request = r as unknown as Request;
      abort = () => LazyRequest.abort(r);
    } else {
      const controller = new AbortController();
      request = requestFrom(environ, names, controller.signal);
      abort = () => controller.abort();
    }
    const remote = environ.REMOTE_ADDR;
    const info: FetchInfo = { remoteAddr: { transport: remote === "" ? "unix" : "tcp", hostname: remote, port: Number(environ.REMOTE_PORT) || 0 }, environ };
    const response = handler(request, info);
    // A Response at once with a body given whole: answered now, no Promise (the request cannot be cut short any more).
    if (response instanceof Response) {
      const chunks = answerWhole(response, startResponse);
      if (chunks !== undefined) return chunks;
    }
    const body = new ResponseBody(response, startResponse, abort);
    // The server calls the Promise's close() when the request ends before it settles (docs/interface.md section 8).
    const settled = body.settle() as Promise<Chunk[] | ResponseBody> & { close?: () => void };
    settled.close = () => body.close();
    return settled;
  };
}
