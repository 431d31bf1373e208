// validate(app), PEP 3333's wsgiref.validate for tsgi: wraps an application and checks both sides of
// the interface as a request goes through: the environ the server gives (validate-environ.ts), the
// application's startResponse and write() calls, its body and chunks, that the server calls close()
// once and pulls nothing after, and that nothing is written after the body ended. A broken rule
// throws a ValidationError naming the rule and the section of docs/interface.md (`tsgi/validate`).
// Must never change what a correct application sends: an Array stays an Array, a synchronous body
// synchronous, an asynchronous one asynchronous.

import type { Application, Body, Chunk, Environ, Header, StartResponse, Write } from "../src/wsgi/types.ts";
import { CheckedErrors, CheckedInput, checkEnviron } from "./validate-environ.ts";
import { ValidationError, check, shown } from "./validation-error.ts";
import { isThenable } from "../src/wsgi/chunks.ts";

export { ValidationError } from "./validation-error.ts";

const STATUS = /^[2-5][0-9][0-9] [^\x00-\x08\x0a-\x1f\x7f\u0100-\uffff]*$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const BAD_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer", "trailers", "transfer-encoding", "upgrade"]);

function checkStart(status: unknown, headers: unknown): void {
  check(typeof status === "string" && STATUS.test(status), "start-status", "6", () => `startResponse: status ${shown(status)} is not "NNN Reason" with NNN from 200 to 599`);
  check(Array.isArray(headers), "start-headers", "6", () => `startResponse: headers are ${shown(headers)}, not an array of [name, value] pairs`);
  let lengths = 0;
  for (const h of headers) {
    check(Array.isArray(h) && h.length === 2 && typeof h[0] === "string" && typeof h[1] === "string", "start-header-pair", "6", () => `startResponse: header ${shown(h)} is not a [name, value] pair of strings`);
    const [name, value] = h as Header;
    check(TOKEN.test(name), "header-name", "6", () => `startResponse: header name ${shown(name)} is not an HTTP token`);
    check(!BAD_VALUE.test(value), "header-value", "6", () => `startResponse: header ${name} has a control or non-Latin-1 character in its value ${shown(value)}`);
    const lower = name.toLowerCase();
    check(!HOP_BY_HOP.has(lower), "header-hop-by-hop", "6", () => `startResponse: hop-by-hop header ${name} belongs to the server`);
    if (lower === "content-length") {
      lengths++;
      check(lengths === 1 && /^[0-9]{1,15}$/.test(value), "header-content-length", "6", () => `startResponse: Content-Length ${shown(value)} must appear once, as a decimal integer of at most 15 digits`);
    }
  }
}

/** One request's state as the validator sees it. */
class Watch {
  started = false;
  headersSent = false;
  /** The body ended (its end was reached, or it was closed). */
  ended = false;
  closed = false;

  chunk(value: unknown, where: string): void {
    check(value instanceof Uint8Array || typeof value === "string", "body-chunk", "8", () => `${where} ${shown(value)}; chunks must be Uint8Array or string`);
    const empty = (value as Chunk).length === 0;
    if (!empty) {
      check(this.started, "start-before-body", "9", () => `${where} data before startResponse() was called`);
      this.headersSent = true;
    }
  }

  end(): void {
    check(this.started, "start-before-body", "9", () => "the body ended before startResponse() was called");
    this.headersSent = true;
    this.ended = true;
  }

  close(): void {
    check(!this.closed, "close-once", "8", () => "the server called the body's close() a second time");
    this.closed = true;
    this.ended = true;
  }

  pulled(): void {
    check(!this.closed, "no-pull-after-close", "8", () => "the server pulled the body after closing it");
  }
}

/** The body's close(), or its iterator's return() when iteration stopped early (what the server would call). */
function closer(body: object, iter: () => Iterator<unknown> | AsyncIterator<unknown> | null, done: () => boolean): () => unknown {
  return () => {
    const close = (body as { close?: unknown }).close;
    if (typeof close === "function") return (close as () => unknown).call(body);
    const it = iter();
    if (it !== null && !done() && typeof it.return === "function") return it.return();
  };
}

