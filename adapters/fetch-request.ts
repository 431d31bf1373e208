// A fetch Request from a tsgi environ: the URL from the scheme, the Host and the raw request-target,
// the headers from the HTTP_* keys (plus CONTENT_TYPE and CONTENT_LENGTH), the method, and a body
// stream fed from wsgi.input only as the handler reads it.
// Must never read the body ahead of the handler (no buffering of an upload) and never touch a
// runtime API (only the web-standard Request, Headers and ReadableStream).

import type { Environ, InputStream } from "../src/wsgi/types.ts";
import { READ_SOME } from "../src/wsgi/input.ts";
import { HttpError } from "../src/errors.ts";

/** The most bytes one read of the body stream hands on. */
const PIECE = 64 * 1024;
/** Header names remembered per adapter ("HTTP_USER_AGENT" -> "user-agent"). */
const NAMES_REMEMBERED = 512;

/** HTTP_* keys to header names, remembered (names repeat from one request to the next). */
export class HeaderNames {
  private readonly names = new Map<string, string>();
  of(key: string): string {
    let name = this.names.get(key);
    if (name === undefined) {
      name = key.slice(5).toLowerCase().replaceAll("_", "-");
      if (this.names.size < NAMES_REMEMBERED) this.names.set(key, name);
    }
    return name;
  }
}

/** The request's headers as [name, value] pairs, in environ order. */
export function headerPairs(environ: Environ, names: HeaderNames): [string, string][] {
  const pairs: [string, string][] = [];
  for (const key in environ) {
    if (key.charCodeAt(0) === 72 && key.startsWith("HTTP_")) {
      const value = environ[key];
      if (typeof value === "string") pairs.push([names.of(key), value]);
    }
  }
  if (environ.CONTENT_TYPE !== "" && environ.CONTENT_TYPE !== undefined) pairs.push(["content-type", environ.CONTENT_TYPE]);
  if (environ.CONTENT_LENGTH !== "" && environ.CONTENT_LENGTH !== undefined) pairs.push(["content-length", environ.CONTENT_LENGTH]);
  return pairs;
}

/** Bytes a path keeps as they are; the rest is percent-encoded (RFC 3986 pchar and "/"). */
const PATH_SAFE = /[A-Za-z0-9\-._~!$&'()*+,;=:@/]/;

/** PEP 3333's URL reconstruction of the path: SCRIPT_NAME + PATH_INFO, each byte (Latin-1 char) quoted as needed. */
function quotePath(path: string): string {
  let out = "";
  for (let i = 0; i < path.length; i++) {
    const c = path[i]!;
    out += PATH_SAFE.test(c) ? c : "%" + path.charCodeAt(i).toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

/** The request URL: scheme, Host (else SERVER_NAME and SERVER_PORT) and the raw request-target. */
export function urlOf(environ: Environ): string {
  const scheme = environ["wsgi.url_scheme"];
  const raw = environ["tsgi.raw_uri"];
  if (typeof raw === "string" && !raw.startsWith("/") && raw !== "*") return raw; // absolute form: the URL itself
  let host = environ.HTTP_HOST;
  if (host === undefined || host === "") {
    const name = environ.SERVER_NAME;
    const port = environ.SERVER_PORT;
    if (port === "") host = "localhost"; // a unix socket: no host to name
    else {
      host = name.includes(":") ? `[${name}]` : name;
      if (!((scheme === "http" && port === "80") || (scheme === "https" && port === "443"))) host += ":" + port;
    }
  }
  const target = typeof raw === "string" ? (raw === "*" ? "/*" : raw) : targetOf(environ);
  return `${scheme}://${host}${target}`;
}

/** The request-target: `tsgi.raw_uri` as sent, else rebuilt from SCRIPT_NAME, PATH_INFO and QUERY_STRING (PEP 3333's quoting). */
export function targetOf(environ: Environ): string {
  const raw = environ["tsgi.raw_uri"];
  if (typeof raw === "string") return raw;
  const qs = environ.QUERY_STRING;
  return quotePath(environ.SCRIPT_NAME + environ.PATH_INFO) + (qs !== "" ? "?" + qs : "");
}

/** Whether the request has a body (a non-zero Content-Length, or a Transfer-Encoding). */
export function hasBody(environ: Environ): boolean {
  const length = environ.CONTENT_LENGTH;
  return (length !== "" && length !== "0" && length !== undefined) || environ.HTTP_TRANSFER_ENCODING !== undefined;
}

type ReadSome = (this: InputStream, max: number) => Promise<Uint8Array>;

/**
 * A function reading the next piece of the body (at most 64 KiB; empty at its end): the bytes
 * already there when the server offers that (READ_SOME), else `read(PIECE)`. Shared by the fetch
 * and node:http adapters.
 */
export function pieceReader(input: InputStream): () => Promise<Uint8Array> {
  const readSome = (input as { [READ_SOME]?: ReadSome })[READ_SOME];
  return readSome !== undefined ? () => readSome.call(input, PIECE) : () => input.read(PIECE);
}

/** The body as a ReadableStream: one read of wsgi.input per pull, pulled only when the reader asks. */
export function bodyStream(input: InputStream): ReadableStream<Uint8Array> {
  const readPiece = pieceReader(input);
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const piece = await readPiece();
        if (piece.length === 0) controller.close();
        else controller.enqueue(piece);
      },
    },
    { highWaterMark: 0 },
  );
}

/** The Request for an environ; `signal` aborts when the client goes away. Throws HttpError(400) when a Request cannot be made of it. */
export function requestFrom(environ: Environ, names: HeaderNames, signal: AbortSignal): Request {
  const method = environ.REQUEST_METHOD;
  const init: RequestInit & { duplex?: "half" } = { method, headers: headerPairs(environ, names), signal };
  if (method !== "GET" && method !== "HEAD" && hasBody(environ)) {
    init.body = bodyStream(environ["wsgi.input"]);
    init.duplex = "half";
  }
  try {
    return new Request(urlOf(environ), init);
  } catch (e) {
    throw new HttpError(400, `the request cannot be made a fetch Request: ${e instanceof Error ? e.message : String(e)}`);
  }
}
