// The Request fromFetch hands over when asked for speed ({ lazyRequest: true }): an object whose
// prototype is Request.prototype (so `instanceof Request` holds) with `url` and `method` at hand and
// every other member of Request (headers, body, signal, text(), json(), clone(), ...) delegated to
// a real Request, built from environ the first time one of them is touched. A handler that routes on
// the URL and answers without reading headers or body never pays for a Request, as with
// @hono/node-server. The runtime's own slots are reached too where they are symbol-keyed (Deno,
// Node), so `new Request(request)` and `fetch(request)` work; Bun reads it through its getters, but
// `new Request(request, init)` on Bun takes only its URL from it (pass `request.clone()`, a real
// Request, there). That gap is why it is opt-in.
// Must never build the real Request twice, and never touch a runtime API.

import type { Environ } from "../src/wsgi/types.ts";
import { type HeaderNames, requestFrom, urlOf } from "./fetch-request.ts";

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
  Object.setPrototypeOf(LazyRequest.prototype, Request.prototype);
}

delegate();
