// Malformed requests through a ServerCore on a fake transport: each gets the server's own error
// response in the exact shape docs/interface.md gives (status line, header order, body), the app is never
// called, nothing after the bad request is answered, and the connection is ended.
// It must never accept an error response in any other shape.
import { describe, expect, test } from "vitest";
import type { Application } from "../../src/wsgi/types.ts";
import { MALFORMED, SMALL, isBodyCase } from "./cases.ts";
import { connect, normaliseDate } from "./fake.ts";
import { expectErrorResponse } from "./error-shape.ts";

/** An app that records that it was called and answers 200; it reads the body when asked to. */
function recorder(read: boolean): { app: Application; calls: string[] } {
  const calls: string[] = [];
  const app: Application = async (env, sr) => {
    calls.push(`${env.REQUEST_METHOD} ${env.PATH_INFO}`);
    if (read) await env["wsgi.input"].read();
    sr("200 OK", [["Content-Type", "text/plain"]]);
    return ["ok"];
  };
  return { app, calls };
}

const FOLLOWING = "GET /after HTTP/1.1\r\nHost: a\r\n\r\n";

// A malformed head is refused whatever the app would do. A malformed body can only be refused with
// an error response when the app reads it (an app that answers without reading has already answered).
const CASES = [
  ...MALFORMED.filter((c) => !isBodyCase(c)).map((c) => [`${c.name} (app does not read)`, c, false] as const),
  ...MALFORMED.map((c) => [`${c.name} (app reads the body)`, c, true] as const),
];

describe("malformed requests", () => {
  test.each(CASES)("%s", async (_name, c, read) => {
    const { app, calls } = recorder(read);
    const client = connect(app, c.options);
    client.send(c.request + FOLLOWING);
    await client.transport.untilClosedOr(1);
    expect(client.transport.closed, "the connection is ended after the error response").toBe(true);
    expectErrorResponse(client.transport.text, c.status);
    if (!isBodyCase(c)) expect(calls, "the app is never called for a request refused on its head").toEqual([]);
    expect(client.transport.aborts).toBe(0);
    expect(client.transport.textByReference).toBe(client.transport.text);
    // Nothing more is answered, even when more bytes arrive.
    const written = client.transport.text;
    client.send(FOLLOWING);
    client.handle.peerFinished();
    expect(client.transport.text).toBe(written);
    client.handle.closed();
  });
});

describe("how refusals look and when they happen", () => {
  test("413 for an over-large Content-Length with Expect: 100-continue: no 100 Continue, app not called", async () => {
    const { app, calls } = recorder(true);
    const client = connect(app, SMALL);
    client.send("POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 17\r\n\r\n");
    await client.transport.untilClosed();
    expect(client.transport.text).not.toContain("100 Continue");
    expectErrorResponse(client.transport.text, 413);
    expect(calls).toEqual([]);
    client.handle.closed();
  });

  test("the error is sent as soon as the bad bytes arrive, before the rest of the head", () => {
    const client = connect(recorder(false).app);
    client.send("GET / HTTP/1.1\r\nHost: a\n");
    expect(client.transport.closed).toBe(true);
    expectErrorResponse(client.transport.text, 400);
    client.handle.closed();
  });

  test("an endless request line is refused with 414 once it passes maxRequestLine", () => {
    const client = connect(recorder(false).app, { maxRequestLine: 100 });
    client.send("GET /" + "a".repeat(90));
    expect(client.transport.closed).toBe(false);
    client.send("a".repeat(20));
    expect(client.transport.closed).toBe(true);
    expectErrorResponse(client.transport.text, 414);
    client.handle.closed();
  });

  test("a bad request after a good one: the good one is answered, then the error, then the end", async () => {
    const { app, calls } = recorder(false);
    const client = connect(app);
    client.send("GET /one HTTP/1.1\r\nHost: a\r\n\r\nGET /two HTTP/1.1\r\nHost: a\r\nBad Field: x\r\n\r\n" + FOLLOWING);
    await client.transport.untilClosed();
    const text = normaliseDate(client.transport.text);
    const split = text.indexOf("HTTP/1.1 400");
    expect(split).toBeGreaterThan(0);
    expect(text.slice(0, split)).toBe("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nDate: X\r\nServer: tsgi\r\n\r\nok");
    expectErrorResponse(text.slice(split), 400);
    expect(calls).toEqual(["GET /one"]);
    client.handle.closed();
  });

  test("many empty lines before a request line are not accepted without bound", async () => {
    // docs/interface.md section 11: "Up to a few empty lines (CRLF) before a request line are ignored." A client
    // that sends nothing but CRLFs must not make the server buffer them past the head-size limit.
    const client = connect(recorder(false).app, { maxHeadSize: 256 });
    client.send("\r\n".repeat(200));
    client.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    await client.transport.untilClosedOr(1);
    const status = Number(client.transport.text.slice(9, 12));
    expect([400, 431]).toContain(status);
    expect(client.transport.closed).toBe(true);
    client.handle.closed();
  });

  test("HTTP/1.0 ignores an unknown Expect value", async () => {
    const { app, calls } = recorder(true);
    const client = connect(app);
    client.send("POST / HTTP/1.0\r\nExpect: teapot\r\nContent-Length: 2\r\n\r\nhi");
    await client.transport.untilClosed();
    expect(client.transport.text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(calls).toEqual(["POST /"]);
    client.handle.closed();
  });

  test("over maxConnections a new connection gets 503 and is ended", () => {
    const app = recorder(false).app;
    const first = connect(app, { maxConnections: 1 });
    const extra = new (first.transport.constructor as new () => typeof first.transport)();
    first.core.open(extra, { remoteAddress: "192.0.2.2", remotePort: 1 });
    expect(extra.closed).toBe(true);
    expectErrorResponse(extra.text, 503);
    expect(first.core.connectionCount).toBe(1);
    first.handle.closed();
    expect(first.core.connectionCount).toBe(0);
  });
});
