// Response semantics on every runtime (PEP 3333 "headers sent"): when the status and headers go
// out, and how the body is framed, follows from what the application does (its chunks, write(),
// startResponse with excInfo, its own Content-Length), never from whether its body is a sync
// generator, an async one or a slow one. Each case runs every body variant of
// test/apps/semantics.ts against ONE expected byte string (Date normalised), so all variants must
// be byte-identical on the wire. Once headers are sent, an error can only cut the response off.
// It must never synchronise with sleeps (only waits on bytes, socket events and log lines), never
// accept a second status line after headers were sent, and never compare anything but exact bytes.
import { describe, expect, test } from "vitest";
import { expectRejected } from "../helpers/expect.ts";
import { RawClient, get, parseResponse, show, text } from "../helpers/raw.ts";
import { RUNTIMES, useServer } from "../helpers/server.ts";

const APP = "test/apps/semantics.ts";

/** The generator variants; "array" is added where an Array body is part of the case. */
const GENS = ["sync", "async", "slow"] as const;
const ALL = [...GENS, "array"] as const;

const CHUNKED = "Transfer-Encoding: chunked\r\n";
const length = (n: number) => `Content-Length: ${n}\r\n`;
/** The head of a response the app started with 200 and Content-Type: text/plain. */
const ok = (framing: string) => `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n${framing}Date: X\r\nServer: tsgi\r\n\r\n`;

/** Replace the Date value so whole responses can be compared byte for byte. */
function withoutDate(raw: Buffer): string {
  return raw.toString("latin1").replace(/\r\nDate: [^\r]*\r\n/, "\r\nDate: X\r\n");
}

const headRequest = (path: string) => get(path).replace(/^GET/, "HEAD");

/**
 * The bytes after the cursor once the server has closed the connection. Returns early, with
 * closed false, if a complete response (or bytes the parser rejects) arrived while the connection
 * stays open: a response expected to be cut off then fails at once, showing what came instead.
 */
async function readCut(c: RawClient): Promise<{ raw: Buffer; closed: boolean }> {
  const raw = await c.waitFor(
    () => {
      const rest = Buffer.from(c.received.subarray(c.cursor));
      if (c.closed) return rest;
      try {
        return parseResponse(c.received, c.cursor, false).done ? rest : undefined;
      } catch {
        return rest;
      }
    },
    () => "the server to close the connection",
  );
  c.cursor = c.received.length;
  return { raw, closed: c.closed };
}

/** A response cut off after its headers: one status line, no 500, exactly `expected`, then closed. */
function expectCut(got: { raw: Buffer; closed: boolean }, expected: string): void {
  const wire = withoutDate(got.raw);
  expect(wire.match(/HTTP\/1\.\d \d{3}/g), `status lines in ${show(got.raw)}`).toHaveLength(1);
  expect(wire, `a 500 in ${show(got.raw)}`).not.toContain("500");
  expect(wire, show(got.raw)).toBe(expected);
  expect(got.closed, `connection left open after ${show(got.raw)}`).toBe(true);
}

