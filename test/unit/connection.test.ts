// Unit tests of a connection on a ServerCore with a fake transport: keep-alive, pipelining in order
// (one exchange at a time), 100-continue, draining an unread body, the peer's FIN, the driver's
// closed(), timeouts, and graceful shutdown. It must never synchronise with sleeps: waits are for
// transport events (timeouts are the core's own timers firing) or settle() where nothing may happen.
import { afterEach, describe, expect, test } from "vitest";
import type { Application, Body } from "../../src/wsgi/types.ts";
import type { CoreOptions } from "../../src/server/options.ts";
import { type Client, FakeTransport, connect, finalStatuses, latin1, normaliseDate, settle } from "./fake.ts";
import { expectErrorResponse } from "./error-shape.ts";

const clients: Client[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.handle.closed();
});

function open(app: Application, options?: Partial<CoreOptions>): Client {
  const c = connect(app, options);
  clients.push(c);
  return c;
}

const req = (path: string, fields = ""): string => `GET ${path} HTTP/1.1\r\nHost: a\r\n${fields}\r\n`;
const ok = (body: string, extra: string[] = []): string =>
  `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n${extra.map((e) => e + "\r\n").join("")}Date: X\r\nServer: tsgi\r\n\r\n${body}`;

/** Echoes the path; reads the body first when `read`. */
const pathApp =
  (read = false): Application =>
  async (env, sr) => {
    const body = read ? latin1(await env["wsgi.input"].read()) : "";
    sr("200 OK", []);
    return [env.PATH_INFO + (read ? `:${body}` : "")];
  };

describe("keep-alive and pipelining", () => {
  test("two requests one after the other on one HTTP/1.1 connection", async () => {
    const c = open(pathApp());
    c.send(req("/one"));
    await c.transport.untilResponses(1);
    c.send(req("/two"));
    await c.transport.untilResponses(2);
    expect(normaliseDate(c.transport.text)).toBe(ok("/one") + ok("/two"));
    expect(c.transport.closed).toBe(false);
  });

  test("pipelined requests are answered in order, one exchange at a time", async () => {
    let running = 0;
    let most = 0;
    const releases: (() => void)[] = [];
    const app: Application = async (env, sr) => {
      running++;
      most = Math.max(most, running);
      if (env.PATH_INFO === "/slow") await new Promise<void>((r) => releases.push(r));
      running--;
      sr("200 OK", []);
      return [env.PATH_INFO];
    };
    const c = open(app);
    c.send(req("/slow") + req("/fast") + req("/slow") + req("/last"));
    await settle();
    expect(c.transport.text).toBe("");
    releases.shift()!();
    await c.transport.untilResponses(2);
    await settle();
    expect(finalStatuses(c.transport.text)).toEqual([200, 200]);
    releases.shift()!();
    await c.transport.untilResponses(4);
    expect(normaliseDate(c.transport.text)).toBe(ok("/slow") + ok("/fast") + ok("/slow") + ok("/last"));
    expect(most).toBe(1);
  });

  test("pipelined requests to an async app that settle in one turn leave in one write, in order", async () => {
    // The drivers schedule the output's flush after the microtask queue (Platform.afterMicrotasks).
    const c = open(pathApp(), { schedule: (task) => process.nextTick(task) });
    const paths = Array.from({ length: 16 }, (_, i) => `/r${i}`);
    c.send(paths.map((p) => req(p)).join(""));
    await c.transport.untilResponses(16);
    await settle();
    expect(normaliseDate(c.transport.text)).toBe(paths.map((p) => ok(p)).join(""));
    expect(c.transport.events.filter((e) => e === "write")).toHaveLength(1);
  });

  test("Connection: close in a pipelined request: answered, Connection: close, later requests ignored", async () => {
    const calls: string[] = [];
    const c = open((env, sr) => {
      calls.push(env.PATH_INFO);
      sr("200 OK", []);
      return [env.PATH_INFO];
    });
    c.send(req("/a") + req("/b", "Connection: close\r\n") + req("/c"));
    await c.transport.untilClosed();
    expect(normaliseDate(c.transport.text)).toBe(ok("/a") + ok("/b", ["Connection: close"]));
    expect(calls).toEqual(["/a", "/b"]);
  });

  test("HTTP/1.0 keep-alive requests stay open while the response is length-framed", async () => {
    const c = open(pathApp());
    c.send("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /b HTTP/1.0\r\n\r\n");
    await c.transport.untilClosed();
    expect(normaliseDate(c.transport.text)).toBe(ok("/a", ["Connection: keep-alive"]) + ok("/b"));
  });

  test("a later request's app is not called while an earlier response is still streaming", async () => {
    const calls: string[] = [];
    let release: () => void = () => {};
    const c = open((env, sr) => {
      calls.push(env.PATH_INFO);
      sr("200 OK", []);
      return (async function* () {
        yield "part1 ";
        await new Promise<void>((r) => (release = r));
        yield "part2";
      })();
    });
    c.send(req("/first") + req("/second"));
    await c.transport.until(() => c.transport.text.includes("part1"), "the first chunk");
    await settle();
    expect(calls).toEqual(["/first"]);
    release();
    await c.transport.until(() => calls.length === 2, "the second request");
    expect(calls).toEqual(["/first", "/second"]);
  });
});

