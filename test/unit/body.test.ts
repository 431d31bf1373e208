// Unit tests of the body framing readers (LengthReader, ChunkedReader): they deliver exactly the
// body bytes, stop at the body's end whatever follows, resume across any split, and refuse
// malformed chunked framing with the status docs/interface.md gives. It must never test through a socket.
import { describe, expect, test } from "vitest";
import { type BodyReader, ChunkedReader, LengthReader } from "../../src/http/body-readers.ts";
import { HttpError } from "../../src/errors.ts";
import type { HeadLimits } from "../../src/http/limits.ts";
import { bytes, latin1 } from "./fake.ts";

const LIMITS: HeadLimits = { maxRequestLine: 8192, maxHeadSize: 16384, maxHeaderCount: 100, maxBodySize: 1 << 20 };

interface FeedResult {
  body: string;
  /** Index just past the body (where the next request starts), or -1 if the body did not end. */
  end: number;
  error: number | null;
}

/** Feeds `text` to `reader` in pieces cut at `cuts` (offsets), the way the connection does. */
function feed(reader: BodyReader, text: string, cuts: number[] = []): FeedResult {
  const buf = bytes(text);
  let body = "";
  const sink = (d: Uint8Array): void => {
    body += latin1(d);
  };
  let pos = 0;
  try {
    for (const limit of [...cuts, buf.length]) {
      pos = reader.feed(buf, pos, limit, sink);
      if (reader.done) return { body, end: pos, error: null };
    }
  } catch (e) {
    if (e instanceof HttpError) return { body, end: -1, error: e.status };
    throw e;
  }
  return { body, end: -1, error: null };
}

describe("LengthReader", () => {
  test("delivers exactly Content-Length bytes and leaves the rest", () => {
    const r = new LengthReader(5);
    expect(feed(r, "helloGET / HTTP/1.1")).toEqual({ body: "hello", end: 5, error: null });
    expect(r.received).toBe(5);
    expect(r.left).toBe(0);
  });

  test("resumes across every split", () => {
    const text = "0123456789NEXT";
    for (let cut = 0; cut <= text.length; cut++) {
      expect(feed(new LengthReader(10), text, [cut])).toEqual({ body: "0123456789", end: 10, error: null });
    }
  });

  test("is not done until the last byte", () => {
    const r = new LengthReader(4);
    expect(feed(r, "abc")).toEqual({ body: "abc", end: -1, error: null });
    expect(r.done).toBe(false);
    expect(r.left).toBe(1);
  });

  test("a large body fed in 64 KiB pieces", () => {
    const size = 1_000_003;
    const r = new LengthReader(size);
    const piece = new Uint8Array(65536).fill(0x61);
    let got = 0;
    while (!r.done) r.feed(piece, 0, piece.length, (d) => (got += d.length));
    expect(got).toBe(size);
    expect(r.received).toBe(size);
  });

  test("hands out views of the input, not copies", () => {
    const buf = bytes("abcdef");
    const seen: Uint8Array[] = [];
    new LengthReader(6).feed(buf, 0, 6, (d) => seen.push(d));
    expect(seen[0]!.buffer).toBe(buf.buffer);
  });
});

