// validate(app): broken applications, run through a real ServerCore on a fake transport, and broken
// servers (an environ, a wsgi.input or a startResponse that breaks the interface), each caught with a
// message that names its rule and the section of docs/interface.md; and correct applications pass
// through with the very bytes they get without the validator.
// It must never wait on time: waits are for transport events or settle().
import { afterEach, describe, expect, test } from "vitest";
import type { Application, Body, Environ, InputStream, StartResponse } from "../../src/wsgi/types.ts";
import { validate, ValidationError } from "../../adapters/validate.ts";
import { EMPTY_INPUT } from "../../src/wsgi/input.ts";
import { fileWrapper } from "../../src/wsgi/file-wrapper.ts";
import { type Client, connect, normaliseDate, settle } from "./fake.ts";

const GET = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
const clients: Client[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.handle.closed();
});

async function serve(app: Application, request = GET): Promise<Client> {
  const client = connect(app);
  clients.push(client);
  client.send(request);
  await client.transport.untilClosedOr(1);
  await settle();
  return client;
}

/** The rule a log line names ("[rule start-status; docs/interface.md section 6]"). */
function rules(logs: string[]): string[] {
  return logs.flatMap((l) => [...l.matchAll(/\[rule ([a-z-]+); docs\/interface\.md section ([0-9.]+)\]/g)].map((m) => `${m[1]} (${m[2]})`));
}

const ok = (sr: StartResponse) => sr("200 OK", [["Content-Type", "text/plain"]]);

describe("broken applications, each caught by its rule", () => {
  const cases: [string, Application, string][] = [
    ["a status without a reason", (_e, sr) => (sr("200", []), ["x"]), "start-status (6)"],
    ["a 1xx status", (_e, sr) => (sr("103 Early Hints", []), ["x"]), "start-status (6)"],
    ["headers that are not an array", (_e, sr) => (sr("200 OK", {} as never), ["x"]), "start-headers (6)"],
    ["a header that is not a pair", (_e, sr) => (sr("200 OK", [["X-A"] as never]), ["x"]), "start-header-pair (6)"],
    ["a header name with a space", (_e, sr) => (sr("200 OK", [["X A", "1"]]), ["x"]), "header-name (6)"],
    ["a header value with a newline", (_e, sr) => (sr("200 OK", [["X-A", "1\r\nX-B: 2"]]), ["x"]), "header-value (6)"],
    ["a hop-by-hop header", (_e, sr) => (sr("200 OK", [["Connection", "close"]]), ["x"]), "header-hop-by-hop (6)"],
    ["two Content-Lengths", (_e, sr) => (sr("200 OK", [["Content-Length", "1"], ["content-length", "1"]]), ["x"]), "header-content-length (6)"],
    ["startResponse twice", (_e, sr) => (ok(sr), ok(sr), ["x"]), "start-once (6)"],
    ["a string body", (_e, sr) => (ok(sr), "hello" as unknown as Body), "body-iterable (8)"],
    ["a null body", (_e, sr) => (ok(sr), null as unknown as Body), "body-iterable (8)"],
    ["a chunk that is a number", (_e, sr) => (ok(sr), [42 as unknown as string]), "body-chunk (8)"],
    ["a generator yielding an object", (_e, sr) => (ok(sr), (function* () { yield {} as string; })()), "body-chunk (8)"],
    ["data before startResponse", () => (function* () { yield "early"; })(), "start-before-body (9)"],
    ["an Array without startResponse", () => ["x"], "start-before-body (9)"],
    ["write() of a number", (_e, sr) => (ok(sr)(7 as unknown as string), []), "write-chunk (7)"],
    ["write() after the body ended", (_e, sr) => {
      const write = ok(sr);
      return { *[Symbol.iterator]() { yield "a"; }, close() { write("late"); } };
    }, "write-after-end (7)"],
    ["a read size that is not an integer", async (e, sr) => (await e["wsgi.input"].read(1.5), ok(sr), ["x"]), "input-size (3)"],
    ["two reads at once", async (e, sr) => {
      const input = e["wsgi.input"];
      const first = input.read(10);
      try {
        await input.read(10);
      } finally {
        await first;
      }
      ok(sr);
      return ["x"];
    }, "input-one-read (3)"],
    ["wsgi.errors given a number", (e, sr) => (e["wsgi.errors"].write(5 as unknown as string), ok(sr), ["x"]), "errors-text (4)"],
  ];

  test.each(cases)("%s", async (_what, app, rule) => {
    const c = await serve(validate(app), "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 20\r\n\r\n" + "y".repeat(20));
    expect(rules(c.logs)).toEqual([rule]);
  });

  test("an app that is not a function is refused at once", () => {
    expect(() => validate("app" as unknown as Application)).toThrow(/\[rule app-callable; docs\/interface.md section 1\]/);
  });
});

