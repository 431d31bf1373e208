// wsgi.input on every runtime, through exact request bytes: read() whole, read(size) loops,
// readline()/readline(size), readlines(), async iteration, Content-Length and chunked bodies (with
// extensions and trailers), bodies split at every byte boundary, a few MiB up, never reading past
// the body. It must never judge a body by its length alone: bytes or digests are compared.
import { createHash, randomBytes } from "node:crypto";
import { describe, expect, test } from "vitest";
import { RawClient, header, text } from "../helpers/raw.ts";
import { RUNTIMES, useServer } from "../helpers/server.ts";

const APP = "test/apps/body.ts";

function post(path: string, body: string | Buffer, extra = ""): Buffer {
  const b = typeof body === "string" ? Buffer.from(body, "latin1") : body;
  return Buffer.concat([Buffer.from(`POST ${path} HTTP/1.1\r\nHost: h\r\nContent-Length: ${b.length}\r\n${extra}\r\n`, "latin1"), b]);
}

function chunkedPost(path: string, chunked: string | Buffer, extra = ""): Buffer {
  const b = typeof chunked === "string" ? Buffer.from(chunked, "latin1") : chunked;
  return Buffer.concat([Buffer.from(`POST ${path} HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n${extra}\r\n`, "latin1"), b]);
}

/** Encode `data` as chunked with the given chunk sizes (cycled), ending with the last chunk. */
function encodeChunked(data: Buffer, sizes: number[]): Buffer {
  const out: Buffer[] = [];
  let at = 0;
  let i = 0;
  while (at < data.length) {
    const n = Math.min(sizes[i++ % sizes.length], data.length - at);
    out.push(Buffer.from(`${n.toString(16)}\r\n`, "latin1"), data.subarray(at, at + n), Buffer.from("\r\n"));
    at += n;
  }
  out.push(Buffer.from("0\r\n\r\n"));
  return Buffer.concat(out);
}

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

