// Unit tests of one exchange (request through the app) on a ServerCore with a fake transport:
// startResponse validation, excInfo, write(), framing (Content-Length, chunked, HTTP/1.0
// close-delimited), HEAD/204/304, close() exactly once, app errors before and after headers,
// Content-Length mismatches, and backpressure. It must never wait on time: every wait is for a
// transport event, or settle() (all queued microtasks run) where a test asserts that nothing happens.
import { afterEach, describe, expect, test } from "vitest";
import type { Application, Body, Chunk, Header, StartResponse, Write } from "../../src/wsgi/types.ts";
import type { CoreOptions } from "../../src/server/options.ts";
import { type Client, connect, finalStatuses, normaliseDate, settle } from "./fake.ts";
import { expectErrorResponse } from "./error-shape.ts";

const GET = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
const clients: Client[] = [];

afterEach(() => {
  for (const c of clients.splice(0)) c.handle.closed();
});

/** Sends `request` to a fresh connection and waits until `n` responses are complete or it is closed. */
async function serve(app: Application, request = GET, opts: { n?: number; heads?: number[]; options?: Partial<CoreOptions> } = {}): Promise<Client> {
  const client = connect(app, opts.options);
  clients.push(client);
  client.send(request);
  await client.transport.untilClosedOr(opts.n ?? 1, opts.heads);
  await settle();
  return client;
}

const out = (c: Client): string => normaliseDate(c.transport.text);

/** A response in the exact serialisation: status line, fields, CRLF, body. */
function response(status: string, fields: string[], body = ""): string {
  return `HTTP/1.1 ${status}\r\n${fields.map((f) => f + "\r\n").join("")}\r\n${body}`;
}

/** An async body the test drives: each pull waits for the test to release the next chunk. */
class Gate {
  pulls = 0;
  closes = 0;
  private release: (() => void) | null = null;
  private pulled: (() => void) | null = null;
  constructor(private readonly chunks: Chunk[]) {}
  /** Resolves once the body is waiting in its next pull. */
  waitPulled(): Promise<void> {
    if (this.release !== null) return Promise.resolve();
    return new Promise((r) => (this.pulled = r));
  }
  /** Lets the pending pull deliver its chunk. */
  next(): void {
    const r = this.release;
    this.release = null;
    r?.();
  }
  body(): AsyncIterable<Chunk> & { close(): void } {
    const self = this;
    return {
      close() {
        self.closes++;
      },
      async *[Symbol.asyncIterator]() {
        for (const c of self.chunks) {
          self.pulls++;
          await new Promise<void>((r) => {
            self.release = r;
            const p = self.pulled;
            self.pulled = null;
            p?.();
          });
          yield c;
        }
      },
    };
  }
}

