// The whitespace smuggling class over real sockets on every runtime: a Transfer-Encoding whose
// `chunked` is wrapped in bytes that trim() or `\s` would strip (0xA0 above all: a front proxy that
// decodes Latin-1 and trims sees `chunked`, a strict one sees an unknown coding) is refused with
// 400 and the connection closed, so nothing after it (a body that hides a second request) is ever
// answered. RFC 9112 section 6.3 rule 4: a request whose Transfer-Encoding does not end in the
// chunked coding has no determinable length: 400, then close; no chunked or length reading.
// It must never synchronise with sleeps or accept any status but 400.
import { describe, expect, test } from "vitest";
import { RawClient, bytes, get, show, text } from "../helpers/raw.ts";
import { RUNTIMES, useServer } from "../helpers/server.ts";

const APP = "test/apps/body.ts";

/** The hidden request: only a server that read the body as chunked would answer it. */
const HIDDEN = "GET /count HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

const VALUES = ["\xa0chunked", "chunked\xa0", "\xa0chunked\xa0", "chunked, \xa0", "\xa0, chunked", "chunked\x85", "\xc2\xa0chunked", "chunked\xef\xbb\xbf"];

describe.each(RUNTIMES)("Transfer-Encoding wrapped in non-OWS bytes (%s)", (runtime) => {
  const server = useServer(runtime, APP);

  test.each(VALUES)("Transfer-Encoding: %j is 400 and the connection closes; the hidden request is never answered", async (te) => {
    const c = await RawClient.connect(server().port);
    await c.write(bytes(`POST /whole HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: ${te}\r\n\r\n0\r\n\r\n${HIDDEN}`));
    const res = await c.readResponse();
    expect(res.status, show(res.raw)).toBe(400);
    expect(text(res)).toMatch(/^400 Bad Request: /);
    const closed = await c.untilClosed();
    expect(closed.rest.toString("latin1"), "nothing after the 400").toBe("");
  });

  test("the same request with a plain `chunked` (SP and HTAB around it) is read as chunked", async () => {
    const c = await RawClient.connect(server().port);
    await c.write(bytes(`POST /whole HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: \t chunked \t\r\n\r\n3\r\nabc\r\n0\r\n\r\n`));
    const res = await c.readResponse();
    expect(res.status, show(res.raw)).toBe(200);
    expect(res.body.includes(Buffer.from("abc"))).toBe(true);
    const next = await c.request(get("/count"));
    expect(next.status).toBe(200);
  });
});