describe.each(RUNTIMES)("wsgi.input (%s)", (runtime) => {
  const server = useServer(runtime, APP);

  test("read() returns the whole Content-Length body; a read after the end is empty", async () => {
    const c = await RawClient.connect(server().port);
    const res = await c.request(post("/whole", "hello body"));
    expect(text(res)).toBe("hello body");
    expect(header(res, "x-after")).toBe("0");
    expect(header(res, "x-content-length")).toBe("10");
  });

  test("read(size) never returns more than size and loses nothing", async () => {
    const c = await RawClient.connect(server().port);
    const body = "0123456789abcdefghij";
    const res = await c.request(post("/size/3", body));
    expect(text(res)).toBe(body);
    expect(Number(header(res, "x-max-piece"))).toBeLessThanOrEqual(3);
    expect(header(res, "x-after")).toBe("0");
  });

  test("readline() splits after each \\n, the last line without one", async () => {
    const c = await RawClient.connect(server().port);
    const res = await c.request(post("/readline", "a\nbb\n\nccc"));
    expect(text(res)).toBe("a\nbb\n\nccc");
    expect(header(res, "x-pieces")).toBe("2,3,1,3");
  });

  test("readline(size) stops at size bytes or \\n", async () => {
    const c = await RawClient.connect(server().port);
    const res = await c.request(post("/readline/2", "abcde\nf"));
    expect(text(res)).toBe("abcde\nf");
    expect(header(res, "x-pieces")).toBe("2,2,2,1");
  });

  test("readlines() returns every line", async () => {
    const c = await RawClient.connect(server().port);
    const res = await c.request(post("/readlines", "a\nbb\n\nccc"));
    expect(text(res)).toBe("a\nbb\n\nccc");
    expect(header(res, "x-pieces")).toBe("2,3,1,3");
  });

  test("async iteration yields lines", async () => {
    const c = await RawClient.connect(server().port);
    const res = await c.request(post("/iter", "one\ntwo\nthree"));
    expect(text(res)).toBe("one\ntwo\nthree");
    expect(header(res, "x-pieces")).toBe("4,4,5");
  });

  test("no body: read() is empty at once (GET and Content-Length: 0)", async () => {
    const c = await RawClient.connect(server().port);
    const g = await c.request("GET /whole HTTP/1.1\r\nHost: h\r\n\r\n");
    expect(g.body.length).toBe(0);
    expect(header(g, "x-after")).toBe("0");
    const p = await c.request(post("/readline", ""));
    expect(p.body.length).toBe(0);
    expect(header(p, "x-count")).toBe("0");
  });

  test("the body is never read past its end: a pipelined request right after it is answered", async () => {
    const c = await RawClient.connect(server().port);
    await c.write(Buffer.concat([post("/whole", "first"), post("/whole", "second"), Buffer.from("GET /whole HTTP/1.1\r\nHost: h\r\n\r\n")]));
    const [a, b, g] = await c.readResponses(3);
    expect(text(a)).toBe("first");
    expect(text(b)).toBe("second");
    expect(g.body.length).toBe(0);
  });

  test("chunked body with extensions and trailers", async () => {
    const c = await RawClient.connect(server().port);
    const chunked =
      "4;ext=1\r\nWiki\r\n" +
      '5 ; name = "quoted \\" ; value"\r\npedia\r\n' +
      "E;flag;x=y\r\n in\r\n\r\nchunks.\r\n" +
      "0;last=1\r\nX-Trailer: value\r\nX-Other: 2\r\n\r\n";
    const res = await c.request(chunkedPost("/whole", chunked));
    expect(text(res)).toBe("Wikipedia in\r\n\r\nchunks.");
    expect(header(res, "x-content-length")).toBe("");
    // Trailers were consumed: the connection continues with the next request.
    expect(text(await c.request(post("/whole", "next")))).toBe("next");
  });

  test("chunk sizes in upper and lower case hex, with leading zeros", async () => {
    const c = await RawClient.connect(server().port);
    const data = Buffer.alloc(0x1f, 0x62);
    const res = await c.request(chunkedPost("/whole", `00a\r\n${"a".repeat(10)}\r\n1F\r\n${data.toString("latin1")}\r\n0000\r\n\r\n`));
    expect(text(res)).toBe("a".repeat(10) + data.toString("latin1"));
  });

  test("readline() across chunk boundaries", async () => {
    const c = await RawClient.connect(server().port);
    const res = await c.request(chunkedPost("/readline", "1\r\na\r\n3\r\nb\nc\r\n1\r\nd\r\n0\r\n\r\n"));
    expect(text(res)).toBe("ab\ncd");
    expect(header(res, "x-pieces")).toBe("3,2");
  });

  test("Transfer-Encoding: Chunked is case-insensitive", async () => {
    const c = await RawClient.connect(server().port);
    const res = await c.request(
      Buffer.from("POST /whole HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: ChUnKeD\r\n\r\n2\r\nok\r\n0\r\n\r\n", "latin1"),
    );
    expect(text(res)).toBe("ok");
  });

  test("a Content-Length request split at every byte boundary", async () => {
    const req = post("/whole", "body!");
    const c = await RawClient.connect(server().port);
    for (let i = 1; i < req.length; i++) {
      await c.writePieces([req.subarray(0, i), req.subarray(i)]);
      expect(text(await c.readResponse()), `split at ${i}`).toBe("body!");
    }
  });

  test("a chunked request split at every byte boundary", async () => {
    const req = chunkedPost("/whole", "3;e=1\r\nabc\r\n2\r\nde\r\n0\r\nT: 1\r\n\r\n");
    const c = await RawClient.connect(server().port);
    for (let i = 1; i < req.length; i++) {
      await c.writePieces([req.subarray(0, i), req.subarray(i)]);
      expect(text(await c.readResponse()), `split at ${i}`).toBe("abcde");
    }
  });

  test("a chunked body sent one byte per write", async () => {
    const req = chunkedPost("/readline", "4\r\nab\nc\r\n0\r\n\r\n");
    const c = await RawClient.connect(server().port);
    await c.writePieces([...req].map((b) => Uint8Array.of(b)));
    const res = await c.readResponse();
    expect(text(res)).toBe("ab\nc");
    expect(header(res, "x-pieces")).toBe("3,1");
  });

  test("a 4 MiB body by Content-Length arrives intact through read(64 KiB)", async () => {
    const data = randomBytes(4 * 1024 * 1024);
    const c = await RawClient.connect(server().port);
    const res = await c.request(post("/sha/size/65536", data));
    expect(JSON.parse(text(res))).toEqual({ length: data.length, sha256: sha256(data) });
    expect(Number(header(res, "x-max-piece"))).toBeLessThanOrEqual(65536);
  });

  test("a 4 MiB chunked body of odd-sized chunks arrives intact through read()", async () => {
    const data = randomBytes(4 * 1024 * 1024 + 17);
    const c = await RawClient.connect(server().port);
    const res = await c.request(chunkedPost("/sha/whole", encodeChunked(data, [1, 7000, 65536, 3, 100_003])));
    expect(JSON.parse(text(res))).toEqual({ length: data.length, sha256: sha256(data) });
  });

  test("a body the app does not read is drained: the connection serves the next request", async () => {
    const c = await RawClient.connect(server().port);
    await c.write(Buffer.concat([post("/noread", "x".repeat(5000)), post("/whole", "after")]));
    const [a, b] = await c.readResponses(2);
    expect(text(a)).toBe("not read");
    expect(text(b)).toBe("after");
  });

  test("an unread body over 64 KiB: the connection is closed after the response", async () => {
    const c = await RawClient.connect(server().port);
    // Only the head and part of the body: the server must not wait for the rest to answer.
    await c.write(Buffer.concat([Buffer.from("POST /noread HTTP/1.1\r\nHost: h\r\nContent-Length: 1000000\r\n\r\n"), Buffer.alloc(70_000, 0x78)]));
    const res = await c.readResponse();
    expect(text(res)).toBe("not read");
    await c.untilClosed();
  });
});