describe("startResponse validation (throws a TypeError to the app, sends nothing)", () => {
  /** Calls startResponse with the arguments; answers 200 if that threw. Reports what happened. */
  async function check(status: unknown, headers: unknown): Promise<{ threw: unknown; text: string }> {
    let threw: unknown = null;
    const app: Application = (_env, sr) => {
      try {
        sr(status as string, headers as Header[]);
      } catch (e) {
        threw = e;
        sr("200 Fallback", []);
      }
      return ["body"];
    };
    const c = await serve(app);
    return { threw, text: out(c) };
  }

  test.each(["200 OK", "200 ", "201 Created", "299 x", "404 Not Found", "500 Internal Server Error", "599 Custom reason", "200 caf\xe9 \xff", "250 a b  c", "200 A\tB"])(
    "status %j is accepted and sent as is",
    async (status) => {
      const r = await check(status, []);
      expect(r.threw).toBe(null);
      expect(r.text.startsWith(`HTTP/1.1 ${status}\r\n`)).toBe(true);
    },
  );

  test.each(["200", "200OK", "OK", "", " 200 OK", "20 OK", "2000 OK", "099 X", "100 Continue", "101 Switching Protocols", "199 X", "600 X", "999 X", "abc OK", "200 O\r\nK", "200 O\nK", "200 O\rK", "200 O\x00K", "200 O\x1bK", "200 O\x7fK"])(
    "status %j throws a TypeError",
    async (status) => {
      const r = await check(status, []);
      expect(r.threw).toBeInstanceOf(TypeError);
      expect(r.text.startsWith("HTTP/1.1 200 Fallback\r\n")).toBe(true);
    },
  );

  test.each([200, null, undefined, ["200 OK"]])("a non-string status (%j) throws a TypeError", async (status) => {
    expect((await check(status, [])).threw).toBeInstanceOf(TypeError);
  });

  test.each([
    ["a non-array", "X-A: 1"],
    ["an object", { "X-A": "1" }],
    ["a 1-tuple", [["X-A"]]],
    ["a 3-tuple", [["X-A", "1", "2"]]],
    ["a numeric value", [["X-A", 1]]],
    ["a numeric name", [[1, "a"]]],
    ["an empty name", [["", "a"]]],
    ["a name with a space", [["X A", "a"]]],
    ["a name with a colon", [["X:A", "a"]]],
    ["a name with a tab", [["X\tA", "a"]]],
    ["a name with CRLF", [["X\r\nY", "a"]]],
    ["a non-ASCII name", [["X-\xe9", "a"]]],
    ["a value with CR", [["X-A", "a\rb"]]],
    ["a value with LF", [["X-A", "a\nb"]]],
    ["a value with CRLF (response splitting)", [["X-A", "a\r\nSet-Cookie: x=y"]]],
    ["a value with NUL", [["X-A", "a\x00b"]]],
    ["a value with DEL", [["X-A", "a\x7fb"]]],
    ["a value with US", [["X-A", "a\x1fb"]]],
    ["a value above Latin-1", [["X-A", "\u20ac"]]],
    ["a value with U+0100", [["X-A", "\u0100"]]],
  ])("headers with %s throw a TypeError", async (_name, headers) => {
    expect((await check("200 OK", headers)).threw).toBeInstanceOf(TypeError);
  });

  test.each(["Connection", "connection", "Keep-Alive", "Proxy-Authenticate", "PROXY-AUTHORIZATION", "TE", "Trailer", "Transfer-Encoding", "Upgrade"])(
    "hop-by-hop header %s throws a TypeError",
    async (name) => {
      const r = await check("200 OK", [[name, "x"]]);
      expect(r.threw).toBeInstanceOf(TypeError);
      expect(r.text).not.toMatch(new RegExp(`\r\n${name}: x\r\n`, "i"));
    },
  );

  test("values with HTAB, obs-text and spaces are accepted and sent as Latin-1 bytes", async () => {
    const r = await check("200 OK", [["X-A", "a\tb"], ["X-B", "caf\xe9"], ["X-C", ""], ["x-lower", " spaced "]]);
    expect(r.threw).toBe(null);
    expect(r.text).toContain("\r\nX-A: a\tb\r\nX-B: caf\xe9\r\nX-C: \r\nx-lower:  spaced \r\n");
  });

  test("a second call without excInfo throws and the first response stands", async () => {
    let second: unknown = null;
    const app: Application = (_env, sr) => {
      sr("201 Created", [["X-First", "1"]]);
      try {
        sr("202 Accepted", [["X-Second", "2"]]);
      } catch (e) {
        second = e;
      }
      return ["x"];
    };
    const c = await serve(app);
    expect(second).toBeInstanceOf(TypeError);
    expect(out(c)).toBe(response("201 Created", ["X-First: 1", "Content-Length: 1", "Date: X", "Server: tsgi"], "x"));
  });

  test.each([null, undefined])("excInfo %j counts as no excInfo", async (excInfo) => {
    let second: unknown = null;
    const app: Application = (_env, sr) => {
      sr("201 Created", []);
      try {
        sr("500 Oops", [], excInfo);
      } catch (e) {
        second = e;
      }
      return [];
    };
    const c = await serve(app);
    expect(second).toBeInstanceOf(TypeError);
    expect(out(c).startsWith("HTTP/1.1 201 Created\r\n")).toBe(true);
  });

  test("a TypeError the app lets escape becomes a 500", async () => {
    const c = await serve((_env, sr) => {
      sr("200 OK", [["Connection", "close"]]);
      return [];
    });
    expectErrorResponse(c.transport.text, 500);
    expect(c.logs.join("\n")).toContain("TypeError");
    expect(c.transport.closed).toBe(true);
  });
});

describe("excInfo", () => {
  test("before anything was sent, it replaces status and headers", async () => {
    const c = await serve((_env, sr) => {
      sr("200 OK", [["X-A", "1"]]);
      sr("503 Service Unavailable", [["Retry-After", "1"]], new Error("boom"));
      return ["down"];
    });
    expect(out(c)).toBe(response("503 Service Unavailable", ["Retry-After: 1", "Content-Length: 4", "Date: X", "Server: tsgi"], "down"));
  });

  test("after headers were sent, it is rethrown (the same object) and the response goes on if the app goes on", async () => {
    const err = new Error("late");
    let caught: unknown = null;
    const c = await serve((_env, sr) => {
      const write = sr("200 OK", []);
      void write("partial ");
      try {
        sr("500 Oops", [], err);
      } catch (e) {
        caught = e;
      }
      return ["end"];
    });
    expect(caught).toBe(err);
    expect(out(c)).toBe(response("200 OK", ["Transfer-Encoding: chunked", "Date: X", "Server: tsgi"], "8\r\npartial \r\n3\r\nend\r\n0\r\n\r\n"));
    expect(c.transport.closed).toBe(false);
  });

  test("after headers were sent, an app that lets it escape gets the connection closed (no terminator)", async () => {
    const c = await serve((_env, sr) => {
      const write = sr("200 OK", []);
      void write("partial");
      sr("500 Oops", [], new Error("late"));
      return [];
    });
    expect(out(c)).toBe(response("200 OK", ["Transfer-Encoding: chunked", "Date: X", "Server: tsgi"], "7\r\npartial"));
    expect(c.transport.closed).toBe(true);
    expect(c.logs.join("\n")).toContain("late");
  });
});

