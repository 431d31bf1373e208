// The application contract on every runtime: close() exactly once (success, app error, client
// gone), iterator return() when stopped early, startResponse validation (TypeError to the app),
// excInfo replace and rethrow, app errors before headers (500, logged with the stack, no exception
// text on the wire) and after (truncated, closed), Content-Length mismatches, and the server
// serving on after all of it. It must never wait for a log line without a safety timeout, and never
// accept the exception text in a response.
import { describe, expect, test } from "vitest";
import { expectRejected } from "../helpers/expect.ts";
import { RawClient, get, header, show, text } from "../helpers/raw.ts";
import { RUNTIMES, type Server, useServer } from "../helpers/server.ts";

interface Counts {
  close: number;
  finally: number;
  return: number;
}

async function counts(server: Server, tag: string): Promise<Counts> {
  const c = await RawClient.connect(server.port);
  return JSON.parse(text(await c.request(get(`/count?tag=${tag}`)))) as Counts;
}

/** Read what is left after the status line and head of a response that is then cut off. */
async function truncatedResponse(c: RawClient): Promise<{ head: string; after: Buffer }> {
  const closed = await c.untilClosed();
  const all = closed.rest.toString("latin1");
  const end = all.indexOf("\r\n\r\n");
  expect(end, `no complete head: ${show(closed.rest)}`).toBeGreaterThan(0);
  return { head: all.slice(0, end + 4), after: closed.rest.subarray(end + 4) };
}

describe.each(RUNTIMES)("close() and return() (%s)", (runtime) => {
  const server = useServer(runtime, "test/apps/close.ts");

  test("close() is called once after a successful response", async () => {
    const s = server();
    const mark = s.stderrMark();
    const c = await RawClient.connect(s.port);
    const res = await c.request(get("/list?tag=ok1"));
    expect(text(res)).toBe("ab");
    await s.waitForStderr(/^tsgi-test: close tag=ok1$/, mark);
    expect(await counts(s, "ok1")).toMatchObject({ close: 1 });
  });

  test("a generator that runs to the end is finalised once", async () => {
    const s = server();
    const c = await RawClient.connect(s.port);
    const res = await c.request(get("/gen?tag=gen1"));
    expect(text(res)).toBe("one\ntwo\n");
    expect(await counts(s, "gen1")).toEqual({ close: 0, finally: 1, return: 0 });
  });

  test("client disconnect mid-response: the server stops pulling and calls close() once", async () => {
    const s = server();
    const mark = s.stderrMark();
    const c = await RawClient.connect(s.port);
    await c.write(get("/infinite?tag=gone1"));
    await c.waitForText("tick\n");
    c.destroy();
    await s.waitForStderr(/^tsgi-test: close tag=gone1$/, mark);
    // Other requests prove time has passed on the server; close() stays at one.
    for (let i = 0; i < 3; i++) expect((await counts(s, "gone1")).close).toBe(1);
  });

  test("client disconnect from an async generator: return() finalises it once", async () => {
    const s = server();
    const mark = s.stderrMark();
    const c = await RawClient.connect(s.port);
    await c.write(get("/infinite-gen?tag=gone2"));
    await c.waitForText("tick\n");
    c.destroy();
    await s.waitForStderr(/^tsgi-test: finally tag=gone2$/, mark);
    expect((await counts(s, "gone2")).finally).toBe(1);
  });

  test("body error after headers: connection closed without the chunked terminator, close() once", async () => {
    const s = server();
    const mark = s.stderrMark();
    const c = await RawClient.connect(s.port);
    await c.write(get("/throw-after?tag=err1"));
    const { head, after } = await truncatedResponse(c);
    expect(head).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(after.toString("latin1")).toContain("a");
    expect(after.toString("latin1")).not.toContain("0\r\n\r\n");
    await s.waitForStderr(/tsgi-test: body failed/, mark);
    await s.waitForStderr(/^tsgi-test: close tag=err1$/, mark);
    expect((await counts(s, "err1")).close).toBe(1);
  });

  test("body error before headers: 500, close() once", async () => {
    const s = server();
    const mark = s.stderrMark();
    await expectRejected(s.port, get("/throw-first?tag=err2"), 500);
    await s.waitForStderr(/^tsgi-test: close tag=err2$/, mark);
    expect((await counts(s, "err2")).close).toBe(1);
  });
});

