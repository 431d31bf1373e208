// The `res` of fromNodeHandler: a node:http ServerResponse emulated over startResponse and a body the
// server pulls (node-body.ts). Headers are kept as node:http keeps them (lower-case key, the name as
// set, the value as given: string, number or array); writeHead, or the first write/end/flushHeaders
// through _implicitHeader as on node:http (so a wrapped writeHead sees it), fixes them and calls
// startResponse. A response ended by end() before any write() gives the server an Array (it sends a
// Content-Length, as node:http does); any other streams. Express replaces the prototype of `res` with
// one whose chain ends in the runtime's ServerResponse.prototype, so every method and field is put
// on the instance.
// Must never call startResponse twice, never send a hop-by-hop header, and never touch a runtime API.

import { Buffer } from "node:buffer";
import type { Environ, StartResponse, Write } from "../src/wsgi/types.ts";
import { reasonOf, statusText } from "./reasons.ts";
import { type BodyEvents, NodeBody, RESPONSE_HIGH_WATER, type WriteCallback } from "./node-body.ts";
import { NodeRequest, connectionReset } from "./node-request.ts";
import { NodeSocket } from "./node-socket.ts";
import type { HeaderNames } from "./fetch-request.ts";
import * as errors from "./node-errors.ts";
import { HeaderStore, type HeaderValue, type OutgoingHeaders, headerList, mergeHeaders } from "./node-headers.ts";

type Chunk = string | Uint8Array;
type Settle = { resolve: (body: Iterable<Uint8Array> | AsyncIterable<Uint8Array>) => void; reject: (e: unknown) => void };

const later = (f: () => void): void => queueMicrotask(f);

export class NodeResponse extends HeaderStore implements BodyEvents {
  statusCode = 200;
  statusMessage: string | undefined = undefined;
  headersSent = false;
  writableEnded = false;
  writableFinished = false;
  finished = false;
  destroyed = false;
  closed = false;
  writable = true;
  writableNeedDrain = false;
  writableLength = 0;
  writableHighWaterMark = RESPONSE_HIGH_WATER;
  writableCorked = 0;
  writableObjectMode = false;
  sendDate = true;
  chunkedEncoding = false;
  shouldKeepAlive = true;
  useChunkedEncodingByDefault = true;
  strictContentLength = false;
  req: NodeRequest;
  socket: NodeSocket;
  connection: NodeSocket;
  _body: NodeBody;
  /** The headers were fixed by end() with no write() before: the body is whole, its length known. */
  _whole = false;
  _hasLength = false;
  /** False for HEAD, 204 and 304: writes are dropped, as node:http drops them. */
  _hasBody = true;
  _write: Write | null = null;
  /** The Promise the application returned, while it waits for the headers. */
  _settle: Settle | null = null;
  /** An error the handler's side raised before the server was given anything. */
  _failure: unknown = undefined;
  _failed = false;
  /** The server took what it needs of a response without a body (HEAD, 204, 304) before the handler ended it. */
  _serverDone = false;
  /** Whether the application function has returned its body to the server. */
  _returned = false;
  readonly _startResponse: StartResponse;
  readonly _method: string;

  constructor(environ: Environ, names: HeaderNames, startResponse: StartResponse) {
    super();
    this._startResponse = startResponse;
    this._method = environ.REQUEST_METHOD;
    const socket = new NodeSocket(environ, (err) => this.destroy(err));
    this.socket = socket;
    this.connection = socket;
    this.req = new NodeRequest(environ, names, socket);
    this._body = new NodeBody(this);
    // Own copies of the methods: they survive a framework's Object.setPrototypeOf(res, ...).
    this.setHeader = this.setHeader;
    this.appendHeader = this.appendHeader;
    this.getHeader = this.getHeader;
    this.getHeaders = this.getHeaders;
    this.getHeaderNames = this.getHeaderNames;
    this.getRawHeaderNames = this.getRawHeaderNames;
    this.hasHeader = this.hasHeader;
    this.removeHeader = this.removeHeader;
    this.writeHead = this.writeHead;
    this._implicitHeader = this._implicitHeader;
    this.flushHeaders = this.flushHeaders;
    this.write = this.write;
    this.end = this.end;
    this.destroy = this.destroy;
    this.setTimeout = this.setTimeout;
    this.writeContinue = this.writeContinue;
    this.writeProcessing = this.writeProcessing;
    this.writeEarlyHints = this.writeEarlyHints;
    this.addTrailers = this.addTrailers;
    this.cork = this.cork;
    this.uncork = this.uncork;
    this._taken = this._taken;
    this._finished = this._finished;
    this._closed = this._closed;
    this._result = this._result;
    this._fail = this._fail;
    this._gone = this._gone;
  }