describe.each(RUNTIMES)("response semantics (%s)", (runtime) => {
  const server = useServer(runtime, APP);
  const connect = () => RawClient.connect(server().port);

  /** Request `path` on a fresh connection and expect exactly `expected`, the connection kept open. */
  async function expectWhole(path: string, expected: string, head = false): Promise<void> {
    const c = await connect();
    const res = await c.request(head ? headRequest(path) : get(path), { head });
    expect(withoutDate(res.raw), show(res.raw)).toBe(expected);
    // A second request on the same connection: a stray body byte or a close would break it.
    const next = await c.request(get("/chunks?v=array"));
    expect(withoutDate(next.raw), `next response: ${show(next.raw)}`).toBe(ok(length(6)) + "abcdef");
  }

  /** Request `path` on a fresh connection and read until the server closes it. */
  async function cut(path: string, version = "HTTP/1.1"): Promise<{ raw: Buffer; closed: boolean }> {
    const c = await connect();
    await c.write(get(path, "", version));
    return readCut(c);
  }

  // (a) Several non-empty chunks, no Content-Length from the app.
  test.each(GENS)("several chunks over HTTP/1.1 are chunked and terminated; the connection stays usable (v=%s)", async (v) => {
    await expectWhole(`/chunks?v=${v}`, ok(CHUNKED) + "3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n");
  });

  test.each(GENS)("several chunks over HTTP/1.0 are close-delimited: no framing header, then close (v=%s)", async (v) => {
    const got = await cut(`/chunks?v=${v}`, "HTTP/1.0");
    expect(withoutDate(got.raw), show(got.raw)).toBe(ok("") + "abcdef");
    expect(got.closed, show(got.raw)).toBe(true);
  });

  // (b) An Array is the one body whose length the server computes.
  test.each(["/chunks", "/whole"])("an Array body (%s) gets Content-Length: 6", async (path) => {
    await expectWhole(`${path}?v=array`, ok(length(6)) + "abcdef");
  });

  // (c) Exhausted before any non-empty chunk: the body is known to be empty.
  test.each(ALL)("a body of only empty chunks gets Content-Length: 0 (v=%s)", async (v) => {
    await expectWhole(`/empties?v=${v}`, ok(length(0)));
  });

  // (d) An error after the first non-empty chunk: headers were sent, so no 500, a cut response.
  test.each(GENS)("a throw after a chunk: 200, the chunk, then close without the last chunk; logged (v=%s)", async (v) => {
    const s = server();
    const mark = s.stderrMark();
    expectCut(await cut(`/throw-after?v=${v}`), ok(CHUNKED) + "3\r\nabc");
    await s.waitForStderr(new RegExp(`tsgi-test: boom /throw-after v=${v}(\\s|$)`), mark);
  });

  // (e) excInfo after headers were sent: startResponse rethrows it, the response is cut.
  test.each(GENS)("startResponse(excInfo) after a chunk rethrows that error; the response is cut (v=%s)", async (v) => {
    const s = server();
    const mark = s.stderrMark();
    const id = `${runtime}-${v}`;
    expectCut(await cut(`/excinfo-probe?v=${v}&id=${id}`), ok(CHUNKED) + "3\r\nabc");
    await s.waitForStderr(new RegExp(`tsgi-test: boom /excinfo-probe v=${v}(\\s|$)`), mark);
    const probe = await (await connect()).request(get(`/probe?id=${id}`));
    expect(JSON.parse(text(probe)), show(probe.raw)).toEqual({ threw: true, same: true });
  });

  // (f) excInfo before any non-empty chunk: the new status and headers replace the old ones.
  const replaced = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n";
  test.each([
    ...GENS.flatMap((v) => [
      { v, first: "empty", expected: `${replaced}${CHUNKED}Date: X\r\nServer: tsgi\r\n\r\n8\r\nreplaced\r\n0\r\n\r\n` },
      { v, first: "none", expected: `${replaced}${CHUNKED}Date: X\r\nServer: tsgi\r\n\r\n8\r\nreplaced\r\n0\r\n\r\n` },
    ]),
    { v: "array", first: "none", expected: `${replaced}${length(8)}Date: X\r\nServer: tsgi\r\n\r\nreplaced` },
  ])("startResponse(excInfo) before any data replaces the response (v=$v, first=$first)", async ({ v, first, expected }) => {
    await expectWhole(`/replace?v=${v}&first=${first}`, expected);
  });

  // (g) More bytes than the app's Content-Length: the overflowing chunk is withheld whole.
  test.each(GENS.flatMap((v) => [
    { v, first: "abc", sent: "abc" },
    { v, first: "long", sent: "" },
  ]))("Content-Length: 5 with 6 bytes streamed: only whole chunks that fit, then close (v=$v, first=$first)", async ({ v, first, sent }) => {
    expectCut(await cut(`/cl-over?v=${v}&first=${first}`), ok(length(5)) + sent);
  });

  // (h) Fewer bytes than the app's Content-Length: the client sees a short body.
  test.each(GENS)("Content-Length: 5 with 3 bytes streamed: head, abc, then close (v=%s)", async (v) => {
    expectCut(await cut(`/cl-short?v=${v}`), ok(length(5)) + "abc");
  });

  // (i) An Array is known whole before anything is sent: a wrong Content-Length is an app error.
  test.each(["abc", "long"])("Content-Length: 5 with an Array of 6 bytes is a 500 (first=%s)", async (first) => {
    await expectRejected(server().port, get(`/cl-over?v=array&first=${first}`), 500);
  });

  // (j) HEAD: the framing header a GET would have had as far as is known without the body.
  test.each([...GENS.map((v) => [v, CHUNKED] as const), ["array", length(6)] as const])(
    "HEAD: headers only, framing as for GET; the connection stays usable (v=%s)",
    async (v, framing) => {
      await expectWhole(`/chunks?v=${v}`, ok(framing), true);
    },
  );

  // (k) write() sends the headers: what follows is chunked, whatever the body.
  test.each(ALL)("write(abc) then a body of def: chunked abc, def (v=%s)", async (v) => {
    await expectWhole(`/write?v=${v}`, ok(CHUNKED) + "3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n");
  });

  // (l) Even an empty first write() sends the headers (wsgiref's handlers.write).
  test.each(ALL)("write('') then a body of abc: the headers went out at write(), so chunked (v=%s)", async (v) => {
    await expectWhole(`/write-empty?v=${v}`, ok(CHUNKED) + "3\r\nabc\r\n0\r\n\r\n");
  });
});
