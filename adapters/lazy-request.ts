// The Request fromFetch hands over by default where the runtime takes it as a Request in every way
// (LAZY_FAITHFUL: Node, Deno), or when asked ({ lazyRequest: true }): an object whose
// prototype is Request.prototype (so `instanceof Request` holds) with `url` and `method` at hand and
// every other member of Request (headers, body, signal, text(), json(), clone(), ...) delegated to
// a real Request, built from environ the first time one of them is touched. A handler that routes on
// the URL and answers without reading headers or body never pays for a Request, as with
// @hono/node-server. The runtime's own slots are reached too where they are symbol-keyed (Deno,
// Node), so `new Request(request)` and `fetch(request)` work; Bun reads it through its getters, but
// `new Request(request, init)` on Bun takes only its URL from it (pass `request.clone()`, a real
// Request, there). That gap is why it is opt-in on Bun. A request the real Request would refuse (a
// forbidden method, a Host no URL can have, an absolute-form target) is never made lazy (fits()), so
// the refusal (a 400) comes before the handler as it does with the real one.
// Must never build the real Request twice, and never touch a runtime API.

import type { Environ } from "../src/wsgi/types.ts";
import { type HeaderNames, requestFrom, urlOf } from "./fetch-request.ts";

/** Methods the fetch Request refuses (a TypeError): such a request is built at once, to be refused before the handler. */
const FORBIDDEN = new Set(["CONNECT", "TRACE", "TRACK"]);
/** A Host a URL surely accepts (a name or IPv4 address, or a bracketed IPv6 one, and a port); others are built at once. */
const SIMPLE_HOST = /^(?:[A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$/;

export class LazyRequest {
  #url: string;
  #method: string;
  #environ: Environ;
  #names: HeaderNames;
  #real: Request | null = null;
  #abort: AbortController | null = null;

  constructor(environ: Environ, names: HeaderNames) {
    this.#environ = environ;
    this.#names = names;
    this.#url = urlOf(environ);
    this.#method = environ.REQUEST_METHOD;
  }

  get url(): string {
    return this.#url;
  }

  get method(): string {
    return this.#method;
  }

  /** Whether a Request made of this environ surely succeeds, so building it later changes nothing. */
  static fits(environ: Environ): boolean {
    const raw = environ["tsgi.raw_uri"];
    if (typeof raw === "string" && raw.charCodeAt(0) !== 47) return false; // not "/...": "*" or absolute form
    const method = environ.REQUEST_METHOD;
    if (FORBIDDEN.has(method.toUpperCase())) return false;
    const host = environ.HTTP_HOST;
    return host === undefined || SIMPLE_HOST.test(host);
  }

  /** The real Request, built now if it was not (its signal aborts with abort()). */
  static real(r: LazyRequest): Request {
    if (r.#real === null) {
      r.#abort = new AbortController();
      r.#real = requestFrom(r.#environ, r.#names, r.#abort.signal);
    }
    return r.#real;
  }

  /** The client left: the signal aborts, if anyone could have seen it. */
  static abort(r: LazyRequest): void {
    r.#abort?.abort();
  }
}

/** Every member of Request other than url and method, delegated to the real Request. */
function delegate(): void {
  const proto = LazyRequest.prototype as unknown as Record<PropertyKey, unknown>;
  const seen = new Set<PropertyKey>(["constructor", "url", "method"]);
  for (let p: object | null = Request.prototype; p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const key of Reflect.ownKeys(p)) {
      if (seen.has(key) || key === Symbol.toStringTag) continue;
      seen.add(key);
      const d = Object.getOwnPropertyDescriptor(p, key)!;
      if (typeof d.value === "function") {
        const name = key;
        Object.defineProperty(proto, key, {
          configurable: true,
          writable: true,
          value: function (this: LazyRequest, ...args: unknown[]): unknown {
            const real = LazyRequest.real(this) as unknown as Record<PropertyKey, (...a: unknown[]) => unknown>;
            return real[name]!(...args);
          },
        });
      } else if (d.get !== undefined) {
        Object.defineProperty(proto, key, {
          configurable: true,
          get(this: LazyRequest): unknown {
            return Reflect.get(LazyRequest.real(this), key);
          },
        });
      }
    }
  }
  // The runtime's own slots, where they are symbol-keyed properties of each instance (Deno, Node's
  // undici), so `new Request(request)` and `fetch(request)` find the real Request's through them.
  // (Bun reads a non-native Request through its getters, which already delegate.)
  for (const key of Object.getOwnPropertySymbols(new Request("http://localhost/"))) {
    if (seen.has(key)) continue;
    Object.defineProperty(proto, key, {
      configurable: true,
      get(this: LazyRequest): unknown {
        return Reflect.get(LazyRequest.real(this), key);
      },
      set(this: LazyRequest, value: unknown): void {
        Reflect.set(LazyRequest.real(this), key, value);
      },
    });
  }
  // `request.constructor === Request`, as for the real one.
  Object.defineProperty(proto, "constructor", { configurable: true, writable: true, value: Request });
  Object.setPrototypeOf(LazyRequest.prototype, Request.prototype);
}

delegate();

/**
 * Whether the runtime takes a LazyRequest as it takes a Request, checked once on a probe: what
 * `new Request(lazy, init)` copies (method, headers) and what it reads directly. False on Bun,
 * whose `new Request(input, init)` takes only the URL from an object that is not its own Request.
 */
function faithful(): boolean {
  try {
    const environ = {
      REQUEST_METHOD: "DELETE",
      SCRIPT_NAME: "",
      PATH_INFO: "/probe",
      QUERY_STRING: "q",
      CONTENT_TYPE: "",
      CONTENT_LENGTH: "",
      SERVER_NAME: "localhost",
      SERVER_PORT: "80",
      HTTP_HOST: "localhost",
      HTTP_X_PROBE: "yes",
      "wsgi.url_scheme": "http",
    } as unknown as Environ;
    const names = { of: (key: string) => key.slice(5).toLowerCase().replaceAll("_", "-") } as HeaderNames;
    const copies = [new Request(new LazyRequest(environ, names) as unknown as Request), new Request(new LazyRequest(environ, names) as unknown as Request, { cache: "default" })];
    const withHeaders = new Request(new LazyRequest(environ, names) as unknown as Request, { headers: { a: "1" } });
    return (
      copies.every((c) => c.method === "DELETE" && c.url === "http://localhost/probe?q" && c.headers.get("x-probe") === "yes") &&
      withHeaders.method === "DELETE" &&
      withHeaders.headers.get("a") === "1" &&
      withHeaders.headers.get("x-probe") === null
    );
  } catch {
    return false;
  }
}

/** Whether the lazy Request is the default (the runtime cannot tell it from a Request). */
export const LAZY_FAITHFUL = faithful();