describe("correct applications pass through unchanged", () => {
  const apps: [string, Application][] = [
    ["an Array", (_e, sr) => (ok(sr), ["Hello, ", new TextEncoder().encode("World!")])],
    ["a generator with an empty chunk", (_e, sr) => (ok(sr), (function* () { yield ""; yield "a"; yield "b"; })())],
    ["an async generator", async (_e, sr) => (ok(sr), (async function* () { yield "a"; await null; yield "b"; })())],
    ["write() then a body", (_e, sr) => (ok(sr)("w"), ["b"])],
    ["startResponse inside a lazy body", (_e, sr) => (function* () { ok(sr); yield "lazy"; })()],
    ["excInfo replacing the response", (_e, sr) => (ok(sr), sr("500 Oops", [], new Error("x")), ["replaced"])],
    ["an upload read in full", async (e, sr) => (ok(sr), [await e["wsgi.input"].read()])],
  ];
  test.each(apps)("%s", async (_what, app) => {
    const request = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello";
    const plain = await serve(app, request);
    const checked = await serve(validate(app), request);
    expect(checked.logs).toEqual([]);
    expect(normaliseDate(checked.transport.text)).toBe(normaliseDate(plain.transport.text));
  });
});

/** An environ as tsgi gives it, to break one thing at a time. */
function environ(extra: Record<string, unknown> = {}): Environ {
  return {
    REQUEST_METHOD: "GET", SCRIPT_NAME: "", PATH_INFO: "/", QUERY_STRING: "", CONTENT_TYPE: "", CONTENT_LENGTH: "",
    SERVER_NAME: "127.0.0.1", SERVER_PORT: "8888", SERVER_PROTOCOL: "HTTP/1.1", REMOTE_ADDR: "127.0.0.1", REMOTE_PORT: "5000",
    "wsgi.version": [1, 0], "wsgi.url_scheme": "http", "wsgi.input": EMPTY_INPUT, "wsgi.errors": { write() {}, writelines() {}, flush() {} },
    "wsgi.multithread": true, "wsgi.multiprocess": false, "wsgi.run_once": false, "wsgi.input_terminated": true,
    "wsgi.file_wrapper": fileWrapper, "tsgi.runtime": "node", "tsgi.raw_uri": "/", "tsgi.peer_addr": "127.0.0.1", "tsgi.peer_port": "5000", "tsgi.worker": 0, "tsgi.generation": 0, HTTP_HOST: "a",
    ...extra,
  } as Environ;
}

const startResponse: StartResponse = () => () => {};

function ruleOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof ValidationError) return `${e.rule} (${e.section})`;
    throw e;
  }
  return "no error";
}

async function ruleOfAsync(f: () => Promise<unknown>): Promise<string> {
  try {
    await f();
  } catch (e) {
    if (e instanceof ValidationError) return `${e.rule} (${e.section})`;
    throw e;
  }
  return "no error";
}