  // ---- headers (the store and its methods: node-headers.ts)
  /** writeHead(status[, reason][, headers]): headers an object, a flat [name, value, ...] array or an array of pairs. */
  writeHead(statusCode: number, reason?: string | OutgoingHeaders | HeaderValue[] | HeaderValue[][], headers?: OutgoingHeaders | HeaderValue[] | HeaderValue[][]): this {
    if (this._header !== null) throw errors.headersSent("write");
    const code = statusCode | 0;
    if (code < 100 || code > 999) throw errors.invalidStatus(statusCode);
    if (typeof reason === "string") this.statusMessage = reason;
    else {
      if (!this.statusMessage) this.statusMessage = reasonOf(statusText(code, ""));
      headers ??= reason;
    }
    this.statusCode = code;
    if (headers !== undefined && headers !== null) mergeHeaders(this, headers);
    commit(this);
    return this;
  }

  /** The headers as they stand, through writeHead (as node:http does: a wrapped writeHead sees them). */
  _implicitHeader(): void {
    this.writeHead(this.statusCode);
  }

  /** Sends the status and headers now, before any body (a Server-Sent Events stream waits for nothing). */
  flushHeaders(): void {
    if (this._header === null) this._implicitHeader();
    if (this.destroyed || this.writableEnded || this._write === null) return;
    resolve(this);
    this._write("");
  }

  // ---- body

  write(chunk: Chunk, encoding?: BufferEncoding | WriteCallback, callback?: WriteCallback): boolean {
    if (typeof encoding === "function") {
      callback = encoding;
      encoding = undefined;
    }
    if (chunk === null) throw Object.assign(new TypeError("May not write null values to stream"), { code: "ERR_STREAM_NULL_VALUES" });
    if (this.writableEnded) {
      report(this, errors.writeAfterEnd(), callback);
      return false;
    }
    if (this.destroyed) {
      report(this, errors.destroyed("write"), callback);
      return false;
    }
    if (typeof chunk !== "string" && !(chunk instanceof Uint8Array)) throw errors.invalidChunk();
    if (this._header === null) this._implicitHeader();
    if (!this._hasBody || chunk.length === 0) {
      if (callback !== undefined) later(() => callback!());
      return true;
    }
    const bytes = typeof chunk === "string" ? Buffer.from(chunk, encoding) : chunk;
    const room = this._body.push(bytes, callback);
    this.writableLength = this._body.queued;
    if (!room) this.writableNeedDrain = true;
    return room;
  }

  end(chunk?: Chunk | (() => void), encoding?: BufferEncoding | (() => void), callback?: () => void): this {
    if (typeof chunk === "function") {
      callback = chunk;
      chunk = undefined;
    } else if (typeof encoding === "function") {
      callback = encoding;
      encoding = undefined;
    }
    if (this.writableEnded) {
      if (callback !== undefined) {
        const cb = callback as WriteCallback;
        if (this.writableFinished) later(() => cb(errors.alreadyFinished("end")));
        else this.once("finish", () => cb(errors.alreadyFinished("end")));
      }
      return this;
    }
    if (this.destroyed) return this;
    if (chunk !== undefined && chunk !== null && typeof chunk !== "string" && !(chunk instanceof Uint8Array)) throw errors.invalidChunk();
    if (this._header === null) {
      this._whole = true;
      this._implicitHeader();
    }
    // HEAD keeps a whole body's bytes: the server sends the Content-Length a GET would have, and no body.
    const keep = this._hasBody || (this._whole && this._method === "HEAD");
    if (chunk !== undefined && chunk !== null && chunk.length > 0 && keep && !this.destroyed) {
      this._body.push(typeof chunk === "string" ? Buffer.from(chunk, encoding as BufferEncoding | undefined) : chunk, undefined);
    }
    this.writableEnded = true;
    this.finished = true;
    if (callback !== undefined) this.once("finish", callback);
    this._body.end();
    if (this._serverDone) this._closed(false);
    return this;
  }

  /** Ends the exchange: before anything was given to the server it answers 500, after it cuts the response. */
  destroy(err?: Error): this {
    if (this.destroyed) return this;
    this._fail(err ?? Object.assign(new Error("the response was destroyed"), { code: "ERR_STREAM_DESTROYED" }));
    this._gone();
    return this;
  }

  /** The handler (or its Promise) failed: the server answers 500 if nothing went out yet, else cuts the response. */
  _fail(err: unknown): void {
    if (this._failed) return;
    this._failed = true;
    this._failure = err;
    const settle = this._settle;
    if (settle !== null) {
      this._settle = null;
      settle.reject(err);
    } else if (this._returned) this._body.fail(asError(err));
  }