describe("ChunkedReader", () => {
  const valid: [string, string, string][] = [
    ["one chunk", "5\r\nhello\r\n0\r\n\r\n", "hello"],
    ["several chunks", "5\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\n\r\n", "hello world"],
    ["upper and lower case hex", "A\r\n0123456789\r\na\r\nabcdefghij\r\n0\r\n\r\n", "0123456789abcdefghij"],
    ["leading zeros, 16 digits", "0000000000000003\r\nabc\r\n0000000000000000\r\n\r\n", "abc"],
    ["leading zeros do not count toward the 16 digits", "00000000000000000003\r\nabc\r\n00000000000000000000\r\n\r\n", "abc"],
    ["extensions with token and quoted values", '3;a=b;c="x y\\"z";flag\r\nabc\r\n0;last=1\r\n\r\n', "abc"],
    ["BWS around ; and =", "3 ; a = b\t;\tc\r\nabc\r\n0\r\n\r\n", "abc"],
    ["quoted extension with obs-text and escapes", '3;q="\xe9\\\t"\r\nabc\r\n0\r\n\r\n', "abc"],
    ["trailers are validated and dropped", "3\r\nabc\r\n0\r\nExpires: never\r\nX-Sum: 1\xe9\r\nEmpty:\r\n\r\n", "abc"],
    ["an empty body", "0\r\n\r\n", ""],
    ["chunk data containing CRLF", "4\r\n\r\n\r\n\r\n0\r\n\r\n", "\r\n\r\n"],
  ];

  test.each(valid)("%s", (_name, text, body) => {
    const next = "GET / HTTP/1.1\r\n";
    expect(feed(new ChunkedReader(LIMITS), text + next)).toEqual({ body, end: text.length, error: null });
  });

  test.each(valid)("%s: the same at every split and byte by byte", (_name, text, body) => {
    const next = "NEXT";
    for (let cut = 0; cut <= text.length; cut++) {
      expect({ cut, ...feed(new ChunkedReader(LIMITS), text + next, [cut]) }).toEqual({ cut, body, end: text.length, error: null });
    }
    const everyByte = Array.from({ length: text.length }, (_, i) => i + 1);
    expect(feed(new ChunkedReader(LIMITS), text + next, everyByte)).toEqual({ body, end: text.length, error: null });
  });

  test.each([
    ["not hex", "zz\r\n", 400],
    ["empty size", "\r\n", 400],
    ["sign", "+5\r\nhello\r\n", 400],
    ["17 significant hex digits", "10000000000000001\r\na\r\n", 413],
    ["space without extension", "5 \r\nhello\r\n", 400],
    ["data longer than the size", "5\r\nhelloX\r\n", 400],
    ["data then bare LF", "5\r\nhello\n", 400],
    ["size line with bare LF", "5\nhello\r\n", 400],
    ["empty extension", "5;\r\nhello\r\n", 400],
    ["extension = without value", "5;a=\r\n", 400],
    ["unterminated quoted extension", '5;a="b\r\n', 400],
    ["extension with a CTL", "5;a=\x01\r\n", 400],
    ["trailer without colon", "0\r\nNope\r\n\r\n", 400],
    ["trailer obs-fold", "0\r\nA: 1\r\n 2\r\n\r\n", 400],
    ["trailer with space before colon", "0\r\nA : 1\r\n\r\n", 400],
    ["trailer with DEL", "0\r\nA: \x7f\r\n\r\n", 400],
    ["final line with a bare LF", "0\r\n\n", 400],
    ["size line too long", "1" + ";a".repeat(3000) + "\r\n", 400],
  ])("%s -> %i", (_name, text, status) => {
    expect(feed(new ChunkedReader(LIMITS), text).error).toBe(status);
    // The same bytes one at a time give the same verdict.
    const everyByte = Array.from({ length: text.length }, (_, i) => i + 1);
    expect(feed(new ChunkedReader(LIMITS), text, everyByte).error).toBe(status);
  });

  test("a chunk that would pass maxBodySize is refused at its size line (413), before its data", () => {
    const limits = { ...LIMITS, maxBodySize: 10 };
    expect(feed(new ChunkedReader(limits), "a\r\n0123456789\r\n0\r\n\r\n")).toEqual({ body: "0123456789", end: 20, error: null });
    const r = feed(new ChunkedReader(limits), "6\r\n012345\r\n5\r\n");
    expect(r).toEqual({ body: "012345", end: -1, error: 413 });
  });

  test("a chunk size that does not fit a double is refused, not wrapped", () => {
    expect(feed(new ChunkedReader(LIMITS), "ffffffffffffffff\r\n").error).toBe(413);
  });

  test("trailer limits: more fields than maxHeaderCount or more bytes than maxHeadSize -> 431", () => {
    const few = { ...LIMITS, maxHeaderCount: 2, maxHeadSize: 64 };
    expect(feed(new ChunkedReader(few), "0\r\nA: 1\r\nB: 2\r\n\r\n").error).toBe(null);
    expect(feed(new ChunkedReader(few), "0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n").error).toBe(431);
    expect(feed(new ChunkedReader(few), `0\r\nA: ${"x".repeat(80)}\r\n\r\n`).error).toBe(431);
  });

  test("received counts data bytes only", () => {
    const r = new ChunkedReader(LIMITS);
    feed(r, "3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nT: 1\r\n\r\n");
    expect(r.received).toBe(5);
    expect(r.done).toBe(true);
  });
});
