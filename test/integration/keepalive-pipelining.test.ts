// Connection persistence and pipelining on every runtime: HTTP/1.1 keep-alive by default,
// Connection: close, HTTP/1.0 with and without keep-alive, 16 pipelined requests in one write
// answered in order, a good request before a bad one still answered.
// It must never infer "closed" from silence: closing is asserted by the socket's close event.
import { describe, expect, test } from "vitest";
import { expectErrorShape } from "../helpers/expect.ts";
import { RawClient, get, header, headerValues, show, text } from "../helpers/raw.ts";
import { RUNTIMES, useServer } from "../helpers/server.ts";

const APP = "test/apps/stream.ts";

describe.each(RUNTIMES)("keep-alive and pipelining (%s)", (runtime) => {
  const server = useServer(runtime, APP);

  test("HTTP/1.1 keeps the connection open by default (no Connection: close)", async () => {
    const c = await RawClient.connect(server().port);
    for (const path of ["/one", "/two", "/gen?n=1", "/three"]) {
      const res = await c.request(get(path));
      expect(res.status).toBe(200);
      expect(headerValues(res, "connection").map((v) => v.toLowerCase())).not.toContain("close");
    }
    expect(c.closed).toBe(false);
  });

  test("Connection: close gets Connection: close and the server closes after the response", async () => {
    const c = await RawClient.connect(server().port);
    const res = await c.request(get("/bye", "Connection: close\r\n"));
    expect(text(res)).toBe("GET /bye");
    expect(header(res, "connection")).toBe("close");
    const closed = await c.untilClosed();
    expect(closed.rest.length).toBe(0);
  });

  test("Connection: close on a streamed response: the whole body, then close", async () => {
    const c = await RawClient.connect(server().port);
    const res = await c.request(get("/gen?n=3", "Connection: close\r\n"));
    expect(text(res)).toBe("chunk 1\nchunk 2\nchunk 3\n");
    expect(header(res, "connection")).toBe("close");
    expect((await c.untilClosed()).rest.length).toBe(0);
  });

  test("requests pipelined after a Connection: close request are not answered", async () => {
    const c = await RawClient.connect(server().port);
    await c.write(get("/first", "Connection: close\r\n") + get("/second"));
    const res = await c.readResponse();
    expect(text(res)).toBe("GET /first");
    const closed = await c.untilClosed();
    expect(closed.rest.length, show(closed.rest)).toBe(0);
  });

  test("HTTP/1.0 without keep-alive: the server closes after the response", async () => {
    const c = await RawClient.connect(server().port);
    const res = await c.request("GET /old HTTP/1.0\r\n\r\n");
    expect(text(res)).toBe("GET /old");
    expect(headerValues(res, "connection").map((v) => v.toLowerCase())).not.toContain("keep-alive");
    expect((await c.untilClosed()).rest.length).toBe(0);
  });

  test("HTTP/1.0 with Connection: keep-alive and a known body stays open and says keep-alive", async () => {
    const c = await RawClient.connect(server().port);
    const first = await c.request("GET /ka1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    expect(text(first)).toBe("GET /ka1");
    expect(header(first, "content-length")).toBe("8");
    expect(header(first, "connection")?.toLowerCase()).toBe("keep-alive");
    const second = await c.request("GET /ka2 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    expect(text(second)).toBe("GET /ka2");
    expect(header(second, "connection")?.toLowerCase()).toBe("keep-alive");
    // A third request without keep-alive ends it.
    const third = await c.request("GET /ka3 HTTP/1.0\r\n\r\n");
    expect(text(third)).toBe("GET /ka3");
    expect((await c.untilClosed()).rest.length).toBe(0);
  });

  test("HTTP/1.0 keep-alive with a streamed body: close-delimited, no keep-alive", async () => {
    const c = await RawClient.connect(server().port);
    const res = await c.request("GET /gen?n=2 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    expect(res.framing).toBe("close");
    expect(text(res)).toBe("chunk 1\nchunk 2\n");
    expect(headerValues(res, "connection").map((v) => v.toLowerCase())).not.toContain("keep-alive");
  });

  test("16 requests in one write are answered in order", async () => {
    const c = await RawClient.connect(server().port);
    const paths = Array.from({ length: 16 }, (_, i) => (i % 4 === 3 ? `/gen?n=${i}` : `/p${i}?i=${i}`));
    await c.write(paths.map((p) => get(p)).join(""));
    const responses = await c.readResponses(16);
    responses.forEach((res, i) => {
      const p = paths[i];
      const want = p.startsWith("/gen")
        ? Array.from({ length: i }, (_, k) => `chunk ${k + 1}\n`).join("")
        : `GET ${p}`;
      expect(text(res), `response ${i}`).toBe(want);
    });
    expect(c.received.length).toBe(c.cursor);
  });

  test("pipelined HEAD and GET: the HEAD response carries no body bytes", async () => {
    const c = await RawClient.connect(server().port);
    await c.write(get("/head").replace(/^GET/, "HEAD") + get("/after"));
    const head = await c.readResponse({ head: true });
    expect(header(head, "content-length")).toBe("10");
    const after = await c.readResponse();
    expect(after.statusLine, show(after.raw)).toBe("HTTP/1.1 200 OK");
    expect(text(after)).toBe("GET /after");
  });

  test("a pipelined POST whose body the app ignores is drained, the next request is answered", async () => {
    const c = await RawClient.connect(server().port);
    const body = "x".repeat(1000);
    await c.write(`POST /post HTTP/1.1\r\nHost: a\r\nContent-Length: ${body.length}\r\n\r\n${body}` + get("/after-post"));
    const [post, after] = await c.readResponses(2);
    expect(text(post)).toBe("POST /post");
    expect(text(after)).toBe("GET /after-post");
  });

  test("a good request pipelined before a bad one is answered, then 400 and close", async () => {
    const c = await RawClient.connect(server().port);
    await c.write(get("/good") + "GET /bad HTTP/1.1\r\nHost: a\r\nNo colon here\r\n\r\n");
    const good = await c.readResponse();
    expect(text(good)).toBe("GET /good");
    const bad = await c.readResponse();
    expectErrorShape(bad, 400);
    expect((await c.untilClosed()).rest.length).toBe(0);
  });
});