  setTimeout(_ms: number, callback?: () => void): this {
    if (callback !== undefined) this.on("timeout", callback);
    return this;
  }
  writeContinue(): void {}
  writeProcessing(): void {}
  writeEarlyHints(_hints: unknown, callback?: () => void): void {
    if (callback !== undefined) later(callback);
  }
  addTrailers(_headers: unknown): void {}
  cork(): void {}
  uncork(): void {}

  // ---- the server's side

  /** What the application returns: the whole body as an Array, the streaming body, or a Promise of either. */
  _result(): Iterable<Uint8Array> | AsyncIterable<Uint8Array> | Promise<Iterable<Uint8Array> | AsyncIterable<Uint8Array>> {
    if (this._failed && this._write === null) throw this._failure;
    if (this._write !== null) return given(this);
    const promise = new Promise<Iterable<Uint8Array> | AsyncIterable<Uint8Array>>((resolve, reject) => {
      this._settle = { resolve, reject };
    }) as Promise<Iterable<Uint8Array> | AsyncIterable<Uint8Array>> & { close?: () => void };
    // The server calls close() when the request ends before the Promise settles (the client left).
    promise.close = () => this._gone();
    return promise;
  }

  _taken(queued: number): void {
    this.writableLength = queued;
    if (queued === 0 && this.writableNeedDrain) {
      this.writableNeedDrain = false;
      later(() => this.emit("drain"));
    }
  }

  _finished(): void {
    if (this.writableFinished) return;
    this.writableFinished = true;
    this.emit("finish");
  }

  /** The server is done with the response: the client left if it was cut short (HEAD, 204 and 304 are not). */
  _closed(cut: boolean): void {
    if (this.closed) return;
    if (cut && !this._hasBody && !this._failed) {
      if (!this.writableEnded) {
        this._serverDone = true; // the server needs no body: close once the handler ends
        return;
      }
      cut = false;
    }
    if (!cut) {
      this._finished();
      shut(this);
      const req = this.req;
      req._answered = true;
      if (!req.destroyed && req.listenerCount("close") > 0) req.destroy();
      return;
    }
    this._gone();
  }

  /** The client went away (or the response was destroyed): 'aborted' and 'close' on req, 'close' on res. */
  _gone(): void {
    if (this.closed) return;
    this.destroyed = true;
    const settle = this._settle;
    if (settle !== null) {
      this._settle = null;
      settle.resolve([]);
    }
    shut(this);
    const req = this.req;
    if (!req.destroyed) req.destroy(connectionReset());
  }
}
/** Fixes status and headers and gives them to startResponse. */
function commit(res: NodeResponse): void {
  const { list, hasLength } = headerList(res._fields);
  if (hasLength) res._hasLength = true;
  const code = res.statusCode;
  const status = statusText(code, res.statusMessage ?? "");
  // startResponse first: when it refuses the status or a header, the headers are not sent and the
  // handler's error page can still go out.
  if (!res.destroyed) res._write = res._startResponse(status, list);
  if (res._method === "HEAD" || code === 204 || code === 304) res._hasBody = false;
  res._header = status;
  res.headersSent = true;
  if (res._settle !== null && !res.destroyed) later(() => resolve(res));
}
/** An error for a write the response cannot take: to the callback, and to 'error' listeners. */
function report(res: NodeResponse, err: Error, callback: WriteCallback | undefined): void {
  later(() => {
    callback?.(err);
    if (!res.destroyed && res.listenerCount("error") > 0) res.emit("error", err);
  });
}

/** Gives the waiting Promise its body. */
function resolve(res: NodeResponse): void {
  const settle = res._settle;
  if (settle === null) return;
  res._settle = null;
  settle.resolve(given(res));
}

/** The body for the server: an Array when the response ended whole (or with its length set), else the stream. */
function given(res: NodeResponse): Iterable<Uint8Array> | AsyncIterable<Uint8Array> {
  res._returned = true;
  if (res._failed) res._body.fail(asError(res._failure));
  else if (res.writableEnded && (res._whole || res._hasLength)) {
    const chunks = res._body.takeAll() as Uint8Array[] & { close?: () => void };
    res._body.done = true;
    chunks.close = () => res._closed(false);
    return chunks;
  }
  return res._body;
}

/** Nothing more goes either way: res and the socket say so ('close'). */
function shut(res: NodeResponse): void {
  res.closed = true;
  res.writable = false;
  res.socket.ended();
  res.emit("close");
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