/** The body as the server will see it, checked as it is pulled; the same kind of iterable as the app's. */
function checkedBody(body: unknown, w: Watch): Body {
  check(
    body !== null && typeof body === "object" && !(body instanceof Uint8Array) && (typeof (body as Iterable<unknown>)[Symbol.iterator] === "function" || typeof (body as AsyncIterable<unknown>)[Symbol.asyncIterator] === "function"),
    "body-iterable",
    "8",
    () => `the application returned ${shown(body)} as its body; return an iterable of chunks, such as [body]`,
  );
  if (Array.isArray(body)) {
    for (const c of body) w.chunk(c, "the body (an Array) holds");
    w.end();
    if (typeof (body as { close?: unknown }).close !== "function") return body as Chunk[];
    const copy = body.slice() as Chunk[] & { close?: () => unknown };
    const close = closer(body, () => null, () => true);
    copy.close = () => {
      w.close();
      return close();
    };
    return copy;
  }
  let iter: Iterator<unknown> | AsyncIterator<unknown> | null = null;
  let done = false;
  const close = closer(body, () => iter, () => done);
  const step = (r: IteratorResult<unknown>): IteratorResult<Chunk> => {
    check(typeof r === "object" && r !== null, "body-iterator", "8", () => `the body's iterator gave ${shown(r)}, not an iterator result`);
    if (r.done) {
      done = true;
      w.end();
    } else w.chunk(r.value, "the body yielded");
    return r as IteratorResult<Chunk>;
  };
  const closeChecked = (): unknown => {
    w.close();
    return close();
  };
  const sync = (body as Iterable<unknown>)[Symbol.iterator];
  if (typeof sync === "function") {
    return {
      [Symbol.iterator]: (): Iterator<Chunk> => {
        const it = (iter = sync.call(body) as Iterator<unknown>);
        return { next: () => (w.pulled(), step(it.next())) };
      },
      close: closeChecked,
    } as Iterable<Chunk> & { close(): unknown };
  }
  const async = (body as AsyncIterable<unknown>)[Symbol.asyncIterator];
  return {
    [Symbol.asyncIterator]: (): AsyncIterator<Chunk> => {
      const it = (iter = async.call(body) as AsyncIterator<unknown>);
      return { next: () => (w.pulled(), Promise.resolve(it.next()).then(step)) };
    },
    close: closeChecked,
  } as AsyncIterable<Chunk> & { close(): unknown };
}

/** `app`, checked on both sides at every request (docs/interface.md). */
export function validate(app: Application): Application {
  if (typeof app !== "function") throw new ValidationError("app-callable", "1", `the application is ${shown(app)}, not a function`);
  return (environ: Environ, startResponse: StartResponse) => {
    checkEnviron(environ);
    check(typeof startResponse === "function", "start-callable", "6", () => `startResponse is ${shown(startResponse)}, not a function`);
    const env: Environ = { ...environ, "wsgi.input": new CheckedInput(environ["wsgi.input"], environ.CONTENT_LENGTH), "wsgi.errors": new CheckedErrors(environ["wsgi.errors"]) };
    const w = new Watch();
    let write: Write | null = null;
    const checkedWrite: Write = (chunk) => {
      check(!w.ended, "write-after-end", "7", () => "write() was called after the body had ended");
      check(chunk instanceof Uint8Array || typeof chunk === "string", "write-chunk", "7", () => `write(${shown(chunk)}): chunks must be Uint8Array or string`);
      w.headersSent = true;
      const r = write!(chunk);
      check(r === undefined || isThenable(r), "write-returns", "7", () => `the server's write() returned ${shown(r)}, not undefined or a Promise`);
      return r;
    };
    const checkedStart: StartResponse = (status, headers, excInfo) => {
      const replacing = excInfo !== undefined && excInfo !== null;
      check(!w.started || replacing, "start-once", "6", () => "startResponse() was called a second time without excInfo");
      checkStart(status, headers);
      const sentBefore = w.headersSent;
      const r = startResponse(status, headers, excInfo);
      check(!(replacing && sentBefore), "start-exc-info-rethrown", "6", () => "the server's startResponse() did not rethrow excInfo after the headers were sent");
      check(typeof r === "function", "start-returns-write", "6", () => `the server's startResponse() returned ${shown(r)}, not a write function`);
      w.started = true;
      write = r;
      return checkedWrite;
    };
    const result = app(env, checkedStart);
    if (!isThenable(result)) return checkedBody(result, w);
    const checked = Promise.resolve(result).then((body) => checkedBody(body, w)) as Promise<Body> & { close?: () => unknown };
    const close = (result as { close?: unknown }).close;
    if (typeof close === "function") checked.close = () => close.call(result); // a pending Promise's close() (section 8)
    return checked;
  };
}
