// Limits and timeouts on every runtime, with servers started with small values through CLI flags:
// 414/431/413 at and past the limits (also before the line or head is complete), 503 over
// --max-connections, 408 for a slow head or body, silent close of idle connections, 500 or close on
// --response-timeout, and streams that keep producing never being cut off.
// It must never measure time: a close is awaited through the socket's close event.
import { describe, expect, test } from "vitest";
import { expectErrorThenClose, expectRejected } from "../helpers/expect.ts";
import { pollUntil } from "../helpers/poll.ts";
import { RawClient, get, header, show, text } from "../helpers/raw.ts";
import { RUNTIMES, useServer } from "../helpers/server.ts";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe.each(RUNTIMES)("limits (%s)", (runtime) => {
  const server = useServer(runtime, "test/apps/body.ts", {
    args: ["--max-request-line", "100", "--max-head-size", "400", "--max-headers", "6", "--max-body-size", "1000"],
  });

  test("a request line well under the limit is served", async () => {
    const c = await RawClient.connect(server().port);
    const res = await c.request(`GET /whole/${"a".repeat(50)} HTTP/1.1\r\nHost: h\r\n\r\n`);
    expect(res.status, text(res)).toBe(200);
  });

  test("a request line over the limit: 414", async () => {
    await expectRejected(server().port, `GET /whole/${"a".repeat(200)} HTTP/1.1\r\nHost: h\r\n\r\n`, 414);
  });

  test("a request line over the limit without its CRLF yet: 414 without waiting for the rest", async () => {
    await expectRejected(server().port, `GET /whole/${"a".repeat(300)}`, 414);
  });

  test("6 header fields are accepted, 7 get 431", async () => {
    const six = `GET /whole HTTP/1.1\r\nHost: h\r\n${[1, 2, 3, 4, 5].map((i) => `X-${i}: v\r\n`).join("")}\r\n`;
    const c = await RawClient.connect(server().port);
    expect((await c.request(six)).status).toBe(200);
    const seven = `GET /whole HTTP/1.1\r\nHost: h\r\n${[1, 2, 3, 4, 5, 6].map((i) => `X-${i}: v\r\n`).join("")}\r\n`;
    await expectRejected(server().port, seven, 431);
  });

  test("a head over the size limit: 431", async () => {
    await expectRejected(server().port, `GET /whole HTTP/1.1\r\nHost: h\r\nX-Big: ${"b".repeat(500)}\r\n\r\n`, 431);
  });

  test("a head over the size limit before its end arrived: 431 without waiting for the rest", async () => {
    await expectRejected(server().port, `GET /whole HTTP/1.1\r\nHost: h\r\nX-Big: ${"b".repeat(600)}`, 431);
  });

  test("Content-Length at the limit is read; over it: 413", async () => {
    const c = await RawClient.connect(server().port);
    const res = await c.request(`POST /whole HTTP/1.1\r\nHost: h\r\nContent-Length: 1000\r\n\r\n${"x".repeat(1000)}`);
    expect(res.body.length).toBe(1000);
    await expectRejected(server().port, `POST /whole HTTP/1.1\r\nHost: h\r\nContent-Length: 1001\r\n\r\n`, 413);
  });

  test("a chunked body at the limit is read; over it: 413", async () => {
    const chunked = (n: number) =>
      `POST /whole HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n${(n - 1).toString(16)}\r\n${"y".repeat(n - 1)}\r\n1\r\ny\r\n0\r\n\r\n`;
    const c = await RawClient.connect(server().port);
    expect((await c.request(chunked(1000))).body.length).toBe(1000);
    await expectRejected(server().port, chunked(1001), 413);
  });

  test("trailer fields count toward the header-field limit", async () => {
    // Host and Transfer-Encoding in the head: 4 trailers make 6 fields, 5 make 7.
    const withTrailers = (n: number) =>
      `POST /whole HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n${Array.from({ length: n }, (_, i) => `T-${i}: v\r\n`).join("")}\r\n`;
    const c = await RawClient.connect(server().port);
    expect(text(await c.request(withTrailers(4)))).toBe("ok");
    await expectRejected(server().port, withTrailers(5), 431);
  });
});

describe.each(RUNTIMES)("--max-connections (%s)", (runtime) => {
  const server = useServer(runtime, "test/apps/stream.ts", { args: ["--max-connections", "2"] });

  test("one connection over the limit gets 503 and is closed; after one closes, new ones are served", async () => {
    const port = server().port;
    const a = await RawClient.connect(port);
    const b = await RawClient.connect(port);
    // A full exchange on each proves the server holds both.
    expect(text(await a.request(get("/a")))).toBe("GET /a");
    expect(text(await b.request(get("/b")))).toBe("GET /b");
    const third = await RawClient.connect(port);
    await expectErrorThenClose(third, 503);
    // The first two are untouched.
    expect(text(await a.request(get("/a2")))).toBe("GET /a2");
    a.destroy();
    await a.whenClosed();
    // The server learns of the close asynchronously: retry until a connection is accepted.
    const res = await pollUntil(
      async () => {
        const c = await RawClient.connect(port);
        await c.write(get("/again"));
        const r = await c.readResponse();
        c.destroy();
        return r;
      },
      (r) => r.status !== 503,
      "a connection to be accepted after one closed",
    );
    expect(text(res)).toBe("GET /again");
  });
});