describe("100-continue", () => {
  const head = (cl: number, extra = ""): string => `POST /up HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: ${cl}\r\n${extra}\r\n`;

  test("sent when the app first reads, before the body arrives; once", async () => {
    const c = open(async (env, sr) => {
      const input = env["wsgi.input"];
      const a = latin1(await input.read(2));
      const b = latin1(await input.read());
      sr("200 OK", []);
      return [a + "|" + b];
    });
    c.send(head(5));
    await c.transport.until(() => c.transport.text.length > 0, "the interim response");
    expect(c.transport.text).toBe("HTTP/1.1 100 Continue\r\n\r\n");
    c.send("hello");
    await c.transport.untilResponses(1);
    expect(normaliseDate(c.transport.text)).toBe("HTTP/1.1 100 Continue\r\n\r\n" + ok("he|llo"));
    expect(c.transport.closed).toBe(false);
  });

  test("never sent when the app does not read; the response closes the connection", async () => {
    const c = open((_env, sr) => {
      sr("200 OK", []);
      return ["no thanks"];
    });
    c.send(head(5));
    await c.transport.untilResponses(1);
    await settle();
    expect(normaliseDate(c.transport.text)).toBe(ok("no thanks", ["Connection: close"]));
    expect(c.transport.closed, "the response said Connection: close, yet the connection is open").toBe(true);
  });

  test("not sent when the app sent its headers before reading", async () => {
    const c = open(async (env, sr) => {
      const write = sr("200 OK", []);
      await write("early ");
      const body = latin1(await env["wsgi.input"].read());
      return [body];
    });
    c.send(head(3));
    await c.transport.until(() => c.transport.text.includes("early"), "the early chunk");
    c.send("abc");
    await c.transport.untilResponses(1);
    expect(c.transport.text).not.toContain("100 Continue");
  });

  test("not sent on HTTP/1.0, nor for a request without a body", async () => {
    const c10 = open(pathApp(true));
    c10.send("POST /x HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n");
    await settle();
    expect(c10.transport.text).toBe("");
    c10.send("hi");
    await c10.transport.untilClosed();
    expect(normaliseDate(c10.transport.text)).toBe(ok("/x:hi"));

    const cGet = open(pathApp(true));
    cGet.send(req("/g", "Expect: 100-continue\r\n"));
    await cGet.transport.untilResponses(1);
    expect(normaliseDate(cGet.transport.text)).toBe(ok("/g:"));
  });
});