describe("broken servers, each caught by its rule", () => {
  const hello = validate((_e, sr) => (ok(sr), ["hello"]));
  const environs: [string, Record<string, unknown>, string][] = [
    ["PATH_INFO missing", { PATH_INFO: undefined }, "environ-cgi-key (2.1)"],
    ["REMOTE_PORT a number", { REMOTE_PORT: 5000 }, "environ-cgi-key (2.1)"],
    ["a method that is not a token", { REQUEST_METHOD: "GE T" }, "environ-method (2.1)"],
    ["SCRIPT_NAME with a trailing slash", { SCRIPT_NAME: "/app/" }, "environ-script-name (2.1)"],
    ["PATH_INFO without its slash", { PATH_INFO: "x" }, "environ-path-info (2.1)"],
    ["CONTENT_LENGTH not a number", { CONTENT_LENGTH: "ten" }, "environ-content-length (2.1)"],
    ["HTTP/2 as SERVER_PROTOCOL", { SERVER_PROTOCOL: "HTTP/2" }, "environ-protocol (2.1)"],
    ["HTTP_CONTENT_TYPE present", { HTTP_CONTENT_TYPE: "text/plain" }, "environ-content-headers (2.1)"],
    ["a header value beyond Latin-1", { HTTP_X_NAME: "\u20ac" }, "environ-header-value (2.2)"],
    ["wsgi.version [1, 1]", { "wsgi.version": [1, 1] }, "environ-wsgi-version (2.3)"],
    ["wsgi.url_scheme ftp", { "wsgi.url_scheme": "ftp" }, "environ-url-scheme (2.3)"],
    ["wsgi.multithread a string", { "wsgi.multithread": "yes" }, "environ-flag (2.3)"],
    ["wsgi.input without readline", { "wsgi.input": { read() {} } }, "environ-input (3)"],
    ["wsgi.errors without flush", { "wsgi.errors": { write() {}, writelines() {} } }, "environ-errors (4)"],
    ["no wsgi.file_wrapper", { "wsgi.file_wrapper": undefined }, "environ-file-wrapper (5)"],
    ["no tsgi.raw_uri", { "tsgi.raw_uri": undefined }, "environ-tsgi-key (2.4)"],
  ];
  test.each(environs)("%s", (_what, extra, rule) => {
    expect(ruleOf(() => hello(environ(extra), startResponse))).toBe(rule);
  });

  test("an environ that is not an object", () => {
    expect(ruleOf(() => hello(null as unknown as Environ, startResponse))).toBe("environ-object (2)");
  });

  test("a startResponse that returns no write function", () => {
    expect(ruleOf(() => hello(environ(), (() => undefined) as unknown as StartResponse))).toBe("start-returns-write (6)");
  });

  test("a startResponse that does not rethrow excInfo once the headers are sent", () => {
    const app = validate((_e, sr) => {
      ok(sr)("sent");
      sr("500 Oops", [], new Error("late"));
      return [];
    });
    expect(ruleOf(() => app(environ(), startResponse))).toBe("start-exc-info-rethrown (6)");
  });

  test("a wsgi.input that reads past the end of the body", async () => {
    const endless: InputStream = { read: async () => new TextEncoder().encode("abc"), readline: async () => new Uint8Array(0), readlines: async () => [], async *[Symbol.asyncIterator]() {} };
    const app = validate(async (e, sr) => {
      await e["wsgi.input"].read(3);
      await e["wsgi.input"].read(3);
      ok(sr);
      return [];
    });
    expect(await ruleOfAsync(async () => app(environ({ CONTENT_LENGTH: "3", REQUEST_METHOD: "POST", "wsgi.input": endless }), startResponse))).toBe("input-past-end (3)");
  });

  test("a wsgi.input that gives more than was asked for", async () => {
    const generous: InputStream = { read: async () => new Uint8Array(10), readline: async () => new Uint8Array(0), readlines: async () => [], async *[Symbol.asyncIterator]() {} };
    const app = validate(async (e, sr) => (await e["wsgi.input"].read(4), ok(sr), []));
    expect(await ruleOfAsync(async () => app(environ({ REQUEST_METHOD: "POST", "wsgi.input": generous }), startResponse))).toBe("input-size-kept (3)");
  });

  test("close() called twice", () => {
    const body = hello(environ(), startResponse) as Iterable<string> & { close(): void };
    expect(Array.isArray(body)).toBe(true);
    const gen = validate((_e, sr) => (ok(sr), (function* () { yield "a"; })()))(environ(), startResponse) as Iterable<string> & { close(): void };
    gen.close();
    expect(ruleOf(() => gen.close())).toBe("close-once (8)");
  });

  test("the body pulled after close()", () => {
    const gen = validate((_e, sr) => (ok(sr), (function* () { yield "a"; })()))(environ(), startResponse) as Iterable<string> & { close(): void };
    const it = gen[Symbol.iterator]();
    gen.close();
    expect(ruleOf(() => it.next())).toBe("no-pull-after-close (8)");
  });
});