describe("write()", () => {
  test("sends the headers with the first chunk (chunked on HTTP/1.1), then the body follows", async () => {
    const c = await serve((_env, sr) => {
      const write = sr("200 OK", [["Content-Type", "text/plain"]]);
      void write("a");
      void write("");
      void write(new Uint8Array([0x62, 0x63]));
      return ["d"];
    });
    expect(out(c)).toBe(response("200 OK", ["Content-Type: text/plain", "Transfer-Encoding: chunked", "Date: X", "Server: tsgi"], "1\r\na\r\n2\r\nbc\r\n1\r\nd\r\n0\r\n\r\n"));
  });

  test("the first write() sends the headers even when empty (PEP 3333): the body after it is chunked", async () => {
    const c = await serve((_env, sr) => {
      const write = sr("200 OK", []);
      void write("");
      return ["known"];
    });
    expect(out(c)).toBe(response("200 OK", ["Transfer-Encoding: chunked", "Date: X", "Server: tsgi"], "5\r\nknown\r\n0\r\n\r\n"));
  });

  test("with an app-set Content-Length, write() output is framed by it", async () => {
    const c = await serve((_env, sr) => {
      const write = sr("200 OK", [["Content-Length", "6"]]);
      void write("abc");
      return ["def"];
    });
    expect(out(c)).toBe(response("200 OK", ["Content-Length: 6", "Date: X", "Server: tsgi"], "abcdef"));
    expect(c.transport.closed).toBe(false);
  });

  test("write() of a non-chunk throws to the app", async () => {
    let threw: unknown = null;
    const c = await serve((_env, sr) => {
      const write = sr("200 OK", []);
      try {
        void write(42 as unknown as Chunk);
      } catch (e) {
        threw = e;
      }
      return ["ok"];
    });
    expect(threw).toBeInstanceOf(Error);
    expect(out(c)).toBe(response("200 OK", ["Content-Length: 2", "Date: X", "Server: tsgi"], "ok"));
  });

  test("write() after the client went away throws", async () => {
    let write: Write | null = null;
    let release: () => void = () => {};
    const c = connect(async (_env, sr) => {
      write = sr("200 OK", []);
      await new Promise<void>((r) => (release = r));
      return [];
    });
    clients.push(c);
    c.send(GET);
    await settle();
    c.handle.closed();
    expect(() => write!("late")).toThrow();
    release();
    await settle();
    expect(c.transport.text).toBe("");
  });
});

