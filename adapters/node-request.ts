// The `req` of fromNodeHandler: a node:http IncomingMessage emulated over environ. A Readable fed
// from wsgi.input one piece at a time, only as the handler reads (Readable's own backpressure), with
// method, url (the raw request-target), httpVersion, headers and rawHeaders (built on first use),
// and a socket-ish object (node-socket.ts). Express replaces the prototype of `req` with its own
// (whose chain ends in the runtime's IncomingMessage.prototype), so everything here lives on the
// instance: data fields, the Readable's read/destroy given as options, the lazy headers as
// accessors of the instance.
// Must never read the body ahead of the handler, never buffer it whole, and never touch a runtime API
// beyond node:stream.

import { Readable } from "node:stream";
import type { Environ } from "../src/wsgi/types.ts";
import { type HeaderNames, hasBody, headerPairs, pieceReader, targetOf } from "./fetch-request.ts";
import type { NodeSocket } from "./node-socket.ts";

/** Readable's buffer for the request body: node:http's default (the socket's, 16 KiB). */
const REQUEST_HIGH_WATER = 16 * 1024;

type Headers = Record<string, string | string[]>;

/** The error a request gets when its client went away, as node:http makes it. */
export function connectionReset(): Error {
  return Object.assign(new Error("aborted"), { code: "ECONNRESET" });
}

export class NodeRequest extends Readable {
  method: string;
  url: string;
  httpVersion: string;
  httpVersionMajor: number;
  httpVersionMinor: number;
  complete = false;
  aborted = false;
  upgrade = false;
  socket: NodeSocket;
  connection: NodeSocket;
  trailers: Headers = {};
  rawTrailers: string[] = [];
  statusCode: null = null;
  statusMessage: null = null;
  /** The environ's headers, made on first use of `headers` or `rawHeaders`. */
  declare headers: Headers;
  declare rawHeaders: string[];
  _environ: Environ;
  _names: HeaderNames;
  _headers: Headers | undefined = undefined;
  _rawHeaders: string[] | undefined = undefined;
  _readPiece: (() => Promise<Uint8Array>) | null;
  /** Set when the response ended normally: destroying then is not an abort. */
  _answered = false;

  constructor(environ: Environ, names: HeaderNames, socket: NodeSocket) {
    super({ read: readBody as (this: Readable) => void, destroy: destroyRequest as (this: Readable, err: Error | null, cb: (err?: Error | null) => void) => void, autoDestroy: false, highWaterMark: REQUEST_HIGH_WATER });
    Object.defineProperties(this, LAZY);
    this._environ = environ;
    this._names = names;
    this.method = environ.REQUEST_METHOD;
    this.url = targetOf(environ);
    const version = environ.SERVER_PROTOCOL === "HTTP/1.0" ? "1.0" : "1.1";
    this.httpVersion = version;
    this.httpVersionMajor = 1;
    this.httpVersionMinor = version === "1.0" ? 0 : 1;
    this.socket = socket;
    this.connection = socket;
    this._readPiece = hasBody(environ) ? pieceReader(environ["wsgi.input"]) : null;
  }

  setTimeout(_ms: number, callback?: () => void): this {
    if (callback !== undefined) this.on("timeout", callback);
    return this;
  }
}

/** Readable's read(): one piece of wsgi.input, pushed when it comes (Readable asks again while below its mark). */
function readBody(this: NodeRequest): void {
  const readPiece = this._readPiece;
  if (readPiece === null) {
    this.complete = true;
    this.push(null);
    return;
  }
  readPiece().then(
    (piece) => {
      if (piece.length === 0) {
        this.complete = true;
        this.push(null);
      } else this.push(piece);
    },
    (err: unknown) => this.destroy(err instanceof Error ? err : new Error(String(err))),
  );
}

/** Readable's destroy(): 'aborted' unless the body was read or the response ended; 'error' only to listeners (node:http's rule). */
function destroyRequest(this: NodeRequest, err: Error | null, callback: (err?: Error | null) => void): void {
  if (!this._answered && (!this.readableEnded || !this.complete)) {
    this.aborted = true;
    this.emit("aborted");
  }
  callback(this.listenerCount("error") === 0 ? null : err);
}

/** headers and rawHeaders: built from environ when first read; assignable, as on node:http. */
const LAZY: PropertyDescriptorMap = {
  headers: {
    configurable: true,
    enumerable: true,
    get(this: NodeRequest): Headers {
      return (this._headers ??= headersOf(this._environ, this._names));
    },
    set(this: NodeRequest, value: Headers) {
      this._headers = value;
    },
  },
  rawHeaders: {
    configurable: true,
    enumerable: true,
    get(this: NodeRequest): string[] {
      return (this._rawHeaders ??= headerPairs(this._environ, this._names).flat());
    },
    set(this: NodeRequest, value: string[]) {
      this._rawHeaders = value;
    },
  },
};

/**
 * node:http's headers object: lower-case names; a field sent several times arrives joined with ", "
 * by the server (environ keeps one value per name); set-cookie is an array.
 */
function headersOf(environ: Environ, names: HeaderNames): Headers {
  const headers: Headers = {};
  for (const [name, value] of headerPairs(environ, names)) headers[name] = name === "set-cookie" ? [value] : value;
  return headers;
}
