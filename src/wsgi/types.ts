// The application interface: PEP 3333 (WSGI) transposed to TypeScript. Types and doc comments only.
// This file is the contract between tsgi and applications; docs/interface.md is its prose.
// It must never import anything or contain behaviour.

/** A piece of response body. Strings are sent as UTF-8; a Uint8Array is sent as is. */
export type Chunk = Uint8Array | string;

/**
 * What an application returns: an iterable of chunks. An Array is the common case; a generator
 * streams. If the object has a `close()` method the server calls it exactly once when the request
 * ends for any reason (PEP 3333), or else the iterator's `return()` if iteration stopped early.
 */
export type Body = Iterable<Chunk> | AsyncIterable<Chunk>;

/**
 * The legacy `write` callable returned by startResponse (PEP 3333 "imperative output"). It sends
 * the headers if they are not yet sent, then the chunk. The returned Promise (if any) resolves once
 * the chunk was handed to the transport without exceeding its buffer: await it to get backpressure.
 */
export type Write = (chunk: Chunk) => void | Promise<void>;

/** A response header: [name, value]. Values are Latin-1 strings (PEP 3333 "native strings"). */
export type Header = [name: string, value: string];

/**
 * startResponse(status, headers, excInfo?) as in PEP 3333. `status` is "200 OK"-shaped: three digits,
 * a space, a reason phrase. It validates at once and throws a TypeError to the app when the status or
 * a header is invalid; it sends nothing. Calling it a second time is allowed only with `excInfo`,
 * which replaces the response when nothing was sent yet and is rethrown when headers already went out.
 */
export type StartResponse = (status: string, headers: Header[], excInfo?: unknown) => Write;

/** The WSGI application callable. It may be async. */
export type Application = (environ: Environ, startResponse: StartResponse) => Body | Promise<Body>;

/** `environ["wsgi.input"]`: the request body, never read past its end. All reads are async. */
export interface InputStream extends AsyncIterable<Uint8Array> {
  /**
   * Up to `size` bytes (all the rest when `size` is omitted or negative). An empty array means the
   * body is finished. The first read of a request that sent `Expect: 100-continue` sends the
   * `100 Continue` interim response.
   */
  read(size?: number): Promise<Uint8Array>;
  /** One line, up to and including `\n` (at most `size` bytes when given); empty at the end. */
  readline(size?: number): Promise<Uint8Array>;
  /** All remaining lines. `hint` stops after roughly that many bytes, as in Python's io. */
  readlines(hint?: number): Promise<Uint8Array[]>;
  /** Iterates over lines, as a Python file object does. */
  [Symbol.asyncIterator](): AsyncIterator<Uint8Array>;
}

/** `environ["wsgi.errors"]`: text written here goes to the server's error log. */
export interface ErrorStream {
  write(text: string): void;
  writelines(lines: Iterable<string>): void;
  flush(): void;
}

/** A source `wsgi.file_wrapper` can stream: anything with `read(size)`, optionally `close()`. */
export interface FileLike {
  read(size: number): Uint8Array | Promise<Uint8Array>;
  close?(): void | Promise<void>;
  /**
   * How many bytes `read` gives in all, when known: the response then gets a `Content-Length` of
   * it when the application set none.
   */
  readonly size?: number;
  /**
   * The file the bytes come from, when they are `size` bytes of a file on disk from `offset` (0 when
   * absent): a server may then send them from the file itself (sendfile) instead of calling `read`.
   */
  readonly path?: string;
  readonly offset?: number;
}

/** `environ["wsgi.file_wrapper"]`: turns a file-like object into a Body read in blocks. */
export type FileWrapper = (file: FileLike, blockSize?: number) => AsyncIterable<Uint8Array> & { close(): void | Promise<void> };

/**
 * The request environment, a plain object. Keys and meanings are PEP 3333's. String values that come
 * from the request (paths, headers) carry its bytes as Latin-1 strings, exactly as PEP 3333 says.
 */
export interface Environ {
  /** "GET", "POST", ... exactly as sent (methods are case-sensitive). */
  REQUEST_METHOD: string;
  /** Always "" unless the server was given a root path; the app's mount point. */
  SCRIPT_NAME: string;
  /** The percent-decoded path, bytes as Latin-1; "*" for `OPTIONS *`. */
  PATH_INFO: string;
  /** The raw query after "?", not decoded; "" when absent. */
  QUERY_STRING: string;
  /** The Content-Type header, "" when absent. */
  CONTENT_TYPE: string;
  /** The Content-Length header, "" when absent (also for chunked bodies). */
  CONTENT_LENGTH: string;
  /** The host the server is bound to (the listening address). */
  SERVER_NAME: string;
  /** The port the server is bound to, as a string ("" for a unix socket). */
  SERVER_PORT: string;
  /** "HTTP/1.1" or "HTTP/1.0" as sent by the client. */
  SERVER_PROTOCOL: string;
  /** The client's address: the peer's ("" for a unix socket), or what a trusted proxy said. */
  REMOTE_ADDR: string;
  /** The peer port as a string. */
  REMOTE_PORT: string;
  "wsgi.version": [1, 0];
  /** "http" (or "https" behind TLS). */
  "wsgi.url_scheme": string;
  "wsgi.input": InputStream;
  "wsgi.errors": ErrorStream;
  /** true: one process serves requests concurrently (async interleaving counts). */
  "wsgi.multithread": boolean;
  /** true when several worker processes serve the same app. */
  "wsgi.multiprocess": boolean;
  "wsgi.run_once": boolean;
  /** true: reading wsgi.input to the end is always safe (the server frames the body). */
  "wsgi.input_terminated": boolean;
  "wsgi.file_wrapper": FileWrapper;
  /** Which runtime serves the request: "bun", "deno" or "node". */
  "tsgi.runtime": string;
  /** The request-target exactly as sent (before decoding), like gunicorn's RAW_URI. */
  "tsgi.raw_uri": string;
  /** The address of the socket's peer (a proxy, when REMOTE_ADDR came from its headers); "" on a unix socket. */
  "tsgi.peer_addr": string;
  /** The socket peer's port ("" on a unix socket). */
  "tsgi.peer_port": string;
  /** This worker process's index, 0..N-1 (0 with one process). */
  "tsgi.worker": number;
  /** How many reloads (SIGHUP) came before the serving code was loaded: 0 at start. */
  "tsgi.generation": number;
  /** One HTTP_* key per request header: HTTP_HOST, HTTP_USER_AGENT, ... */
  [key: `HTTP_${string}`]: string;
  /** Further keys that middleware or the server add (PEP 3333 allows extensions). */
  [key: string]: unknown;
}
