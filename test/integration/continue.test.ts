// Expect: 100-continue on every runtime: "HTTP/1.1 100 Continue" is written exactly when the app
// first reads wsgi.input and never otherwise; other Expect values get 417; HTTP/1.0 ignores Expect;
// a body over the limit gets 413 without 100 and without calling the app.
// It must never send the body before the 100 when testing that the 100 comes first.
import { describe, expect, test } from "vitest";
import { expectErrorThenClose, expectRejected } from "../helpers/expect.ts";
import { RawClient, get, header, show, text } from "../helpers/raw.ts";
import { RUNTIMES, useServer } from "../helpers/server.ts";

const APP = "test/apps/continue.ts";

function head(path: string, length: number, expect = "100-continue", version = "HTTP/1.1"): string {
  return `POST ${path} ${version}\r\nHost: h\r\nContent-Length: ${length}\r\nExpect: ${expect}\r\n\r\n`;
}

describe.each(RUNTIMES)("Expect: 100-continue (%s)", (runtime) => {
  const server = useServer(runtime, APP, { args: ["--max-body-size", "1000"] });

  async function appCalls(): Promise<number> {
    const c = await RawClient.connect(server().port);
    return Number(text(await c.request(get("/count"))));
  }

  test("the app reads: exactly 100 Continue first, then the body is read and answered", async () => {
    const c = await RawClient.connect(server().port);
    await c.write(head("/read", 5));
    const interim = await c.readResponse();
    expect(interim.raw.toString("latin1")).toBe("HTTP/1.1 100 Continue\r\n\r\n");
    await c.write("hello");
    const res = await c.readResponse();
    expect(res.status).toBe(200);
    expect(text(res)).toBe("hello");
    // The connection is still good.
    expect(text(await c.request(get("/other")))).toBe("no read");
  });

  test("100-continue is case-insensitive", async () => {
    const c = await RawClient.connect(server().port);
    await c.write(head("/read", 2, "100-Continue"));
    expect((await c.readResponse()).status).toBe(100);
    await c.write("ok");
    expect(text(await c.readResponse())).toBe("ok");
  });

  test("the app never reads: no 100, the response says Connection: close and the server closes", async () => {
    const c = await RawClient.connect(server().port);
    await c.write(head("/noread", 5));
    const res = await c.readResponse();
    expect(res.status, show(res.raw)).toBe(200);
    expect(text(res)).toBe("no read");
    expect(header(res, "connection")).toBe("close");
    const closed = await c.untilClosed();
    expect(closed.rest.length).toBe(0);
  });

  test("a client that sends the body without waiting for 100 still gets its answer", async () => {
    const c = await RawClient.connect(server().port);
    await c.write(head("/read", 3) + "abc");
    let res = await c.readResponse();
    if (res.status === 100) res = await c.readResponse();
    expect(text(res)).toBe("abc");
  });

  test("Expect: 100-continue without a body: no 100", async () => {
    const c = await RawClient.connect(server().port);
    const res = await c.request("GET /read HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n\r\n");
    expect(res.status, show(res.raw)).toBe(200);
    expect(res.body.length).toBe(0);
  });

  test("any other Expect value gets 417", async () => {
    await expectRejected(server().port, head("/read", 5, "something-else"), 417);
    await expectRejected(server().port, head("/read", 5, "100-continue-ish"), 417);
  });

  test("HTTP/1.0 ignores Expect: no 100, the body is read as sent", async () => {
    const c = await RawClient.connect(server().port);
    const res = await c.request(head("/read", 4, "100-continue", "HTTP/1.0") + "body");
    expect(res.status, show(res.raw)).toBe(200);
    expect(text(res)).toBe("body");
  });

  test("HTTP/1.0 with another Expect value is not refused", async () => {
    const c = await RawClient.connect(server().port);
    const res = await c.request(head("/read", 4, "weird", "HTTP/1.0") + "body");
    expect(text(res)).toBe("body");
  });

  test("a body over the limit: 413 at once, no 100, the app is never called", async () => {
    const before = await appCalls();
    const c = await RawClient.connect(server().port);
    await c.write(head("/read", 1001));
    const res = await expectErrorThenClose(c, 413);
    expect(res.raw.toString("latin1")).not.toContain("100 Continue");
    expect(c.received.toString("latin1")).not.toContain("100 Continue");
    // /count itself is one more call.
    expect(await appCalls()).toBe(before + 1);
  });

  test("a body at the limit is accepted", async () => {
    const c = await RawClient.connect(server().port);
    await c.write(head("/read", 1000));
    expect((await c.readResponse()).status).toBe(100);
    await c.write("z".repeat(1000));
    expect(text(await c.readResponse())).toBe("z".repeat(1000));
  });
});
