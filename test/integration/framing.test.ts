// Response framing on the wire, on every runtime: Content-Length for known bodies, chunked for
// streams, app-set Content-Length, HEAD/204/304 without body bytes, header order, and the request
// head arriving split at every byte boundary or one byte at a time.
// It must never synchronise with sleeps or accept a response the parser cannot frame exactly.
import { describe, expect, test } from "vitest";
import { IMF_FIXDATE, expectServerHeadersLast } from "../helpers/expect.ts";
import { RawClient, get, header, headerNames, headerValues, show, text } from "../helpers/raw.ts";
import { pollUntil } from "../helpers/poll.ts";
import { RUNTIMES, useServer } from "../helpers/server.ts";

const APP = "test/apps/stream.ts";

interface Progress {
  produced: number;
  done: boolean;
  finalised: boolean;
}

/** Replace the Date value so whole responses can be compared byte for byte. */
function withoutDate(raw: Buffer): string {
  return raw.toString("latin1").replace(/\r\nDate: [^\r]*\r\n/, "\r\nDate: X\r\n");
}

describe.each(RUNTIMES)("response framing (%s)", (runtime) => {
  const server = useServer(runtime, APP);

  test("an Array body gets Content-Length, app headers first, then Date and Server: exact bytes", async () => {
    const c = await RawClient.connect(server().port);
    const res = await c.request(get("/array"));
    expect(res.framing).toBe("length");
    expect(header(res, "date")).toMatch(IMF_FIXDATE);
    expect(withoutDate(res.raw)).toBe(
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 3\r\nDate: X\r\nServer: tsgi\r\n\r\nabc",
    );
  });

  test("strings are sent as UTF-8 and counted in bytes", async () => {
    const c = await RawClient.connect(server().port);
    const res = await c.request(get("/utf8"));
    expect(res.body).toEqual(Buffer.from("caf\u00e9 \u20ac", "utf8"));
    expect(header(res, "content-length")).toBe(String(Buffer.byteLength("caf\u00e9 \u20ac")));
  });

  test("Uint8Array chunks are sent as they are", async () => {
    const c = await RawClient.connect(server().port);
    const res = await c.request(get("/bytes"));
    expect([...res.body]).toEqual([0, 1, 2, 255]);
    expect(header(res, "content-length")).toBe("4");
  });

  test("an empty Array gives Content-Length: 0 and the connection stays usable", async () => {
    const c = await RawClient.connect(server().port);
    const res = await c.request(get("/empty"));
    expect(header(res, "content-length")).toBe("0");
    expect(res.body.length).toBe(0);
    expect(text(await c.request(get("/next")))).toBe("GET /next");
  });

  test("an async generator is sent chunked and terminated with 0 CRLF CRLF", async () => {
    const c = await RawClient.connect(server().port);
    const res = await c.request(get("/gen?n=3"));
    expect(res.framing).toBe("chunked");
    expect(headerNames(res)).toEqual(["content-type", "transfer-encoding", "date", "server"]);
    expect(header(res, "transfer-encoding")).toBe("chunked");
    expect(text(res)).toBe("chunk 1\nchunk 2\nchunk 3\n");
    expect(res.chunkLines.at(-1)).toBe("0");
    expect(res.raw.subarray(-5).toString("latin1")).toBe("0\r\n\r\n");
    // Nothing stray after the terminator: the next response parses from the next byte.
    expect(text(await c.request(get("/after")))).toBe("GET /after");
  });

  test("empty chunks in a stream are skipped, never sent as a premature 0-size chunk", async () => {
    const c = await RawClient.connect(server().port);
    const res = await c.request(get("/gen-empty-chunks"));
    expect(text(res)).toBe("ab");
    expect(res.chunkLines.filter((l) => /^0+(;|$)/.test(l))).toEqual(["0"]);
    expect(text(await c.request(get("/after")))).toBe("GET /after");
  });

  test("the write() callable sends its chunks before the returned body, in order", async () => {
    const c = await RawClient.connect(server().port);
    const res = await c.request(get("/write"));
    expect(text(res)).toBe("one two three");
    expect(text(await c.request(get("/after")))).toBe("GET /after");
  });

  test("awaited write() calls with an empty returned body", async () => {
    const c = await RawClient.connect(server().port);
    const res = await c.request(get("/write-await"));
    expect(text(res)).toBe("w1 w2 w3 w4 w5 ");
    expect(text(await c.request(get("/after")))).toBe("GET /after");
  });

  test("an app-set Content-Length is used for a stream (no chunked)", async () => {
    const c = await RawClient.connect(server().port);
    const res = await c.request(get("/cl-stream"));
    expect(res.framing).toBe("length");
    expect(headerValues(res, "content-length")).toEqual(["10"]);
    expect(headerValues(res, "transfer-encoding")).toEqual([]);
    expect(text(res)).toBe("0123456789");
    expect(headerNames(res)).toEqual(["content-type", "content-length", "date", "server"]);
  });

  test("HEAD gets the same status and headers as GET (with Content-Length) and no body bytes", async () => {
    const c = await RawClient.connect(server().port);
    const getRes = await c.request(get("/head"));
    const headRes = await c.request(get("/head").replace(/^GET/, "HEAD"), { head: true });
    expect(headRes.statusLine).toBe(getRes.statusLine);
    const strip = (h: [string, string][]) => h.map(([n, v]) => [n, n.toLowerCase() === "date" ? "X" : v]);
    expect(strip(headRes.headers)).toEqual(strip(getRes.headers));
    expect(header(headRes, "content-length")).toBe("10");
    // If any body byte had followed the HEAD response, this next response would not parse.
    const next = await c.request(get("/next"));
    expect(next.statusLine, show(next.raw)).toBe("HTTP/1.1 200 OK");
    expect(text(next)).toBe("GET /next");
  });

  test("204: no body bytes and no framing header", async () => {
    const c = await RawClient.connect(server().port);
    const res = await c.request(get("/204"));
    expect(res.statusLine).toBe("HTTP/1.1 204 No Content");
    expect(headerNames(res)).toEqual(["x-status", "date", "server"]);
    expect(text(await c.request(get("/next")))).toBe("GET /next");
  });

  test("304: the app's Content-Length is passed through, no body bytes", async () => {
    const c = await RawClient.connect(server().port);
    const res = await c.request(get("/304"));
    expect(res.statusLine).toBe("HTTP/1.1 304 Not Modified");
    expect(headerValues(res, "content-length")).toEqual(["99"]);
    expect(headerValues(res, "transfer-encoding")).toEqual([]);
    expect(header(res, "etag")).toBe('"v1"');
    expect(text(await c.request(get("/next")))).toBe("GET /next");
  });

  test("an app's own Date and Server are kept and not doubled", async () => {
    const c = await RawClient.connect(server().port);
    const res = await c.request(get("/own-date-server"));
    expect(headerValues(res, "date")).toEqual(["Thu, 01 Jan 1970 00:00:00 GMT"]);
    expect(headerValues(res, "server")).toEqual(["app-server/1"]);
  });

  test("header names keep the app's spelling on the wire", async () => {
    const c = await RawClient.connect(server().port);
    const res = await c.request(get("/head"));
    expect(res.raw.toString("latin1")).toContain("\r\nContent-Type: text/plain; charset=utf-8\r\nX-Head: yes\r\n");
    expectServerHeadersLast(res);
  });

  test("HTTP/1.0 stream: no framing header, body delimited by close", async () => {
    const c = await RawClient.connect(server().port);
    await c.write("GET /gen?n=2 HTTP/1.0\r\n\r\n");
    const res = await c.readResponse();
    expect(res.framing).toBe("close");
    expect(headerValues(res, "transfer-encoding")).toEqual([]);
    expect(headerValues(res, "content-length")).toEqual([]);
    expect(text(res)).toBe("chunk 1\nchunk 2\n");
    expect(c.closed || c.ended).toBe(true);
  });

  test("the same request split in two at every byte boundary gets the same answer", async () => {
    const req = "GET /split?x=1 HTTP/1.1\r\nHost: a\r\nX-A: b\r\n\r\n";
    const c = await RawClient.connect(server().port);
    for (let i = 1; i < req.length; i++) {
      // Two writes with TCP_NODELAY: the server sees the head arrive in (at least) two reads.
      await c.writePieces([req.slice(0, i), req.slice(i)]);
      const res = await c.readResponse();
      expect(text(res), `split at ${i}`).toBe("GET /split?x=1");
    }
  });

  test("a request sent one byte per write", async () => {
    const req = "GET /dribble HTTP/1.1\r\nHost: a\r\n\r\n";
    const c = await RawClient.connect(server().port);
    await c.writePieces([...req]);
    expect(text(await c.readResponse())).toBe("GET /dribble");
  });

  test("wsgi.file_wrapper streams a file-like object in blocks and closes it", async () => {
    const s = server();
    const mark = s.stderrMark();
    const c = await RawClient.connect(s.port);
    const res = await c.request(get("/file-wrapper?size=100000&block=8192"));
    expect(res.body.length).toBe(100000);
    expect(res.body.every((b, i) => b === i % 251)).toBe(true);
    await s.waitForStderr(/^tsgi-test: file closed$/, mark);
  });

  test("wsgi.file_wrapper: a file-like object that says its size gives a Content-Length; one that does not goes chunked", async () => {
    const c = await RawClient.connect(server().port);
    const sized = await c.request(get("/file-wrapper?size=100000&block=8192&sized"));
    expect(sized.framing).toBe("length");
    expect(header(sized, "content-length")).toBe("100000");
    expect(sized.body.every((b, i) => b === i % 251)).toBe(true);
    const unsized = await c.request(get("/file-wrapper?size=1000"));
    expect(unsized.framing).toBe("chunked");
    const head = await c.request("HEAD /file-wrapper?size=5000&sized HTTP/1.1\r\nHost: a\r\n\r\n", { head: true });
    expect(header(head, "content-length")).toBe("5000");
    expect(head.body.length).toBe(0);
  });

  test("a few empty lines before the request line are ignored", async () => {
    const c = await RawClient.connect(server().port);
    const res = await c.request("\r\n\r\nGET /blank HTTP/1.1\r\nHost: a\r\n\r\n");
    expect(text(res)).toBe("GET /blank");
  });

  test("large known bodies pipelined to clients that read late arrive byte for byte (partial writes kept)", async () => {
    // Sizes around the drivers' gathered-write limits; 10 MB per client, more than the socket
    // buffers hold. Three clients at once, so one connection's unsent bytes meet others' writes.
    const sizes = Array.from({ length: 100 }, (_, i) => (i % 10 === 9 ? 140_000 : [16 * 1024, 65_536, 100_000, 120_000, 130_000][i % 5]!) + i);
    const clients = await Promise.all([0, 1, 2].map(() => RawClient.connect(server().port)));
    for (const [k, c] of clients.entries()) {
      c.pause();
      await c.write(sizes.map((size, i) => get(`/pattern?size=${size}&seed=${i + k}`)).join(""));
    }
    // Give the server a few full round trips on another connection while those are not read.
    const other = await RawClient.connect(server().port);
    for (let i = 0; i < 5; i++) expect(text(await other.request(get("/array")))).toBe("abc");
    await Promise.all(
      clients.map(async (c, k) => {
        c.resume();
        for (let i = 0; i < sizes.length; i++) {
          const seed = i + k;
          const res = await c.readResponse({ timeoutMs: 30_000 });
          expect(res.body.length, `client ${k}, response ${i}`).toBe(sizes[i]);
          const bad = res.body.findIndex((b, j) => b !== (j * 7 + seed) % 251);
          expect(bad, `client ${k}, response ${i}: first wrong byte`).toBe(-1);
        }
      }),
    );
  }, 60_000);

  test("streamed bodies to clients that read late arrive byte for byte (writes queued behind a pending one)", async () => {
    const size = 2_000_000;
    const clients = await Promise.all([0, 1, 2].map(() => RawClient.connect(server().port)));
    for (const [k, c] of clients.entries()) {
      c.pause();
      await c.write(get(`/pattern-stream?size=${size}&chunk=${3000 + k * 1000}&seed=${k}`) + get(`/pattern?size=70000&seed=${k + 1}`));
    }
    const other = await RawClient.connect(server().port);
    for (let i = 0; i < 5; i++) expect(text(await other.request(get("/array")))).toBe("abc");
    await Promise.all(
      clients.map(async (c, k) => {
        c.resume();
        const streamed = await c.readResponse({ timeoutMs: 30_000 });
        expect(streamed.framing).toBe("chunked");
        expect(streamed.body.length, `client ${k}`).toBe(size);
        expect(streamed.body.findIndex((b, j) => b !== (j * 7 + k) % 251), `client ${k}: first wrong byte`).toBe(-1);
        const known = await c.readResponse({ timeoutMs: 30_000 });
        expect(known.body.findIndex((b, j) => b !== (j * 7 + k + 1) % 251), `client ${k}, second response`).toBe(-1);
      }),
    );
  }, 60_000);

  test("backpressure: a client that does not read stops the app's generator well before the end", async () => {
    const total = 64 * 1024 * 1024;
    const id = `bp-${runtime}`;
    const probeClient = await RawClient.connect(server().port);
    const probe = async () => JSON.parse(text(await probeClient.request(get(`/progress?id=${id}`)))) as Progress;

    const c = await RawClient.connect(server().port);
    c.pause(); // never read until told: the kernel buffers fill, then the server must stop pulling
    await c.write(get(`/big?id=${id}&total=${total}`, "Connection: close\r\n"));

    // Wait until the generator has started, then until it stops moving (10 probes in a row see the
    // same count). Each probe is a full request on another connection, so the server was free to
    // pull more in between. Fails at once if it ever gets near the end.
    let stableRounds = 0;
    let last = -1;
    const settled = await pollUntil(
      probe,
      (p) => {
        expect(p.done, `the generator ran to the end (${p.produced} bytes) while the client read nothing`).toBe(false);
        expect(p.produced).toBeLessThan(total / 4);
        stableRounds = p.produced > 0 && p.produced === last ? stableRounds + 1 : 0;
        last = p.produced;
        return stableRounds >= 10;
      },
      "the generator to stop while the client is not reading",
    );
    expect(settled.produced).toBeGreaterThan(0);
    expect(settled.produced).toBeLessThan(total / 4);

    // Now read everything: the whole body arrives and the generator finishes.
    c.sink();
    c.resume();
    await c.untilClosed(60_000);
    expect(c.sunk).toBeGreaterThan(total);
    expect(c.tail.subarray(-5).toString("latin1")).toBe("0\r\n\r\n");
    expect(await probe()).toEqual({ produced: total, done: true, finalised: true });
  }, 90_000);
});
