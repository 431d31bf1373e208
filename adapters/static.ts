// The `tsgi/static` entry: staticFiles(dir, options), a middleware like Python's whitenoise. It
// serves the files under `dir` (GET and HEAD) with ETag and Last-Modified, 304 and 412 answers,
// Range requests (206, multipart/byteranges, 416), precompressed `.br` / `.gz` siblings chosen by
// Accept-Encoding, and content types by extension; every other request goes to the fallback
// application. Files are sent through environ's wsgi.file_wrapper, in blocks, with their size, so
// a server may send them without reading them (tsgi does where its runtime can).
// What a path resolves to is remembered for a second (static-files.ts, LOOKUP_TTL_MS).
// Must never serve a file outside `dir` (see static-path.ts and static-files.ts), and never read
// a whole file into memory.

import type { Application, Body, Environ, FileLike, FileWrapper, Header, StartResponse } from "../src/wsgi/types.ts";
import { fileWrapper } from "../src/wsgi/file-wrapper.ts";
import { type Encoding, chooseEncoding } from "./static-encoding.ts";
import { Folder, type FoundFile, LazyFile } from "./static-files.ts";
import { NOT_MINE, normalisePrefix, requestedPath } from "./static-path.ts";
import { UNSATISFIABLE, parseRange } from "./static-ranges.ts";
import { NOT_MODIFIED, PRECONDITION_FAILED, type Validators, evaluate, ifRangeHolds, validatorsOf } from "./static-conditional.ts";
import { contentType } from "./static-types.ts";
import { FileRange, MultipartRanges, newBoundary } from "./static-body.ts";

export { parseRange, UNSATISFIABLE, MAX_RANGES, type ByteRange } from "./static-ranges.ts";
export { chooseEncoding, acceptedCodings, type Encoding } from "./static-encoding.ts";

export interface StaticOptions {
  /**
   * The URL path the folder is served under, "/" by default. With "/static/", a request for
   * `/static/css/site.css` gets `dir/css/site.css`; requests outside it go to the fallback.
   */
  prefix?: string;
  /**
   * The application for every request that is not for a file here: outside the prefix, no such
   * file, or a path no file can have. Without one, those get a plain 404 (400 for a path with an
   * encoded separator or NUL).
   */
  fallback?: Application;
  /** The file served for a path ending in "/", "index.html" by default; null for none. */
  index?: string | null;
  /** A Cache-Control value sent with every file (none by default), e.g. "public, max-age=3600". */
  cacheControl?: string;
  /** Serve `name.br` / `name.gz` instead of `name` when the client accepts them (true by default). */
  precompressed?: boolean;
  /** More content types by extension (without the dot), over the built-in ones. */
  types?: Readonly<Record<string, string>>;
  /** Bytes per read, 128 KiB by default. */
  blockSize?: number;
}

const ALLOW = "GET, HEAD";
const DEFAULT_BLOCK = 128 * 1024;

/** A plain-text answer the middleware makes itself (404, 400, 405, 412, 416). */
function plain(startResponse: StartResponse, status: string, text: string, extra: Header[] = []): Body {
  const body = new TextEncoder().encode(text + "\n");
  startResponse(status, [["Content-Type", "text/plain; charset=utf-8"], ["Content-Length", String(body.length)], ...extra]);
  return [body];
}

/** The header value of `name` (an HTTP_* key), undefined when absent. */
function field(environ: Environ, key: `HTTP_${string}`): string | undefined {
  const v = environ[key];
  return typeof v === "string" ? v : undefined;
}

/**
 * A tsgi Application serving the files under `dir` (GET and HEAD), passing everything else to
 * `options.fallback` (or answering 404). See StaticOptions.
 */
