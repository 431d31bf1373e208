// A client that shuts its write side (FIN: socket.end(), shutdown(SHUT_WR)) after pipelining
// requests, on every runtime: every request that arrived complete is answered, in order, whatever
// the app does (synchronous, slow and asynchronous, reading a body), and the server then closes;
// a response followed by another carries no Connection: close. A request still incomplete at the
// FIN is not answered (the server closes after what came before it; an incomplete body gets 400).
// It must never infer "closed" from silence: closing is asserted by the socket's close event.
import { describe, expect, test } from "vitest";
import { expectErrorShape } from "../helpers/expect.ts";
import { type HttpResponse, RawClient, bytes, get, headerValues, show, text } from "../helpers/raw.ts";
import { RUNTIMES, useServer } from "../helpers/server.ts";

/** Sends `data` and the FIN back to back (one write, then the shutdown at once: the server reads both together). */
function sendThenFin(c: RawClient, data: string): Promise<void> {
  return new Promise((resolve, reject) => {
    c.socket.once("error", reject);
    c.socket.end(bytes(data), () => resolve());
  });
}

/** Reads `n` responses, then expects the server to close with nothing more (a FIN, not a reset). */
async function answeredThenClosed(c: RawClient, n: number): Promise<HttpResponse[]> {
  const responses = await c.readResponses(n);
  const closed = await c.untilClosed();
  expect(closed.rest.length, `unexpected bytes after ${n} responses: ${show(closed.rest)}`).toBe(0);
  expect(closed.error).toBe(null);
  expect(closed.fin).toBe(true);
  // Only the last response may announce the close: a client stops reading at a Connection: close.
  for (const res of responses.slice(0, -1)) expect(headerValues(res, "connection").map((v) => v.toLowerCase())).not.toContain("close");
  return responses;
}

const post = (path: string, body: string) => `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${body.length}\r\n\r\n${body}`;

describe.each(RUNTIMES)("half-close after pipelined requests (%s)", (runtime) => {
  const server = useServer(runtime, "test/apps/stream.ts");
  const bodies = useServer(runtime, "test/apps/body.ts");

  test("two requests in one write, then FIN: both answered in order, then close", async () => {
    const c = await RawClient.connect(server().port);
    await c.write(get("/one") + get("/two"));
    c.end();
    const [one, two] = await answeredThenClosed(c, 2);
    expect(text(one)).toBe("GET /one");
    expect(text(two)).toBe("GET /two");
  });

  test("three requests with the FIN right behind them: all answered in order, then close", async () => {
    const c = await RawClient.connect(server().port);
    await sendThenFin(c, get("/a") + get("/b?x=1") + get("/c"));
    const responses = await answeredThenClosed(c, 3);
    expect(responses.map(text)).toEqual(["GET /a", "GET /b?x=1", "GET /c"]);
  });

  test("a slow asynchronous response, and two requests behind it, then FIN: all answered", async () => {
    const c = await RawClient.connect(server().port);
    // /slow takes 3 x 50 ms: the FIN arrives while the first response is being produced.
    await sendThenFin(c, get("/slow?n=3&ms=50") + get("/gen?n=2") + get("/last"));
    const [slow, gen, last] = await answeredThenClosed(c, 3);
    expect(text(slow)).toBe("tick 1\ntick 2\ntick 3\n");
    expect(text(gen)).toBe("chunk 1\nchunk 2\n");
    expect(text(last)).toBe("GET /last");
  });

  test("FIN once a request is being answered, and after a request waiting behind it: both answered", async () => {
    const c = await RawClient.connect(server().port);
    await c.write(get("/slow?n=2&ms=100") + get("/behind"));
    await c.waitForText("tick 1\n"); // the first response has started: the FIN comes in the middle of it
    c.end();
    const [slow, behind] = await answeredThenClosed(c, 2);
    expect(text(slow)).toBe("tick 1\ntick 2\n");
    expect(text(behind)).toBe("GET /behind");
  });

  test("requests with bodies, then FIN: each body read whole and echoed, in order", async () => {
    const c = await RawClient.connect(bodies().port);
    await sendThenFin(c, post("/whole", "first body") + post("/size/3", "second") + post("/whole", "3rd"));
    const responses = await answeredThenClosed(c, 3);
    expect(responses.map(text)).toEqual(["first body", "second", "3rd"]);
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200]);
  });

  test("a complete request, then an incomplete head at the FIN: the first answered, then close", async () => {
    const c = await RawClient.connect(server().port);
    await sendThenFin(c, get("/done") + "GET /never HTTP/1.1\r\nHo");
    const [done] = await answeredThenClosed(c, 1);
    expect(text(done)).toBe("GET /done");
  });

  test("a complete request, then an incomplete body at the FIN: the first answered, the second 400", async () => {
    const c = await RawClient.connect(bodies().port);
    await sendThenFin(c, post("/whole", "complete") + "POST /whole HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nhalf");
    const [first, cut] = await answeredThenClosed(c, 2);
    expect(text(first)).toBe("complete");
    expectErrorShape(cut, 400);
  });
});