describe("request body handling", () => {
  test("an unread Content-Length body is drained and the next request is answered", async () => {
    const c = open(pathApp(false));
    c.send("POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n01234");
    await c.transport.untilResponses(1);
    c.send("56789" + req("/b"));
    await c.transport.untilResponses(2);
    expect(normaliseDate(c.transport.text)).toBe(ok("/a") + ok("/b"));
    expect(c.transport.closed).toBe(false);
  });

  test("an unread chunked body is drained and the next request is answered", async () => {
    const c = open(pathApp(false));
    c.send("POST /a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n");
    await c.transport.untilResponses(1);
    c.send("0\r\n\r\n" + req("/b"));
    await c.transport.untilResponses(2);
    expect(normaliseDate(c.transport.text)).toBe(ok("/a") + ok("/b"));
  });

  test("an unread body over 64 KiB is not drained: Connection: close", async () => {
    const c = open(pathApp(false));
    c.send(`POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: ${70 * 1024}\r\n\r\n`);
    await c.transport.untilResponses(1);
    await settle();
    expect(normaliseDate(c.transport.text)).toBe(ok("/a", ["Connection: close"]));
    expect(c.transport.closed, "the response said Connection: close, yet the connection is open").toBe(true);
  });

  test("after a Connection: close response, bytes of the unread body never cause a second response", async () => {
    const c = open(pathApp(false));
    c.send("POST /a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
    await c.transport.untilResponses(1);
    c.send("zz\r\n");
    await settle();
    expect(normaliseDate(c.transport.text)).toBe(ok("/a", ["Connection: close"]));
    expect(c.transport.closed).toBe(true);
  });

  test("a chunked unread body that grows past 64 KiB while draining closes the connection", async () => {
    const c = open(pathApp(false));
    c.send("POST /a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n");
    await c.transport.untilResponses(1);
    const chunk = `4000\r\n${"x".repeat(0x4000)}\r\n`;
    for (let i = 0; i < 5 && !c.transport.closed; i++) c.send(chunk);
    expect(c.transport.closed).toBe(true);
  });

  test("the body is never read past its end: the next request's bytes stay out of wsgi.input", async () => {
    const c = open(pathApp(true));
    c.send("POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc" + req("/b"));
    await c.transport.untilResponses(2);
    expect(normaliseDate(c.transport.text)).toBe(ok("/a:abc") + ok("/b:"));
  });
});

describe("a repeated head reuses its parse (LastHead)", () => {
  /** Echoes the path and one header; mutates environ, which must not leak into the next request. */
  const echo: Application = async (env, sr) => {
    const body = latin1(await env["wsgi.input"].read());
    const line = `${env.REQUEST_METHOD} ${env.PATH_INFO} ${env.QUERY_STRING} ${String(env.HTTP_X_TAG)} ${body}`;
    env.PATH_INFO = "/changed";
    env.HTTP_X_TAG = "changed";
    sr("200 OK", []);
    return [line];
  };

  test("identical heads, then one that differs only in its last byte, each get their own environ", async () => {
    const c = open(echo);
    const head = (tag: string): string => `GET /p?q=1 HTTP/1.1\r\nHost: a\r\nX-Tag: ${tag}\r\n\r\n`;
    c.send(head("one") + head("one"));
    await c.transport.untilResponses(2);
    c.send(head("onf"));
    await c.transport.untilResponses(3);
    expect(normaliseDate(c.transport.text)).toBe(ok("GET /p q=1 one ") + ok("GET /p q=1 one ") + ok("GET /p q=1 onf "));
  });

  test("a repeated head with a body: each body is framed by its own Content-Length", async () => {
    const c = open(echo);
    const post = "POST /u HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\n";
    c.send(post + "abc" + post + "def");
    await c.transport.untilResponses(2);
    expect(normaliseDate(c.transport.text)).toBe(ok("POST /u  undefined abc") + ok("POST /u  undefined def"));
  });

  test("a repeated head that arrives in pieces is parsed once complete", async () => {
    const c = open(echo);
    const head = "GET /s HTTP/1.1\r\nHost: a\r\nX-Tag: t\r\n\r\n";
    c.send(head);
    await c.transport.untilResponses(1);
    for (const piece of [head.slice(0, 5), head.slice(5, -1)]) {
      c.send(piece);
      await settle();
      expect(finalStatuses(c.transport.text)).toEqual([200]);
    }
    c.send(head.slice(-1));
    await c.transport.untilResponses(2);
    expect(normaliseDate(c.transport.text)).toBe(ok("GET /s  t ") + ok("GET /s  t "));
  });

  test("after leading empty lines, a repeated head is still parsed and answered", async () => {
    const c = open(echo);
    const head = "GET /e HTTP/1.1\r\nHost: a\r\n\r\n";
    c.send(head + "\r\n" + head);
    await c.transport.untilResponses(2);
    expect(normaliseDate(c.transport.text)).toBe(ok("GET /e  undefined ") + ok("GET /e  undefined "));
  });

  test("the parse is per server: a head one server accepted is judged by another's own limits", async () => {
    const head = "GET /l HTTP/1.1\r\nHost: a\r\nX-Tag: a-long-enough-value\r\n\r\n";
    const roomy = open(echo);
    roomy.send(head);
    await roomy.transport.untilResponses(1);
    const strict = open(echo, { maxHeadSize: 40 });
    strict.send(head);
    await strict.transport.untilClosed();
    expect(finalStatuses(roomy.transport.text)).toEqual([200]);
    expect(finalStatuses(strict.transport.text)).toEqual([431]);
  });
});

describe("the peer's FIN (handle.peerFinished())", () => {
  test("on an idle connection: the connection is ended, nothing written", () => {
    const c = open(pathApp());
    c.handle.peerFinished();
    expect(c.transport.closes).toBe(1);
    expect(c.transport.text).toBe("");
  });

  test("in the middle of a head: ended without a response", () => {
    const c = open(pathApp());
    c.send("GET / HTTP/1.1\r\nHo");
    c.handle.peerFinished();
    expect(c.transport.closes).toBe(1);
    expect(c.transport.text).toBe("");
  });

  test("after a complete request while the app works: the response says Connection: close, then the end", async () => {
    let release: () => void = () => {};
    const c = open(async (_env, sr) => {
      await new Promise<void>((r) => (release = r));
      sr("200 OK", []);
      return ["late"];
    });
    c.send(req("/"));
    c.handle.peerFinished();
    await settle();
    release();
    await c.transport.untilClosed();
    expect(normaliseDate(c.transport.text)).toBe(ok("late", ["Connection: close"]));
  });

  test("while the app waits for body bytes that can no longer come: its read fails and the connection is ended", async () => {
    let readError: unknown = null;
    const c = open(async (env, sr) => {
      try {
        await env["wsgi.input"].read();
      } catch (e) {
        readError = e;
        throw e;
      }
      sr("200 OK", []);
      return ["never"];
    });
    c.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc");
    await settle();
    c.handle.peerFinished();
    await settle();
    expect(readError).toBeInstanceOf(Error);
    expect(c.transport.text).not.toContain("200 OK");
    expect(c.transport.closed, `nothing more can arrive, yet the connection is open; written: ${JSON.stringify(c.transport.text)}`).toBe(true);
  });

  test("after pipelined requests while the app works: each answered in order, only the last says Connection: close", async () => {
    const releases: (() => void)[] = [];
    const c = open(async (env, sr) => {
      await new Promise<void>((r) => releases.push(r));
      sr("200 OK", []);
      return [env.PATH_INFO];
    });
    c.send(req("/1") + req("/2") + req("/3"));
    c.handle.peerFinished(); // the FIN came with the requests, before any answer
    for (let i = 0; i < 3; i++) {
      await settle();
      expect(releases.length, "the next app call").toBe(i + 1);
      releases[i]!();
    }
    await c.transport.untilClosed();
    expect(normaliseDate(c.transport.text)).toBe(ok("/1") + ok("/2") + ok("/3", ["Connection: close"]));
  });

  test("a request answered after the FIN whose body is incomplete: its read fails with 400 at once, then the end", async () => {
    const c = open(pathApp(true));
    c.send(req("/first") + "POST /cut HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc");
    c.handle.peerFinished(); // while the app answers /first: /cut's body can no longer be completed
    await c.transport.untilClosed();
    const text = normaliseDate(c.transport.text);
    expect(text.startsWith(ok("/first:"))).toBe(true);
    expect(expectErrorResponse(text.slice(ok("/first:").length), 400)).toContain("client closed");
  });

  test("while an unread body is being drained: the connection is ended", async () => {
    const c = open(pathApp(false));
    c.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc");
    await c.transport.untilResponses(1);
    c.handle.peerFinished();
    await settle();
    expect(c.transport.closed, "nothing more can arrive, yet the connection is open").toBe(true);
  });
});

describe("the driver's closed() (client gone)", () => {
  test("while the app is still computing: nothing is written, the body's close() runs when it arrives", async () => {
    let release: () => void = () => {};
    let closes = 0;
    const c = open(async (_env, sr) => {
      await new Promise<void>((r) => (release = r));
      sr("200 OK", []);
      return Object.assign(["x"], { close: () => void closes++ }) as Body;
    });
    c.send(req("/"));
    await settle();
    c.handle.closed();
    release();
    await settle();
    expect(closes).toBe(1);
    expect(c.transport.text).toBe("");
    expect(c.core.connectionCount).toBe(0);
  });

  test("an app reading the body sees its read fail", async () => {
    let readError: unknown = null;
    const c = open(async (env) => {
      try {
        await env["wsgi.input"].read();
      } catch (e) {
        readError = e;
      }
      return [];
    });
    c.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc");
    await settle();
    c.handle.closed();
    await settle();
    expect(readError).toBeInstanceOf(Error);
    expect(c.transport.text).toBe("");
  });

  test("data(), end(), drain() and closed() after closed() are ignored without throwing", () => {
    const c = open(pathApp());
    c.handle.closed();
    expect(() => {
      c.send(req("/"));
      c.handle.peerFinished();
      c.handle.writable();
      c.handle.closed();
    }).not.toThrow();
    expect(c.transport.text).toBe("");
  });
});

describe("reading pauses", () => {
  test("a large unread body held for the app pauses reading; the app's reads resume it", async () => {
    let resume: () => void = () => {};
    const c = open(async (env, sr) => {
      await new Promise<void>((r) => (resume = r));
      const body = await env["wsgi.input"].read();
      sr("200 OK", []);
      return [String(body.length)];
    });
    const size = 200 * 1024;
    c.send(`POST / HTTP/1.1\r\nHost: a\r\nContent-Length: ${size}\r\n\r\n`);
    const piece = "b".repeat(16 * 1024);
    let sent = 0;
    while (!c.transport.paused && sent < size) {
      c.send(piece);
      sent += piece.length;
    }
    expect(c.transport.paused).toBe(true);
    expect(sent).toBeLessThan(size);
    resume();
    await settle();
    expect(c.transport.paused).toBe(false);
    while (sent < size) {
      c.send(piece);
      sent += piece.length;
    }
    await c.transport.untilResponses(1);
    expect(normaliseDate(c.transport.text)).toBe(ok(String(size)));
  });

  test("pipelined bytes beyond 64 KiB while a request is answered pause reading; answering resumes it", async () => {
    let release: () => void = () => {};
    const c = open(async (env, sr) => {
      if (env.PATH_INFO === "/") await new Promise<void>((r) => (release = r));
      sr("200 OK", []);
      return ["x"];
    });
    c.send(req("/"));
    c.send(req("/" + "p".repeat(4000)).repeat(20));
    expect(c.transport.paused).toBe(true);
    release();
    await c.transport.untilResponses(21);
    expect(c.transport.paused).toBe(false);
  });
});

describe("timeouts (the core's ticker fires; the test waits for the transport event)", () => {
  test("a head not complete within headTimeout: 408, then the end", async () => {
    const c = open(pathApp(), { headTimeout: 40 });
    c.send("GET / HTTP/1.1\r\nHost");
    await c.transport.untilClosed();
    expectErrorResponse(c.transport.text, 408);
  });

  test("a new connection that sends nothing is closed silently", async () => {
    const c = open(pathApp(), { headTimeout: 40 });
    await c.transport.untilClosed();
    expect(c.transport.text).toBe("");
  });

  test("an idle keep-alive connection is closed silently after keepAliveTimeout", async () => {
    const c = open(pathApp(), { keepAliveTimeout: 40 });
    c.send(req("/"));
    await c.transport.untilResponses(1);
    const written = c.transport.text;
    await c.transport.untilClosed();
    expect(c.transport.text).toBe(written);
  });

  test("a body that stops arriving while the app reads: 408, then the end", async () => {
    const c = open(pathApp(true), { bodyTimeout: 40 });
    c.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc");
    await c.transport.untilClosed();
    expectErrorResponse(c.transport.text, 408);
  });

  test("an app that produces nothing within responseTimeout: 500, logged as timed out", async () => {
    const c = open(() => new Promise<Body>(() => {}), { responseTimeout: 40 });
    c.send(req("/"));
    await c.transport.untilClosed();
    expectErrorResponse(c.transport.text, 500);
    expect(c.logs.join("\n")).toContain("timed out");
  });
});

describe("graceful shutdown", () => {
  test("idle connections are ended at once; shutdown resolves when the driver reports them closed", async () => {
    const c = open(pathApp());
    c.send(req("/"));
    await c.transport.untilResponses(1);
    let done = false;
    const p = c.core.shutdown().then(() => (done = true));
    expect(c.transport.closes).toBe(1);
    await settle();
    expect(done).toBe(false);
    c.handle.closed();
    await p;
    expect(done).toBe(true);
  });

  test("a busy connection finishes its response with Connection: close; new connections get 503", async () => {
    let release: () => void = () => {};
    const c = open(async (_env, sr) => {
      await new Promise<void>((r) => (release = r));
      sr("200 OK", []);
      return ["bye"];
    });
    c.send(req("/"));
    await settle();
    const p = c.core.shutdown();
    expect(c.transport.closed).toBe(false);
    const late = new FakeTransport();
    c.core.open(late, { remoteAddress: "192.0.2.9", remotePort: 9 });
    expectErrorResponse(late.text, 503);
    expect(late.closes).toBe(1);
    release();
    await c.transport.untilClosed();
    expect(normaliseDate(c.transport.text)).toBe(ok("bye", ["Connection: close"]));
    c.handle.closed();
    await p;
  });
});