export function staticFiles(dir: string, options: StaticOptions = {}): Application {
  const folder = new Folder(dir);
  const prefix = normalisePrefix(options.prefix ?? "/");
  const index = options.index === undefined ? "index.html" : options.index;
  const precompressed = options.precompressed ?? true;
  const blockSize = options.blockSize ?? DEFAULT_BLOCK;
  const fallback = options.fallback;
  // Each found file's validators, computed once per lookup (a lookup lives a second).
  const validators = new WeakMap<FoundFile, Validators>();

  const notMine = (environ: Environ, startResponse: StartResponse, status: 400 | 404): Body | Promise<Body> => {
    if (fallback !== undefined) return fallback(environ, startResponse);
    return status === 400 ? plain(startResponse, "400 Bad Request", "bad path") : plain(startResponse, "404 Not Found", "not found");
  };

  return async (environ, startResponse) => {
    const raw = environ["tsgi.raw_uri"];
    const verdict = requestedPath(environ.PATH_INFO, typeof raw === "string" ? raw : undefined, prefix);
    if (verdict === NOT_MINE) {
      if (fallback !== undefined) return fallback(environ, startResponse);
      return plain(startResponse, "404 Not Found", "not found");
    }
    if (typeof verdict === "number") return notMine(environ, startResponse, verdict);
    const lookup = await folder.find(verdict, index, precompressed);
    if (lookup === null) return notMine(environ, startResponse, 404);
    const found = lookup.file;
    const method = environ.REQUEST_METHOD;
    if (method !== "GET" && method !== "HEAD") return plain(startResponse, "405 Method Not Allowed", "method not allowed", [["Allow", ALLOW]]);

    // The representation: the file itself or a precompressed sibling the client accepts.
    let file: FoundFile = found;
    let encoding: Encoding | null = null;
    const vary = lookup.siblings.size > 0;
    if (vary) {
      encoding = chooseEncoding(field(environ, "HTTP_ACCEPT_ENCODING"), [...lookup.siblings.keys()]);
      if (encoding !== null) file = lookup.siblings.get(encoding)!;
    }
    // Opened when first read: a server that sends the file itself (sendfile) never needs it opened here.
    const fh = new LazyFile(file.path);
    let handedOver = false;
    try {
      const size = file.size;
      let v = validators.get(file);
      if (v === undefined) validators.set(file, (v = validatorsOf(size, file.mtimeMs, file.ino, encoding ?? "")));
      const type = contentType(found.path, options.types);
      const common: Header[] = [["ETag", v.etag], ["Last-Modified", v.lastModified]];
      if (vary) common.push(["Vary", "Accept-Encoding"]);
      if (options.cacheControl !== undefined) common.push(["Cache-Control", options.cacheControl]);

      const cond = evaluate(
        {
          ifMatch: field(environ, "HTTP_IF_MATCH"),
          ifUnmodifiedSince: field(environ, "HTTP_IF_UNMODIFIED_SINCE"),
          ifNoneMatch: field(environ, "HTTP_IF_NONE_MATCH"),
          ifModifiedSince: field(environ, "HTTP_IF_MODIFIED_SINCE"),
        },
        v,
      );
      if (cond === NOT_MODIFIED) {
        startResponse("304 Not Modified", common);
        return [];
      }
      if (cond === PRECONDITION_FAILED) return plain(startResponse, "412 Precondition Failed", "precondition failed");

      const headers: Header[] = [["Content-Type", type], ...common, ["Accept-Ranges", "bytes"]];
      if (encoding !== null) headers.push(["Content-Encoding", encoding]);
      const rangeField = field(environ, "HTTP_RANGE");
      const ranges = rangeField !== undefined && ifRangeHolds(field(environ, "HTTP_IF_RANGE"), v) ? parseRange(rangeField, size) : null;

      let status = "200 OK";
      let body: FileLike;
      if (ranges === UNSATISFIABLE) {
        return plain(startResponse, "416 Range Not Satisfiable", "range not satisfiable", [["Content-Range", `bytes */${size}`], ...common]);
      } else if (ranges === null) {
        body = new FileRange(fh, 0, size);
      } else if (ranges.length === 1) {
        const r = ranges[0]!;
        status = "206 Partial Content";
        headers.push(["Content-Range", `bytes ${r.first}-${r.last}/${size}`]);
        body = new FileRange(fh, r.first, r.last - r.first + 1);
      } else {
        status = "206 Partial Content";
        const boundary = newBoundary();
        body = new MultipartRanges(fh, ranges, size, type, boundary);
        headers[0] = ["Content-Type", `multipart/byteranges; boundary=${boundary}`];
      }
      headers.push(["Content-Length", String(body.size)]);
      startResponse(status, headers);
      if (method === "HEAD") return [];
      const wrap = (typeof environ["wsgi.file_wrapper"] === "function" ? environ["wsgi.file_wrapper"] : fileWrapper) as FileWrapper;
      const out = wrap(body, blockSize);
      handedOver = true;
      return out;
    } finally {
      if (!handedOver) await fh.close();
    }
  };
}