describe.each(RUNTIMES)("head and keep-alive timeouts (%s)", (runtime) => {
  const server = useServer(runtime, "test/apps/stream.ts", {
    args: ["--head-timeout", "0.3", "--keep-alive", "0.3", "--response-timeout", "0.5"],
  });

  test("an incomplete head: 408, then the server closes", async () => {
    const c = await RawClient.connect(server().port);
    await c.write("GET /slowloris HTTP/1.1\r\nHost: h\r\n");
    await expectErrorThenClose(c, 408);
  });

  test("a single byte of a request: 408, then close", async () => {
    const c = await RawClient.connect(server().port);
    await c.write("G");
    await expectErrorThenClose(c, 408);
  });

  test("a connection that never sends a byte is closed silently", async () => {
    const c = await RawClient.connect(server().port);
    const closed = await c.untilClosed();
    expect(closed.rest.length, show(closed.rest)).toBe(0);
  });

  test("an idle keep-alive connection is closed silently after a response", async () => {
    const c = await RawClient.connect(server().port);
    const res = await c.request(get("/idle"));
    expect(text(res)).toBe("GET /idle");
    const closed = await c.untilClosed();
    expect(closed.rest.length, show(closed.rest)).toBe(0);
  });

  test("a partial second request on a keep-alive connection: 408, then close", async () => {
    const c = await RawClient.connect(server().port);
    expect(text(await c.request(get("/first")))).toBe("GET /first");
    await c.write("GET /second HTTP/1.1\r\n");
    await expectErrorThenClose(c, 408);
  });

  test("a stream lasting longer than every timeout is not cut off", async () => {
    const c = await RawClient.connect(server().port);
    const res = await c.request(get("/slow?n=12&ms=100"));
    expect(res.framing).toBe("chunked");
    expect(text(res)).toBe(Array.from({ length: 12 }, (_, i) => `tick ${i + 1}\n`).join(""));
    // And the connection is still good afterwards.
    expect(text(await c.request(get("/after")))).toBe("GET /after");
  });

  test("a client that reads nothing for longer than the response timeout: the response is cut off", async () => {
    const total = 64 * 1024 * 1024;
    const id = `rt-${runtime}`;
    const probeClient = await RawClient.connect(server().port);
    const c = await RawClient.connect(server().port);
    c.pause();
    await c.write(get(`/big?id=${id}&total=${total}`));
    // The server gives up on the stalled response and stops the generator through return().
    const state = await pollUntil(
      async () => JSON.parse(text(await probeClient.request(get(`/progress?id=${id}`)))) as { produced: number; done: boolean; finalised: boolean },
      (p) => p.finalised,
      "the server to end the stalled response",
    );
    expect(state.done).toBe(false);
    c.sink();
    c.resume();
    await c.untilClosed();
    expect(c.sunk).toBeLessThan(total);
  });
});

describe.each(RUNTIMES)("body timeout (%s)", (runtime) => {
  const server = useServer(runtime, "test/apps/body.ts", { args: ["--body-timeout", "0.3"] });

  test("a body that stops arriving while the app reads: 408, then close", async () => {
    const c = await RawClient.connect(server().port);
    await c.write("POST /whole HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n12345");
    await expectErrorThenClose(c, 408);
  });

  test("a chunked body that stops mid-chunk: 408, then close", async () => {
    const c = await RawClient.connect(server().port);
    await c.write("POST /whole HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\na\r\n123");
    await expectErrorThenClose(c, 408);
  });

  test("a body that keeps arriving (every 50 ms, 12 times) is never cut off", async () => {
    const c = await RawClient.connect(server().port);
    await c.write("POST /whole HTTP/1.1\r\nHost: h\r\nContent-Length: 12\r\n\r\n");
    // The pacing is the stimulus (a slow uploader), not synchronisation: the assertion waits for
    // the response itself.
    for (let i = 0; i < 12; i++) {
      await c.write(String.fromCharCode(97 + i));
      if (i < 11) await sleep(50);
    }
    const res = await c.readResponse();
    expect(res.status, show(res.raw)).toBe(200);
    expect(text(res)).toBe("abcdefghijkl");
  });
});

describe.each(RUNTIMES)("response timeout (%s)", (runtime) => {
  const server = useServer(runtime, "test/apps/faults.ts", { args: ["--response-timeout", "0.3"] });

  test("an app that never answers: 500 and 'application timed out' in the log", async () => {
    const s = server();
    const mark = s.stderrMark();
    await expectRejected(s.port, get("/never"), 500);
    await s.waitForStderr(/application timed out/, mark);
  });

  test("a body that never produces its first chunk: 500", async () => {
    await expectRejected(server().port, get("/never-body"), 500);
  });

  test("a body that stalls after headers: the connection is closed, the chunked body not terminated", async () => {
    const c = await RawClient.connect(server().port);
    await c.write(get("/stall-after-headers"));
    const closed = await c.untilClosed();
    const all = closed.rest.toString("latin1");
    expect(all).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    // The chunk's data arrived (its closing CRLF travels with the next size line, which never comes).
    expect(all.endsWith("\r\n\r\n1\r\nx")).toBe(true);
    expect(all).not.toContain("0\r\n\r\n");
  });

  test("a client that stops reading after the server ended the connection is dropped (logged), not kept forever", async () => {
    const s = server();
    const mark = s.stderrMark();
    const c = await RawClient.connect(s.port);
    c.pause(); // read nothing: the 32 MiB cannot all be delivered
    await c.write("GET /huge-array HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    await s.waitForStderr(/read nothing for 300 ms; connection closed/, mark);
    c.sink();
    c.resume();
    const closed = await c.untilClosed();
    expect(c.sunk + closed.rest.length).toBeLessThan(32 * 1024 * 1024);
  });

  test("the server keeps serving after timed-out responses", async () => {
    const c = await RawClient.connect(server().port);
    const res = await c.request(get("/ok"));
    expect(text(res)).toBe("ok");
    expect(header(res, "connection")).toBeUndefined();
  });
});