describe("framing", () => {
  test.each<[string, Body, string, string]>([
    ["an Array", ["Hello, ", "World!"], "Content-Length: 13", "Hello, World!"],
    ["an empty Array", [], "Content-Length: 0", ""],
    ["empty chunks only", ["", new Uint8Array(0)], "Content-Length: 0", ""],
    ["Uint8Array chunks", [new Uint8Array([104, 105])], "Content-Length: 2", "hi"],
    ["UTF-8 strings", ["\u00e9\u20ac"], "Content-Length: 5", "\xc3\xa9\xe2\x82\xac"],
    ["a Set (sync iterable, length not known before it is iterated)", new Set(["a", "b"]), "Transfer-Encoding: chunked", "1\r\na\r\n1\r\nb\r\n0\r\n\r\n"],
  ])("%s body -> %s", async (_name, body, framing, wire) => {
    const c = await serve((_env, sr) => {
      sr("200 OK", []);
      return body;
    });
    expect(out(c)).toBe(response("200 OK", [framing, "Date: X", "Server: tsgi"], wire));
  });

  test("a short sync generator is chunked, as an async one is: its length is not known when its first chunk goes out", async () => {
    const c = await serve((_env, sr) => {
      sr("200 OK", []);
      return (function* () {
        yield "a";
        yield "bc";
      })();
    });
    expect(out(c)).toBe(response("200 OK", ["Transfer-Encoding: chunked", "Date: X", "Server: tsgi"], "1\r\na\r\n2\r\nbc\r\n0\r\n\r\n"));
  });

  test("a sync generator larger than 64 KiB is sent chunked", async () => {
    const big = "x".repeat(40_000);
    const c = await serve((_env, sr) => {
      sr("200 OK", []);
      return (function* () {
        yield big;
        yield big;
        yield "end";
      })();
    });
    const text = out(c);
    expect(text.startsWith(response("200 OK", ["Transfer-Encoding: chunked", "Date: X", "Server: tsgi"]))).toBe(true);
    expect(text.endsWith("3\r\nend\r\n0\r\n\r\n")).toBe(true);
    expect(text).toContain(`9c40\r\n${big}\r\n9c40\r\n${big}\r\n`);
  });

  test("an async app resolving to an Array gets Content-Length", async () => {
    const c = await serve(async (_env, sr) => {
      await Promise.resolve();
      sr("200 OK", []);
      return ["later"];
    });
    expect(out(c)).toBe(response("200 OK", ["Content-Length: 5", "Date: X", "Server: tsgi"], "later"));
  });

  test("an async generator is sent chunked on HTTP/1.1, exact bytes", async () => {
    const c = await serve((_env, sr) => {
      sr("200 OK", [["Content-Type", "text/plain"]]);
      return (async function* () {
        yield "a";
        yield "";
        yield new Uint8Array([0x62, 0x62]);
        yield "c".repeat(17);
      })();
    });
    expect(out(c)).toBe(
      response("200 OK", ["Content-Type: text/plain", "Transfer-Encoding: chunked", "Date: X", "Server: tsgi"], `1\r\na\r\n2\r\nbb\r\n11\r\n${"c".repeat(17)}\r\n0\r\n\r\n`),
    );
    expect(c.transport.closed).toBe(false);
  });

  test("an async generator with an app-set Content-Length is sent as is", async () => {
    const c = await serve((_env, sr) => {
      sr("200 OK", [["content-length", "3"]]);
      return (async function* () {
        yield "a";
        yield "bc";
      })();
    });
    expect(out(c)).toBe(response("200 OK", ["content-length: 3", "Date: X", "Server: tsgi"], "abc"));
  });

  test("HTTP/1.0 with an async body: no framing header, the body ends with the connection", async () => {
    const c = await serve(
      (_env, sr) => {
        sr("200 OK", []);
        return (async function* () {
          yield "a";
          yield "bb";
        })();
      },
      "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
    );
    expect(out(c)).toBe(response("200 OK", ["Date: X", "Server: tsgi"], "abb"));
    expect(c.transport.closes).toBe(1);
  });

  test("HTTP/1.0 keep-alive with a known length: Connection: keep-alive and the connection stays", async () => {
    const c = await serve((_env, sr) => {
      sr("200 OK", []);
      return ["ab"];
    }, "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    expect(out(c)).toBe(response("200 OK", ["Content-Length: 2", "Connection: keep-alive", "Date: X", "Server: tsgi"], "ab"));
    expect(c.transport.closed).toBe(false);
  });

  test("HTTP/1.0 without keep-alive: Content-Length, no Connection header, then the end", async () => {
    const c = await serve((_env, sr) => {
      sr("200 OK", []);
      return ["ab"];
    }, "GET / HTTP/1.0\r\n\r\n");
    expect(out(c)).toBe(response("200 OK", ["Content-Length: 2", "Date: X", "Server: tsgi"], "ab"));
    expect(c.transport.closes).toBe(1);
  });

  test("Connection: close from the client is answered with Connection: close, then the end", async () => {
    const c = await serve((_env, sr) => {
      sr("200 OK", []);
      return ["ab"];
    }, "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    expect(out(c)).toBe(response("200 OK", ["Content-Length: 2", "Connection: close", "Date: X", "Server: tsgi"], "ab"));
    expect(c.transport.closes).toBe(1);
  });

  test("the app's own Date and Server replace the server's", async () => {
    const c = await serve((_env, sr) => {
      sr("200 OK", [["Server", "mine"], ["date", "Thu, 01 Jan 1970 00:00:00 GMT"]]);
      return [];
    });
    expect(c.transport.text).toBe(response("200 OK", ["Server: mine", "date: Thu, 01 Jan 1970 00:00:00 GMT", "Content-Length: 0"]));
  });

  test("serverHeader '' sends no Server header", async () => {
    const c = await serve(
      (_env, sr) => {
        sr("200 OK", []);
        return [];
      },
      GET,
      { options: { serverHeader: "" } },
    );
    expect(out(c)).toBe(response("200 OK", ["Content-Length: 0", "Date: X"]));
  });
});

describe("HEAD, 204, 304", () => {
  const PIPE = (first: string): string => first + "GET /next HTTP/1.1\r\nHost: a\r\n\r\n";
  const app =
    (status: string, headers: Header[], body: () => Body): Application =>
    (env, sr) => {
      if (env.PATH_INFO === "/next") {
        sr("200 OK", []);
        return ["next"];
      }
      sr(status, headers);
      return body();
    };
  const NEXT = response("200 OK", ["Content-Length: 4", "Date: X", "Server: tsgi"], "next");

  test("HEAD with a known body: its Content-Length, no body bytes; the next response follows at once", async () => {
    const c = await serve(app("200 OK", [], () => ["hello"]), PIPE("HEAD / HTTP/1.1\r\nHost: a\r\n\r\n"), { n: 2, heads: [0] });
    expect(out(c)).toBe(response("200 OK", ["Content-Length: 5", "Date: X", "Server: tsgi"]) + NEXT);
  });

  test("HEAD with an async body: the headers GET would get, no body bytes, no last chunk", async () => {
    const gen = (): Body =>
      (async function* () {
        yield "hello";
      })();
    const c = await serve(app("200 OK", [["X-A", "1"]], gen), PIPE("HEAD / HTTP/1.1\r\nHost: a\r\n\r\n"), { n: 2, heads: [0] });
    expect(out(c)).toBe(response("200 OK", ["X-A: 1", "Transfer-Encoding: chunked", "Date: X", "Server: tsgi"]) + NEXT);
  });

  test("HEAD with an app-set Content-Length passes it through", async () => {
    const c = await serve(app("200 OK", [["Content-Length", "1000"]], () => []), PIPE("HEAD / HTTP/1.1\r\nHost: a\r\n\r\n"), { n: 2, heads: [0] });
    expect(out(c)).toBe(response("200 OK", ["Content-Length: 1000", "Date: X", "Server: tsgi"]) + NEXT);
  });

  test("204 with a body: no body bytes and no framing header", async () => {
    const c = await serve(app("204 No Content", [], () => ["ignored"]), PIPE(GET), { n: 2 });
    expect(out(c)).toBe(response("204 No Content", ["Date: X", "Server: tsgi"]) + NEXT);
  });

  test("304 with an app-set Content-Length: passed through, no body bytes", async () => {
    const c = await serve(app("304 Not Modified", [["ETag", '"x"'], ["Content-Length", "10"]], () => []), PIPE(GET), { n: 2 });
    expect(out(c)).toBe(response("304 Not Modified", ['ETag: "x"', "Content-Length: 10", "Date: X", "Server: tsgi"]) + NEXT);
  });

  test("304 with an async body: no framing header, no body bytes", async () => {
    const gen = (): Body =>
      (async function* () {
        yield "x";
      })();
    const c = await serve(app("304 Not Modified", [], gen), PIPE(GET), { n: 2 });
    expect(out(c)).toBe(response("304 Not Modified", ["Date: X", "Server: tsgi"]) + NEXT);
  });
});

describe("close() is called exactly once", () => {
  test("on success (an Array with close())", async () => {
    let closes = 0;
    const c = await serve((_env, sr) => {
      sr("200 OK", []);
      return Object.assign(["a"], { close: () => void closes++ });
    });
    expect(closes).toBe(1);
    expect(out(c)).toContain("\r\n\r\na");
  });

  test("on success (a custom iterable with close())", async () => {
    let closes = 0;
    await serve((_env, sr) => {
      sr("200 OK", []);
      return {
        *[Symbol.iterator]() {
          yield "a";
        },
        close() {
          closes++;
        },
      };
    });
    expect(closes).toBe(1);
  });

  test("on an app error while iterating (before headers): 500, close() once", async () => {
    let closes = 0;
    const c = await serve((_env, sr) => {
      sr("200 OK", []);
      return {
        *[Symbol.iterator]() {
          yield ""; // an empty chunk does not send the headers
          throw new Error("mid-body");
        },
        close() {
          closes++;
        },
      };
    });
    expect(closes).toBe(1);
    expectErrorResponse(c.transport.text, 500);
  });

  test("on an app error after headers: close() once, connection closed", async () => {
    let closes = 0;
    const c = await serve((_env, sr) => {
      sr("200 OK", []);
      const gen = (async function* () {
        yield "a";
        throw new Error("after headers");
      })();
      return Object.assign(gen, { close: () => void closes++ });
    });
    expect(closes).toBe(1);
    expect(c.transport.closed).toBe(true);
  });

  test("on a junk chunk: close() once", async () => {
    let closes = 0;
    await serve((_env, sr) => {
      sr("200 OK", []);
      return Object.assign(["a", 5 as unknown as string], { close: () => void closes++ });
    });
    expect(closes).toBe(1);
  });

  test("on abort (the driver reports the socket closed): close() once, the body is not pulled again", async () => {
    const gate = new Gate(["a", "b", "c"]);
    const c = connect((_env, sr) => {
      sr("200 OK", []);
      return gate.body();
    });
    clients.push(c);
    c.send(GET);
    await gate.waitPulled();
    gate.next();
    await gate.waitPulled();
    expect(gate.pulls).toBe(2);
    c.handle.closed();
    expect(gate.closes).toBe(1);
    gate.next();
    await settle();
    expect(gate.pulls).toBe(2);
    expect(gate.closes).toBe(1);
    c.handle.closed();
    expect(gate.closes).toBe(1);
  });

  test("on abort of a sync generator held by backpressure: its return() runs (the generator's finally), once", async () => {
    let finallyRan = 0;
    let pulls = 0;
    const c = connect((_env, sr) => {
      sr("200 OK", []);
      return (function* () {
        try {
          for (let i = 0; i < 10; i++) {
            pulls++;
            yield "g".repeat(40_000);
          }
        } finally {
          finallyRan++;
        }
      })();
    });
    clients.push(c);
    c.transport.writeResult = false;
    c.send(GET);
    await settle();
    expect(pulls).toBeLessThan(10);
    expect(finallyRan).toBe(0);
    c.handle.closed();
    expect(finallyRan).toBe(1);
    c.handle.writable();
    await settle();
    expect(finallyRan).toBe(1);
  });

  test("on abort of an async generator without close(): return() runs once the pending pull settles", async () => {
    let finallyRan = 0;
    let release: () => void = () => {};
    let pulledResolve: () => void = () => {};
    const pulled = new Promise<void>((r) => (pulledResolve = r));
    const c = connect((_env, sr) => {
      sr("200 OK", []);
      return (async function* () {
        try {
          yield "a";
          await new Promise<void>((r) => {
            release = r;
            pulledResolve();
          });
          yield "b";
          yield "c";
        } finally {
          finallyRan++;
        }
      })();
    });
    clients.push(c);
    c.send(GET);
    await pulled;
    c.handle.closed();
    release();
    await settle();
    expect(finallyRan).toBe(1);
    expect(normaliseDate(c.transport.text)).toBe(response("200 OK", ["Transfer-Encoding: chunked", "Date: X", "Server: tsgi"], "1\r\na"));
  });

  test("a close() that throws is logged; the response is unaffected and the connection stays", async () => {
    const c = await serve((_env, sr) => {
      sr("200 OK", []);
      return Object.assign(["ok"], {
        close() {
          throw new Error("close failed");
        },
      });
    });
    expect(out(c)).toBe(response("200 OK", ["Content-Length: 2", "Date: X", "Server: tsgi"], "ok"));
    expect(c.logs.join("\n")).toContain("close failed");
    expect(c.transport.closed).toBe(false);
  });

  test("a close() that rejects is logged", async () => {
    const c = await serve((_env, sr) => {
      sr("200 OK", []);
      return Object.assign(["ok"], { close: () => Promise.reject(new Error("async close failed")) });
    });
    await settle();
    expect(c.logs.join("\n")).toContain("async close failed");
  });
});

describe("app errors", () => {
  test("a throw before startResponse: 500 in the server's shape, logged with the stack, never the text", async () => {
    const c = await serve(() => {
      throw new Error("secret-detail-42");
    });
    expectErrorResponse(c.transport.text, 500);
    expect(c.transport.text).not.toContain("secret-detail-42");
    const log = c.logs.join("\n");
    expect(log).toContain("secret-detail-42");
    expect(log).toMatch(/\n\s+at /);
    expect(c.transport.closed).toBe(true);
  });

  test("a rejected promise: 500", async () => {
    const c = await serve(async () => {
      throw new Error("rejected");
    });
    expectErrorResponse(c.transport.text, 500);
  });

  test("a throw after startResponse but before any body: 500", async () => {
    const c = await serve((_env, sr) => {
      sr("200 OK", [["X-A", "1"]]);
      throw new Error("x");
    });
    expectErrorResponse(c.transport.text, 500);
  });

  test("returning without calling startResponse: 500", async () => {
    const c = await serve(() => ["body"]);
    expectErrorResponse(c.transport.text, 500);
  });

  test.each<[string, unknown]>([
    ["a number", 42],
    ["a bare string", "hello"],
    ["a Uint8Array", new Uint8Array([1, 2])],
    ["null", null],
    ["undefined", undefined],
    ["a plain object", { a: 1 }],
    ["true", true],
    ["a function", () => ["x"]],
  ])("junk body (%s): 500, logged", async (_name, junk) => {
    const c = await serve((_env, sr) => {
      sr("200 OK", []);
      return junk as Body;
    });
    expectErrorResponse(c.transport.text, 500);
    expect(c.logs.length).toBeGreaterThan(0);
  });

  test.each<[string, unknown]>([
    ["a number", 1],
    ["null", null],
    ["an object", {}],
    ["an Array", ["nested"]],
    ["an ArrayBuffer", new ArrayBuffer(2)],
  ])("a chunk that is %s: 500", async (_name, chunk) => {
    const c = await serve((_env, sr) => {
      sr("200 OK", []);
      return ["ok", chunk] as Chunk[];
    });
    expectErrorResponse(c.transport.text, 500);
  });

  test("a junk chunk after headers went out: the connection closes, chunked not terminated", async () => {
    const c = await serve((_env, sr) => {
      sr("200 OK", []);
      return (async function* () {
        yield "a";
        yield 42 as unknown as string;
      })();
    });
    expect(out(c)).toBe(response("200 OK", ["Transfer-Encoding: chunked", "Date: X", "Server: tsgi"], "1\r\na"));
    expect(c.transport.closed).toBe(true);
    expect(c.logs.length).toBeGreaterThan(0);
  });

  test("an error after a large sync body was committed: closed, not terminated", async () => {
    const big = "y".repeat(70_000);
    const c = await serve((_env, sr) => {
      sr("200 OK", []);
      return (function* () {
        yield big;
        throw new Error("late sync");
      })();
    });
    const text = out(c);
    expect(text.startsWith(response("200 OK", ["Transfer-Encoding: chunked", "Date: X", "Server: tsgi"], `11170\r\n${big}`))).toBe(true);
    expect(text.endsWith("0\r\n\r\n")).toBe(false);
    expect(c.transport.closed).toBe(true);
  });

  test("the server keeps serving: a new connection on the same core is answered after a 500", async () => {
    let n = 0;
    const app: Application = (_env, sr) => {
      if (n++ === 0) throw new Error("first fails");
      sr("200 OK", []);
      return ["fine"];
    };
    const first = await serve(app);
    expectErrorResponse(first.transport.text, 500);
    const second = connect(app);
    clients.push(second);
    second.send(GET);
    await second.transport.untilResponses(1);
    expect(finalStatuses(second.transport.text)).toEqual([200]);
  });
});

describe("the app's Promise (each connection has one callback pair for it; other thenables get their own)", () => {
  const ok = (text: string): Body => [text];
  const answer = (text: string): string => response("200 OK", ["Content-Length: " + text.length, "Date: X", "Server: tsgi"], text);

  test("native Promises, a thenable of its own and a Promise whose then() is overridden, pipelined: each answered in order", async () => {
    class Own<T> extends Promise<T> {
      override then<A = T, B = never>(f?: ((v: T) => A | PromiseLike<A>) | null, r?: ((e: unknown) => B | PromiseLike<B>) | null): Promise<A | B> {
        return super.then(f, r);
      }
    }
    let i = 0;
    const c = await serve(
      (_env, sr): Body | Promise<Body> => {
        const n = i++;
        sr("200 OK", []);
        if (n === 1) return { then: (f: (b: Body) => void) => void Promise.resolve().then(() => f(ok("own"))) } as unknown as Promise<Body>;
        if (n === 2) return Own.resolve(ok("sub"));
        return Promise.resolve(ok(`p${n}`));
      },
      GET.repeat(4),
      { n: 4 },
    );
    expect(out(c)).toBe(answer("p0") + answer("own") + answer("sub") + answer("p3"));
  });

  test("a then() that throws (a thenable's, or a native Promise's species lookup): 500", async () => {
    const thenThrows = await serve((_env, sr) => {
      sr("200 OK", []);
      return { then: () => { throw new Error("then"); } } as unknown as Promise<Body>;
    });
    expectErrorResponse(thenThrows.transport.text, 500);
    const speciesThrows = await serve((_env, sr) => {
      sr("200 OK", []);
      const p = Promise.resolve(ok("never"));
      Object.defineProperty(p, "constructor", { get: () => { throw new Error("species"); } });
      return p;
    });
    expectErrorResponse(speciesThrows.transport.text, 500);
  });
});

describe("Content-Length mismatches", () => {
  test("known body shorter than the app's Content-Length: 500", async () => {
    const c = await serve((_env, sr) => {
      sr("200 OK", [["Content-Length", "10"]]);
      return ["abc"];
    });
    expectErrorResponse(c.transport.text, 500);
  });

  test("known body longer than the app's Content-Length: 500", async () => {
    const c = await serve((_env, sr) => {
      sr("200 OK", [["Content-Length", "2"]]);
      return ["abc"];
    });
    expectErrorResponse(c.transport.text, 500);
  });

  test("streamed body shorter: what was produced is sent, logged, the connection closes", async () => {
    const c = await serve((_env, sr) => {
      sr("200 OK", [["Content-Length", "10"]]);
      return (async function* () {
        yield "abc";
      })();
    });
    expect(out(c)).toBe(response("200 OK", ["Content-Length: 10", "Date: X", "Server: tsgi"], "abc"));
    expect(c.transport.closed).toBe(true);
    expect(c.logs.join("\n")).toMatch(/fewer/);
  });

  test("streamed body longer: never more than Content-Length bytes (the overflowing chunk is withheld), logged, closed", async () => {
    let pulls = 0;
    const c = await serve((_env, sr) => {
      sr("200 OK", [["Content-Length", "4"]]);
      return (async function* () {
        pulls++;
        yield "abc";
        pulls++;
        yield "def";
        pulls++;
        yield "ghi";
      })();
    });
    expect(out(c)).toBe(response("200 OK", ["Content-Length: 4", "Date: X", "Server: tsgi"], "abc"));
    expect(c.transport.closed).toBe(true);
    expect(c.logs.join("\n")).toMatch(/more/);
    expect(pulls).toBe(2);
  });

  test("write() beyond the Content-Length: the overflowing chunk is withheld, the connection closes", async () => {
    const c = await serve((_env, sr) => {
      const write = sr("200 OK", [["Content-Length", "3"]]);
      void write("ab");
      void write("cdef");
      return [];
    });
    expect(out(c)).toBe(response("200 OK", ["Content-Length: 3", "Date: X", "Server: tsgi"], "ab"));
    expect(c.transport.closed).toBe(true);
  });
});

describe("backpressure", () => {
  test("while write() returns false the async body is not pulled; drain() resumes it", async () => {
    let pulls = 0;
    const chunk = "z".repeat(1000);
    const c = connect((_env, sr) => {
      sr("200 OK", []);
      return (async function* () {
        for (let i = 0; i < 20; i++) {
          pulls++;
          yield chunk;
        }
      })();
    });
    clients.push(c);
    c.transport.writeResult = false;
    c.send(GET);
    await c.transport.until(() => c.transport.writes.length > 0, "a first write");
    await settle();
    const held = pulls;
    expect(held).toBeLessThan(20);
    await settle();
    await settle();
    expect(pulls, "pulled while the transport was full").toBe(held);
    c.transport.writeResult = true;
    c.handle.writable();
    await c.transport.untilResponses(1);
    expect(pulls).toBe(20);
    expect(finalStatuses(c.transport.text)).toEqual([200]);
  });

  test("a sync body larger than the buffer stops at a full transport and resumes on drain()", async () => {
    let pulls = 0;
    const chunk = "s".repeat(40_000);
    const c = connect((_env, sr) => {
      sr("200 OK", []);
      return (function* () {
        for (let i = 0; i < 10; i++) {
          pulls++;
          yield chunk;
        }
      })();
    });
    clients.push(c);
    c.transport.writeResult = false;
    c.send(GET);
    await settle();
    const held = pulls;
    expect(held).toBeLessThan(10);
    await settle();
    expect(pulls).toBe(held);
    c.transport.writeResult = true;
    c.handle.writable();
    await c.transport.untilResponses(1);
    expect(pulls).toBe(10);
    expect(c.transport.text.length).toBeGreaterThan(400_000);
  });

  test("once the transport is full, write() returns a promise that resolves only after drain()", async () => {
    let resolved = false;
    let returned: unknown = "not called";
    const c = connect(async (_env, sr) => {
      const write = sr("200 OK", []);
      void write("first"); // goes out when the app yields; the transport then reports full
      await null;
      returned = write("second");
      await returned;
      resolved = true;
      return ["done"];
    });
    clients.push(c);
    c.transport.writeResult = false;
    c.send(GET);
    await c.transport.until(() => c.transport.writes.length > 0, "a first write");
    await settle();
    expect(returned).toBeInstanceOf(Promise);
    await settle();
    expect(resolved).toBe(false);
    c.transport.writeResult = true;
    c.handle.writable();
    await c.transport.untilResponses(1);
    expect(resolved).toBe(true);
    expect(normaliseDate(c.transport.text)).toBe(
      response("200 OK", ["Transfer-Encoding: chunked", "Date: X", "Server: tsgi"], "5\r\nfirst\r\n6\r\nsecond\r\n4\r\ndone\r\n0\r\n\r\n"),
    );
  });

  test("while the transport is full, no further pipelined request is answered and the backlog is bounded; drain() resumes", async () => {
    const c = connect((_env, sr) => {
      sr("200 OK", []);
      return ["x"];
    });
    clients.push(c);
    c.transport.writeResult = false;
    c.send(GET);
    const afterFirst = c.transport.text.length;
    expect(afterFirst).toBeGreaterThan(0);
    // A second request while the transport is full: held, not answered.
    c.send(GET);
    expect(c.transport.text.length).toBe(afterFirst);
    expect(c.transport.paused).toBe(false);
    // The backlog grows past its mark: reading pauses.
    c.send(GET.repeat(Math.ceil((64 * 1024) / GET.length) + 1));
    expect(c.transport.paused).toBe(true);
    expect(c.transport.text.length).toBe(afterFirst);
    // The client takes the bytes: the held requests are answered and reading resumes.
    c.transport.writeResult = true;
    c.handle.writable();
    expect(c.transport.text.length).toBeGreaterThan(afterFirst);
    expect(c.transport.paused).toBe(false);
  });

  test("the Gate helper sees each pull (sanity check of the test driver)", async () => {
    const gate = new Gate(["a", "b"]);
    const c = connect((_env, sr: StartResponse) => {
      sr("200 OK", []);
      return gate.body();
    });
    clients.push(c);
    c.send(GET);
    await gate.waitPulled();
    gate.next();
    await gate.waitPulled();
    gate.next();
    await c.transport.untilResponses(1);
    expect(normaliseDate(c.transport.text)).toBe(response("200 OK", ["Transfer-Encoding: chunked", "Date: X", "Server: tsgi"], "1\r\na\r\n1\r\nb\r\n0\r\n\r\n"));
    expect(gate.closes).toBe(1);
  });
});