describe.each(RUNTIMES)("startResponse, excInfo and app faults (%s)", (runtime) => {
  const server = useServer(runtime, "test/apps/faults.ts");

  async function check(path: string): Promise<{ threw: boolean; typeError?: boolean; message?: string }> {
    const c = await RawClient.connect(server().port);
    const res = await c.request(get(path));
    expect(res.status, show(res.raw)).toBe(200);
    return JSON.parse(text(res)) as { threw: boolean; typeError?: boolean };
  }

  const q = encodeURIComponent;

  test.each(["200 OK", "200 ", "299 Some Reason With Spaces", "404 Not Found", "599 x", "201 caf\u00e9"])(
    "status %j is accepted",
    async (status) => {
      expect(await check(`/check-status?s=${q(status)}`)).toEqual({ threw: false });
    },
  );

  test.each(["200", "200OK", "99 OK", "100 Continue", "600 Bad", "2000 OK", "20 OK", " 200 OK", "abc OK", "200 OK\r\nX: y", "200 OK\n", "200\tOK", "200 OK\x7f", "200 O\x00K"])(
    "status %j throws a TypeError to the app",
    async (status) => {
      expect(await check(`/check-status?s=${q(status)}`)).toMatchObject({ threw: true, typeError: true });
    },
  );

  test.each([
    ["X-Ok", "a\tb"],
    ["X-Ok", "caf\u00e9\u00ff"],
    ["X-Ok", ""],
    ["x-lower_and.dots~!#$%&'*+^`|", "v a l"],
  ])("header [%j, %j] is accepted", async (name, value) => {
    expect(await check(`/check-header?n=${q(name)}&v=${q(value)}`)).toEqual({ threw: false });
  });

  test.each([
    ["Bad Name", "v"],
    ["Bad:Name", "v"],
    ["", "v"],
    ["X(y)", "v"],
    ["\u00dcml", "v"],
    ["X-Bad", "a\r\nInjected: 1"],
    ["X-Bad", "a\nb"],
    ["X-Bad", "a\rb"],
    ["X-Bad", "a\x00b"],
    ["X-Bad", "a\x01b"],
    ["X-Bad", "a\x7fb"],
    ["X-Bad", "\u0100"],
    ["X-Bad", "\u20ac"],
  ])("header [%j, %j] throws a TypeError to the app", async (name, value) => {
    expect(await check(`/check-header?n=${q(name)}&v=${q(value)}`)).toMatchObject({ threw: true, typeError: true });
  });

  test.each(["Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization", "TE", "Trailer", "Transfer-Encoding", "Upgrade", "connection", "TRANSFER-ENCODING"])(
    "hop-by-hop header %s throws a TypeError to the app",
    async (name) => {
      expect(await check(`/check-header?n=${q(name)}&v=x`)).toMatchObject({ threw: true, typeError: true });
    },
  );

  test("a second startResponse without excInfo throws", async () => {
    const c = await RawClient.connect(server().port);
    const res = await c.request(get("/second-call"));
    expect(JSON.parse(text(res))).toEqual({ threw: true, isError: true });
    expect(res.status).toBe(200);
  });

  test("excInfo before anything was sent replaces status and headers", async () => {
    const c = await RawClient.connect(server().port);
    const res = await c.request(get("/excinfo-replace"));
    expect(res.statusLine).toBe("HTTP/1.1 503 Service Unavailable");
    expect(header(res, "x-second")).toBe("1");
    expect(header(res, "x-first")).toBeUndefined();
    expect(text(res)).toBe("replaced");
    // A replaced response is a normal response: the connection stays usable.
    expect(text(await c.request(get("/ok")))).toBe("ok");
  });

  test("excInfo after headers went out rethrows it; the response is cut off", async () => {
    const s = server();
    const mark = s.stderrMark();
    const c = await RawClient.connect(s.port);
    await c.write(get("/excinfo-rethrow"));
    const { head, after } = await truncatedResponse(c);
    expect(head).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(after.toString("latin1")).toContain("partial");
    expect(after.toString("latin1")).not.toContain("0\r\n\r\n");
    expect(await s.waitForStderr(/tsgi-test: (rethrown same=|excInfo was not rethrown)/, mark)).toBe("tsgi-test: rethrown same=true");
  });

  const beforeHeaders = [
    "/throw",
    "/reject",
    "/throw-first-chunk",
    "/empty-then-throw",
    "/no-start-response",
    "/no-start-empty",
    "/junk-number",
    "/junk-string",
    "/junk-bytes",
    "/junk-null",
    "/junk-chunk",
    "/bad-status?s=OK",
    `/bad-header?n=Connection&v=close`,
    `/bad-header?n=X-Bad&v=${q("a\r\nb")}`,
    "/second-call-escape",
    "/cl-array-short",
    "/cl-array-long",
  ];

  test.each(beforeHeaders)("%s before headers: 500 in the server's shape, then close", async (path) => {
    const s = server();
    const mark = s.stderrMark();
    const res = await expectRejected(s.port, get(path), 500);
    expect(text(res)).toBe("500 Internal Server Error: internal server error\n");
    // Something was logged for it.
    await s.waitForStderr(/\S/, mark);
  });

  test("wsgi.errors: write, writelines and flush reach the server's stderr", async () => {
    const s = server();
    const mark = s.stderrMark();
    const c = await RawClient.connect(s.port);
    expect(text(await c.request(get("/errors-stream")))).toBe("logged");
    await s.waitForStderr(/tsgi-test: errors\.write/, mark);
    await s.waitForStderr(/tsgi-test: writelines 1/, mark);
    await s.waitForStderr(/tsgi-test: writelines 2/, mark);
  });

  test("an app exception is logged with its stack, never sent to the client", async () => {
    const s = server();
    const mark = s.stderrMark();
    const res = await expectRejected(s.port, get("/throw"), 500);
    expect(text(res)).not.toContain("boom");
    await s.waitForStderr(/tsgi-test: boom \/throw/, mark);
    await s.waitForStderr(/^\s+at /, mark);
  });

  test("an app error after headers: truncated chunked response, no terminator, logged", async () => {
    const s = server();
    const mark = s.stderrMark();
    const c = await RawClient.connect(s.port);
    await c.write(get("/throw-after-headers"));
    const { head, after } = await truncatedResponse(c);
    expect(head).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(head.toLowerCase()).toContain("\r\ntransfer-encoding: chunked\r\n");
    expect(after.toString("latin1")).toContain("partial");
    expect(after.toString("latin1")).not.toContain("0\r\n\r\n");
    await s.waitForStderr(/tsgi-test: boom \/throw-after-headers/, mark);
  });

  test("Content-Length larger than the stream: what was produced is sent, then close, logged", async () => {
    const s = server();
    const mark = s.stderrMark();
    const c = await RawClient.connect(s.port);
    await c.write(get("/cl-too-big"));
    const { head, after } = await truncatedResponse(c);
    expect(head).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(head).toContain("\r\nContent-Length: 10\r\n");
    expect(after.toString("latin1")).toBe("12345");
    await s.waitForStderr(/\S/, mark);
  });

  test("Content-Length smaller than the stream: the overflowing chunk is withheld (a visibly short body), then close, logged", async () => {
    const s = server();
    const mark = s.stderrMark();
    const c = await RawClient.connect(s.port);
    await c.write(get("/cl-too-small"));
    const { head, after } = await truncatedResponse(c);
    expect(head).toContain("\r\nContent-Length: 3\r\n");
    expect(after.toString("latin1")).toBe("");
    await s.waitForStderr(/\S/, mark);
  });

  test("after every fault the server still serves, also on a connection opened before", async () => {
    const s = server();
    const early = await RawClient.connect(s.port);
    expect(text(await early.request(get("/ok")))).toBe("ok");
    for (const path of ["/throw", "/junk-number", "/throw-after-headers", "/cl-too-small"]) {
      const c = await RawClient.connect(s.port);
      await c.write(get(path));
      await c.untilClosed();
    }
    expect(text(await early.request(get("/ok")))).toBe("ok");
    const late = await RawClient.connect(s.port);
    const res = await late.request(get("/ok"));
    expect(res.status).toBe(200);
    expect(text(res)).toBe("ok");
  });
});
