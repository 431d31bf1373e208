// Regression tests for bugs found in review: overflow past Content-Length mid-array, excInfo replacing
// a gathered response, backpressure between pipelined requests, a pipelined head timed out while the
// previous response was still being delivered, a client that stops reading after the core ended the
// connection, and concurrent reads of wsgi.input. Time is simulated by calling tick() with a later
// timestamp, never by sleeping.
import { afterEach, describe, expect, test } from "vitest";
import { connect, settle, type Client } from "./fake.ts";
import type { Connection } from "../../src/server/connection.ts";

const clients: Client[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.handle.closed();
});
function open(...args: Parameters<typeof connect>): Client {
  const c = connect(...args);
  clients.push(c);
  return c;
}
const GET = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
const tick = (c: Client, ms: number) => (c.handle as Connection).tick(Date.now() + ms);

describe("regressions", () => {
  test("after a chunk overflows Content-Length, later chunks are not sent either", async () => {
    const c = open((_env, sr) => {
      const w = sr("200 OK", [["Content-Length", "5"]]);
      w("abc");
      return ["xyz", "dd"]; // "xyz" overflows; "dd" would fit the 2 bytes left
    });
    c.send(GET);
    await settle();
    const text = c.transport.text;
    expect(text.endsWith("\r\n\r\nabc")).toBe(true);
    expect(text).not.toContain("dd");
    expect(c.transport.closed).toBe(true);
  });

  test("excInfo after a chunk was yielded: startResponse rethrows, the 200 is cut, never a second status", async () => {
    let rethrown: unknown = null;
    const failure = new Error("db failed");
    const c = open((_env, sr) => {
      sr("200 OK", [["Content-Type", "application/json"]]);
      return (function* () {
        yield '{"items": [1, 2, ';
        try {
          throw failure;
        } catch (e) {
          try {
            sr("500 Internal Server Error", [["Content-Type", "text/plain"]], e);
          } catch (again) {
            rethrown = again;
            throw again;
          }
          yield "sorry";
        }
      })();
    });
    c.send(GET);
    await settle();
    expect(rethrown).toBe(failure);
    const text = c.transport.text;
    expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(text).toContain('\r\n\r\n11\r\n{"items": [1, 2, ');
    expect(text).not.toContain("500");
    expect(text).not.toContain("sorry");
    expect(text.endsWith("0\r\n\r\n")).toBe(false);
    expect(c.transport.closed).toBe(true);
  });

  test("excInfo before any non-empty chunk: the replacement is the whole response", async () => {
    const c = open((_env, sr) => {
      sr("200 OK", [["Content-Type", "application/json"]]);
      return (function* () {
        yield "";
        try {
          throw new Error("db failed");
        } catch (e) {
          sr("500 Internal Server Error", [["Content-Type", "text/plain"]], e);
          yield "sorry";
        }
      })();
    });
    c.send(GET);
    await settle();
    expect(c.transport.text).toMatch(/^HTTP\/1\.1 500 Internal Server Error\r\nContent-Type: text\/plain\r\n/);
    expect(c.transport.text.endsWith("\r\n\r\n5\r\nsorry\r\n0\r\n\r\n")).toBe(true);
    expect(c.transport.text).not.toContain("application/json");
  });

  test("pipelined requests: a full transport stops further answers (output stays bounded)", async () => {
    let calls = 0;
    const big = new Uint8Array(64 * 1024);
    const c = open((_env, sr) => {
      calls++;
      sr("200 OK", []);
      return [big];
    });
    c.transport.writeResult = false;
    c.send(GET.repeat(200));
    await settle();
    let handed = 0;
    for (const w of c.transport.writes) handed += w.length;
    expect(calls).toBeLessThanOrEqual(2);
    expect(handed).toBeLessThan(3 * 64 * 1024);
    c.transport.writeResult = true;
    c.handle.writable();
    await settle();
    expect(calls).toBe(200);
  });

  test("a complete pipelined head is not timed out while the previous response is still being delivered", async () => {
    const c = open(
      (_env, sr) => {
        sr("200 OK", []);
        return [new Uint8Array(70 * 1024)];
      },
      { headTimeout: 100, keepAliveTimeout: 5000, responseTimeout: 60_000 },
    );
    c.transport.writeResult = false;
    c.send("GET /1 HTTP/1.1\r\nHost: a\r\n\r\n");
    await settle();
    c.send("GET /2 HTTP/1.1\r\nHost: a\r\n\r\n");
    tick(c, 1_000);
    tick(c, 2_000);
    expect(c.transport.text).not.toContain("408");
    expect(c.transport.closed).toBe(false);
    // The client never reads: after the response timeout it is dropped.
    tick(c, 120_000);
    expect(c.transport.events).toContain("abort");
  });

  test("a client that stops reading after the server ended the connection is dropped after the response timeout", async () => {
    const c = open(
      (_env, sr) => {
        sr("200 OK", []);
        return [new Uint8Array(70 * 1024)];
      },
      { responseTimeout: 60_000 },
    );
    c.transport.writeResult = false;
    c.send("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    await settle();
    expect(c.transport.events).toContain("close");
    tick(c, 30_000);
    expect(c.transport.events).not.toContain("abort");
    tick(c, 120_000);
    expect(c.transport.events).toContain("abort");
  });

  test("a second read of wsgi.input while one is waiting is refused, and the first still completes", async () => {
    let second: unknown = null;
    let first = "";
    const c = open(async (env, sr) => {
      const input = env["wsgi.input"];
      const a = input.read();
      await input.read().catch((e: unknown) => (second = e));
      first = new TextDecoder().decode(await a);
      sr("200 OK", []);
      return [first];
    });
    c.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n");
    await settle();
    c.send("hello");
    await c.transport.untilResponses(1);
    expect(second).toBeInstanceOf(TypeError);
    expect(first).toBe("hello");
  });
});
