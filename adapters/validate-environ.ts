// validate()'s checks of the server's side: the environ's keys and types (docs/interface.md section
// 2), and wrappers of wsgi.input (section 3) and wsgi.errors (section 4) that check both the
// application's calls and what the server answers (a read never past the end of the body).
// Must never change what a correct server gives or a correct application gets.

import type { Environ, ErrorStream, InputStream } from "../src/wsgi/types.ts";
import { check, shown } from "./validation-error.ts";

const CGI_KEYS = ["REQUEST_METHOD", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING", "CONTENT_TYPE", "CONTENT_LENGTH", "SERVER_NAME", "SERVER_PORT", "SERVER_PROTOCOL", "REMOTE_ADDR", "REMOTE_PORT"] as const;
const FLAGS = ["wsgi.multithread", "wsgi.multiprocess", "wsgi.run_once", "wsgi.input_terminated"] as const;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const NOT_LATIN1 = /[^\x00-\xff]/;

/** Checks the environ the server gave (throws a ValidationError naming the rule). */
export function checkEnviron(environ: unknown): asserts environ is Environ {
  check(typeof environ === "object" && environ !== null && !Array.isArray(environ), "environ-object", "2", () => `environ is ${shown(environ)}, not a plain object`);
  const env = environ as Record<string, unknown>;
  for (const key of CGI_KEYS) check(typeof env[key] === "string", "environ-cgi-key", "2.1", () => `environ.${key} is ${shown(env[key])}; it must always be a string`);
  const e = env as unknown as Environ;
  check(TOKEN.test(e.REQUEST_METHOD), "environ-method", "2.1", () => `REQUEST_METHOD ${shown(e.REQUEST_METHOD)} is not a method token`);
  check(e.SCRIPT_NAME === "" || (e.SCRIPT_NAME.startsWith("/") && !e.SCRIPT_NAME.endsWith("/")), "environ-script-name", "2.1", () => `SCRIPT_NAME ${shown(e.SCRIPT_NAME)} must be "" or start with "/" and not end with one`);
  check(e.PATH_INFO === "" || e.PATH_INFO.startsWith("/") || e.PATH_INFO === "*", "environ-path-info", "2.1", () => `PATH_INFO ${shown(e.PATH_INFO)} must be "", "*" or start with "/"`);
  check(e.CONTENT_LENGTH === "" || /^[0-9]+$/.test(e.CONTENT_LENGTH), "environ-content-length", "2.1", () => `CONTENT_LENGTH ${shown(e.CONTENT_LENGTH)} must be "" or a decimal number`);
  check(e.SERVER_PROTOCOL === "HTTP/1.1" || e.SERVER_PROTOCOL === "HTTP/1.0", "environ-protocol", "2.1", () => `SERVER_PROTOCOL ${shown(e.SERVER_PROTOCOL)} must be "HTTP/1.1" or "HTTP/1.0"`);
  for (const key of ["HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"]) check(!(key in env), "environ-content-headers", "2.1", () => `environ has ${key}; Content-Type and Content-Length appear only as CONTENT_TYPE and CONTENT_LENGTH`);
  for (const key in env) {
    if (key.startsWith("HTTP_")) {
      const v = env[key];
      check(typeof v === "string" && !NOT_LATIN1.test(v), "environ-header-value", "2.2", () => `environ.${key} is ${shown(v)}; header values are Latin-1 strings`);
    }
  }
  for (const key of CGI_KEYS) check(!NOT_LATIN1.test(e[key]), "environ-latin1", "2", () => `environ.${key} has a character above U+00FF; request strings carry bytes as Latin-1`);
  const version = env["wsgi.version"];
  check(Array.isArray(version) && version.length === 2 && version[0] === 1 && version[1] === 0, "environ-wsgi-version", "2.3", () => `wsgi.version is ${shown(version)}, not [1, 0]`);
  const scheme = env["wsgi.url_scheme"];
  check(scheme === "http" || scheme === "https", "environ-url-scheme", "2.3", () => `wsgi.url_scheme is ${shown(scheme)}, not "http" or "https"`);
  for (const key of FLAGS) check(typeof env[key] === "boolean", "environ-flag", "2.3", () => `${key} is ${shown(env[key])}, not a boolean`);
  check(env["wsgi.input_terminated"] === true, "environ-input-terminated", "2.3", () => "wsgi.input_terminated must be true");
  const input = env["wsgi.input"] as Partial<InputStream> | null | undefined;
  check(
    typeof input === "object" && input !== null && typeof input.read === "function" && typeof input.readline === "function" && typeof input.readlines === "function" && typeof input[Symbol.asyncIterator] === "function",
    "environ-input",
    "3",
    () => `wsgi.input is ${shown(input)}; it needs read, readline, readlines and async iteration`,
  );
  const errors = env["wsgi.errors"] as Partial<ErrorStream> | null | undefined;
  check(typeof errors === "object" && errors !== null && typeof errors.write === "function" && typeof errors.writelines === "function" && typeof errors.flush === "function", "environ-errors", "4", () => `wsgi.errors is ${shown(errors)}; it needs write, writelines and flush`);
  check(typeof env["wsgi.file_wrapper"] === "function", "environ-file-wrapper", "5", () => `wsgi.file_wrapper is ${shown(env["wsgi.file_wrapper"])}, not a function`);
  for (const key of ["tsgi.runtime", "tsgi.raw_uri"]) check(typeof env[key] === "string", "environ-tsgi-key", "2.4", () => `${key} is ${shown(env[key])}, not a string`);
}

function checkSize(size: unknown, what: string): void {
  check(size === undefined || size === null || Number.isInteger(size), "input-size", "3", () => `wsgi.input.${what}(${shown(size)}): the size must be an integer or omitted`);
}

/** wsgi.input, checked: the application's arguments, one read at a time, and the server's answers (never past the end). */
export class CheckedInput implements InputStream {
  private busy = false;
  private total = 0;
  private atEnd = false;
  private readonly limit: number;

  constructor(
    private readonly inner: InputStream,
    contentLength: string,
  ) {
    this.limit = contentLength === "" ? Infinity : Number(contentLength);
  }

  private async call<T>(what: string, f: () => Promise<T>, bytesOf: (v: T) => Uint8Array[], max: number): Promise<T> {
    check(!this.busy, "input-one-read", "3", () => `wsgi.input.${what}() was called while another read was still waiting; await it first`);
    this.busy = true;
    let result: T;
    try {
      const p = f();
      check(typeof (p as { then?: unknown } | null)?.then === "function", "input-returns-promise", "3", () => `wsgi.input.${what}() returned ${shown(p)}, not a Promise`);
      result = await p;
    } finally {
      this.busy = false;
    }
    let got = 0;
    for (const b of bytesOf(result)) {
      check(b instanceof Uint8Array, "input-returns-bytes", "3", () => `wsgi.input.${what}() gave ${shown(b)}, not a Uint8Array`);
      got += b.length;
    }
    check(got <= max, "input-size-kept", "3", () => `wsgi.input.${what}() gave ${got} bytes when at most ${max} were asked for`);
    check(!(this.atEnd && got > 0), "input-past-end", "3", () => `wsgi.input.${what}() gave ${got} bytes after it had signalled the end of the body`);
    this.total += got;
    check(this.total <= this.limit, "input-past-end", "3", () => `wsgi.input gave ${this.total} bytes, past the CONTENT_LENGTH of ${this.limit}`);
    if (got === 0 && max > 0) this.atEnd = true;
    return result;
  }

  read(size?: number): Promise<Uint8Array> {
    checkSize(size, "read");
    const max = size === undefined || size === null || size < 0 ? Infinity : size;
    return this.call("read", () => this.inner.read(size), (b) => [b], max);
  }

  readline(size?: number): Promise<Uint8Array> {
    checkSize(size, "readline");
    const max = size === undefined || size === null || size < 0 ? Infinity : size;
    return this.call("readline", () => this.inner.readline(size), (b) => [b], max);
  }

  readlines(hint?: number): Promise<Uint8Array[]> {
    checkSize(hint, "readlines");
    return this.call("readlines", () => this.inner.readlines(hint), (lines) => {
      check(Array.isArray(lines), "input-returns-bytes", "3", () => `wsgi.input.readlines() gave ${shown(lines)}, not an array`);
      return lines;
    }, Infinity);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (;;) {
      const line = await this.readline();
      if (line.length === 0) return;
      yield line;
    }
  }
}

/** wsgi.errors, checked: only text may be written. */
export class CheckedErrors implements ErrorStream {
  constructor(private readonly inner: ErrorStream) {}
  write(text: string): void {
    check(typeof text === "string", "errors-text", "4", () => `wsgi.errors.write(${shown(text)}): only strings may be written`);
    this.inner.write(text);
  }
  writelines(lines: Iterable<string>): void {
    check(lines !== null && typeof (lines as Partial<Iterable<string>>)?.[Symbol.iterator] === "function", "errors-text", "4", () => `wsgi.errors.writelines(${shown(lines)}): expected an iterable of strings`);
    for (const l of lines) this.write(l);
  }
  flush(): void {
    this.inner.flush();
  }
}
