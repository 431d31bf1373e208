// Unit tests of the request-head parser (HeadScanner + RequestHeadParser): every valid request form
// of RFC 9112 with the fields environ is built from, and every malformed case of docs/interface.md
// section 11 with its exact status. It must never test through a socket or accept a status that
// RFC 9112 / docs/interface.md does not give.
import { describe, expect, test } from "vitest";
import { HeadScanner } from "../../src/http/head-scanner.ts";
import { type RequestHead, RequestHeadParser } from "../../src/http/request-head.ts";
import { BODY_CHUNKED, BODY_LENGTH, BODY_NONE } from "../../src/http/request-framing.ts";
import type { HeadLimits } from "../../src/http/limits.ts";
import { HttpError } from "../../src/errors.ts";
import { DEFAULT_OPTIONS } from "../../src/server/options.ts";
import { MALFORMED, isBodyCase } from "./cases.ts";
import { bytes } from "./fake.ts";

const DEFAULT_LIMITS: HeadLimits = {
  maxRequestLine: DEFAULT_OPTIONS.maxRequestLine,
  maxHeadSize: DEFAULT_OPTIONS.maxHeadSize,
  maxHeaderCount: DEFAULT_OPTIONS.maxHeaderCount,
  maxBodySize: DEFAULT_OPTIONS.maxBodySize,
};

/** A fresh parser (its own caches) with these limits. */
function parseHead(buf: Uint8Array, start: number, end: number, limits: HeadLimits): RequestHead {
  return new RequestHeadParser(limits).parse(buf, start, end);
}

/** Scans and parses the head at the start of `text`; throws when it is incomplete. */
function parse(text: string, limits: Partial<HeadLimits> = {}): RequestHead {
  const l = { ...DEFAULT_LIMITS, ...limits };
  const buf = bytes(text);
  const scanner = new HeadScanner();
  const end = scanner.scan(buf, buf.length, l);
  if (end === -1) throw new Error(`head incomplete: ${JSON.stringify(text)}`);
  return parseHead(buf, scanner.start, end, l);
}

/** The HttpError status the head gets, or "ok", or "incomplete". */
function outcome(text: string, limits: Partial<HeadLimits> = {}): number | "ok" | "incomplete" {
  const l = { ...DEFAULT_LIMITS, ...limits };
  const buf = bytes(text);
  const scanner = new HeadScanner();
  try {
    const end = scanner.scan(buf, buf.length, l);
    if (end === -1) return "incomplete";
    parseHead(buf, scanner.start, end, l);
    return "ok";
  } catch (e) {
    if (e instanceof HttpError) return e.status;
    throw e;
  }
}

/** environ-style view of the parsed fields. */
function fields(h: RequestHead): Record<string, string> {
  const out: Record<string, string> = {};
  h.names.forEach((n, i) => (out[n] = h.values[i]!));
  return out;
}

const HOST = "Host: example.com\r\n";

describe("request line and target forms", () => {
  test("origin-form GET on HTTP/1.1", () => {
    const h = parse(`GET / HTTP/1.1\r\n${HOST}\r\n`);
    expect(h).toMatchObject({ method: "GET", rawTarget: "/", path: "/", query: "", protocol: "HTTP/1.1", minor: 1, bodyKind: BODY_NONE, keepAlive: true, expectContinue: false });
    expect(fields(h)).toEqual({ HTTP_HOST: "example.com" });
  });

  test.each([
    ["/a/b.txt?x=1&y=2", "/a/b.txt", "x=1&y=2"],
    ["/?", "/", ""],
    ["/p?a?b=/c", "/p", "a?b=/c"],
    ["/p?q=%20%zz".replace("%zz", "%41"), "/p", "q=%20%41"],
    ["/a;b=c/d:e@f!$&'()*+,-._~", "/a;b=c/d:e@f!$&'()*+,-._~", ""],
    ["//double//slash", "//double//slash", ""],
  ])("origin-form %j: path %j, query %j (query not decoded)", (target, path, query) => {
    const h = parse(`GET ${target} HTTP/1.1\r\n${HOST}\r\n`);
    expect(h.rawTarget).toBe(target);
    expect(h.path).toBe(path);
    expect(h.query).toBe(query);
  });

  test.each([
    ["/caf%C3%A9", "/caf\xc3\xa9"],
    ["/%e9t%E9", "/\xe9t\xe9"],
    ["/a%2Fb", "/a/b"],
    ["/%25", "/%"],
    ["/%00x", "/\x00x"],
    ["/%41%42?%41", "/AB"],
    ["/%ff", "/\xff"],
  ])("percent-encoded path %j is decoded byte by byte as Latin-1 to %j", (target, path) => {
    const h = parse(`GET ${target} HTTP/1.1\r\n${HOST}\r\n`);
    expect(h.path).toBe(path);
    expect(h.rawTarget).toBe(target);
  });

  test("absolute-form: the path and query come from the target, its authority replaces Host", () => {
    const h = parse("POST http://other.example:8080/p/q?x=1 HTTP/1.1\r\nHost: example.com\r\nContent-Length: 0\r\n\r\n");
    expect(h).toMatchObject({ method: "POST", path: "/p/q", query: "x=1", rawTarget: "http://other.example:8080/p/q?x=1" });
    expect(fields(h).HTTP_HOST).toBe("other.example:8080");
  });

  test.each([
    ["http://example.com", "/", ""],
    ["https://example.com?x", "/", "x"],
    ["HTTP://Example.COM/A", "/A", ""],
    ["http://127.0.0.1:80/%41", "/A", ""],
    ["http://127.0.0.1/", "/", ""],
  ])("absolute-form %j: path %j, query %j", (target, path, query) => {
    const h = parse(`GET ${target} HTTP/1.1\r\n${HOST}\r\n`);
    expect(h.path).toBe(path);
    expect(h.query).toBe(query);
  });

  test("absolute-form on HTTP/1.0 without Host: its authority becomes HTTP_HOST", () => {
    const h = parse("GET http://a.example/x HTTP/1.0\r\n\r\n");
    expect(fields(h)).toEqual({ HTTP_HOST: "a.example" });
  });

  test("asterisk-form with OPTIONS: PATH_INFO is *", () => {
    const h = parse(`OPTIONS * HTTP/1.1\r\n${HOST}\r\n`);
    expect(h).toMatchObject({ method: "OPTIONS", path: "*", query: "", rawTarget: "*" });
  });

  test.each(["GET", "POST", "PATCH", "M-SEARCH", "get", "X!#$%&'*+-.^_`|~9"])("method %j (any token, case kept)", (m) => {
    expect(parse(`${m} / HTTP/1.1\r\n${HOST}\r\n`).method).toBe(m);
  });

  test("HTTP/1.0: no Host needed, not keep-alive by default", () => {
    const h = parse("GET / HTTP/1.0\r\n\r\n");
    expect(h).toMatchObject({ protocol: "HTTP/1.0", minor: 0, keepAlive: false });
    expect(h.names).toEqual([]);
  });

  test.each(["HTTP/1.2", "HTTP/1.7", "HTTP/1.9"])("%s is answered as HTTP/1.1", (v) => {
    expect(parse(`GET / ${v}\r\n${HOST}\r\n`)).toMatchObject({ protocol: "HTTP/1.1", minor: 1 });
  });

  test.each([1, 2, 3])("%i empty line(s) before the request line are ignored", (n) => {
    const text = "\r\n".repeat(n) + `GET /x HTTP/1.1\r\n${HOST}\r\n`;
    const scanner = new HeadScanner();
    const buf = bytes(text);
    const end = scanner.scan(buf, buf.length, DEFAULT_LIMITS);
    expect(end).toBe(buf.length);
    expect(scanner.start).toBe(2 * n);
    expect(parseHead(buf, scanner.start, end, DEFAULT_LIMITS).path).toBe("/x");
  });
});

describe("header fields", () => {
  test("names map to HTTP_* (upper case, - to _), repeated fields are joined with ', ' in order", () => {
    const h = parse(`GET / HTTP/1.1\r\n${HOST}User-Agent: t/1\r\nX-A: 1\r\nAccept: a\r\nx-a: 2\r\nX-A:3\r\n\r\n`);
    expect(fields(h)).toEqual({ HTTP_HOST: "example.com", HTTP_USER_AGENT: "t/1", HTTP_X_A: "1, 2, 3", HTTP_ACCEPT: "a" });
    expect(h.names).toEqual(["HTTP_HOST", "HTTP_USER_AGENT", "HTTP_X_A", "HTTP_ACCEPT"]);
  });

  test("names containing _ are dropped (they would collide with - after mapping)", () => {
    const h = parse(`GET / HTTP/1.1\r\n${HOST}X_Forwarded_For: evil\r\nX-Forwarded-For: good\r\n_: x\r\n\r\n`);
    expect(fields(h)).toEqual({ HTTP_HOST: "example.com", HTTP_X_FORWARDED_FOR: "good" });
  });

  test("OWS around values is trimmed; empty values, inner spaces, tabs and obs-text are kept", () => {
    const h = parse(`GET / HTTP/1.1\r\n${HOST}A:   v  \t\r\nB:\r\nC: a  b\tc\r\nD:\t\xe9t\xe9\xff \r\nE: \x80\r\n\r\n`);
    expect(fields(h)).toMatchObject({ HTTP_A: "v", HTTP_B: "", HTTP_C: "a  b\tc", HTTP_D: "\xe9t\xe9\xff", HTTP_E: "\x80" });
  });

  test("Content-Type and Content-Length go to CONTENT_TYPE / CONTENT_LENGTH, not HTTP_*", () => {
    const h = parse(`POST / HTTP/1.1\r\n${HOST}Content-Type: text/plain\r\nContent-Length: 12\r\n\r\n`);
    expect(h).toMatchObject({ contentType: "text/plain", contentLength: "12", bodyKind: BODY_LENGTH, bodyLength: 12 });
    expect(h.names).toEqual(["HTTP_HOST"]);
  });

  test("repeated Content-Type is joined like other fields", () => {
    expect(parse(`GET / HTTP/1.1\r\n${HOST}Content-Type: a\r\ncontent-type: b\r\n\r\n`).contentType).toBe("a, b");
  });

  test.each(["example.com", "example.com:80", "127.0.0.1:8080", "[::1]", "[::1]:8080", "a-b.c_d~e", "", "a:", "xn--bcher-kva.example"])(
    "Host %j is accepted",
    (host) => {
      expect(fields(parse(`GET / HTTP/1.1\r\nHost: ${host}\r\n\r\n`)).HTTP_HOST).toBe(host);
    },
  );
});

describe("body framing", () => {
  test("no Content-Length and no Transfer-Encoding: no body", () => {
    expect(parse(`POST / HTTP/1.1\r\n${HOST}\r\n`)).toMatchObject({ bodyKind: BODY_NONE, contentLength: "" });
  });

  test("Content-Length: 0 means no body but CONTENT_LENGTH is '0'", () => {
    expect(parse(`POST / HTTP/1.1\r\n${HOST}Content-Length: 0\r\n\r\n`)).toMatchObject({ bodyKind: BODY_NONE, contentLength: "0" });
  });

  test("large Content-Length bodies (up to maxBodySize, 15 digits)", () => {
    expect(parse(`POST / HTTP/1.1\r\n${HOST}Content-Length: 67108864\r\n\r\n`)).toMatchObject({ bodyKind: BODY_LENGTH, bodyLength: 67108864 });
    const huge = parse(`POST / HTTP/1.1\r\n${HOST}Content-Length: 999999999999999\r\n\r\n`, { maxBodySize: Number.MAX_SAFE_INTEGER });
    expect(huge.bodyLength).toBe(999999999999999);
    expect(parse(`POST / HTTP/1.1\r\n${HOST}Content-Length: 000000000000007\r\n\r\n`).bodyLength).toBe(7);
  });

  test("leading zeros do not count toward the 15 digits; more than 15 significant digits is 413, not malformed (RFC 9110 section 8.6)", () => {
    expect(parse(`POST / HTTP/1.1\r\n${HOST}Content-Length: ${"0".repeat(30)}7\r\n\r\n`).bodyLength).toBe(7);
    const max = { maxBodySize: Number.MAX_SAFE_INTEGER };
    expect(parse(`POST / HTTP/1.1\r\n${HOST}Content-Length: 0${"9".repeat(15)}\r\n\r\n`, max).bodyLength).toBe(999999999999999);
    expect(outcome(`POST / HTTP/1.1\r\n${HOST}Content-Length: 1${"0".repeat(15)}\r\n\r\n`, max)).toBe(413);
    expect(outcome(`POST / HTTP/1.1\r\n${HOST}Content-Length: ${"9".repeat(40)}\r\n\r\n`)).toBe(413);
  });

  test("Content-Length equal to maxBodySize is accepted, one more is 413", () => {
    expect(outcome(`POST / HTTP/1.1\r\n${HOST}Content-Length: 100\r\n\r\n`, { maxBodySize: 100 })).toBe("ok");
    expect(outcome(`POST / HTTP/1.1\r\n${HOST}Content-Length: 101\r\n\r\n`, { maxBodySize: 100 })).toBe(413);
  });

  test.each(["chunked", "Chunked", "CHUNKED", " chunked ", "chunked,", ", chunked"])("Transfer-Encoding %j is chunked", (te) => {
    expect(parse(`POST / HTTP/1.1\r\n${HOST}Transfer-Encoding: ${te}\r\n\r\n`)).toMatchObject({ bodyKind: BODY_CHUNKED, contentLength: "" });
  });
});

describe("keep-alive and Expect", () => {
  test.each([
    ["HTTP/1.1", "", true],
    ["HTTP/1.1", "Connection: close\r\n", false],
    ["HTTP/1.1", "Connection: Keep-Alive, CLOSE\r\n", false],
    ["HTTP/1.1", "Connection: upgrade\r\nConnection: close\r\n", false],
    ["HTTP/1.1", "Connection: keep-alive\r\n", true],
    ["HTTP/1.0", "", false],
    ["HTTP/1.0", "Connection: keep-alive\r\n", true],
    ["HTTP/1.0", "Connection: Keep-Alive\r\n", true],
    ["HTTP/1.0", "Connection: keep-alive, close\r\n", false],
  ])("%s with %j: keepAlive %s", (version, field, keep) => {
    expect(parse(`GET / ${version}\r\n${HOST}${field}\r\n`).keepAlive).toBe(keep);
  });

  test("Expect: 100-continue (any case) on HTTP/1.1 with a body", () => {
    expect(parse(`POST / HTTP/1.1\r\n${HOST}Expect: 100-Continue\r\nContent-Length: 3\r\n\r\n`).expectContinue).toBe(true);
    expect(parse(`POST / HTTP/1.1\r\n${HOST}Expect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n`).expectContinue).toBe(true);
  });

  test("Expect: 100-continue without a body expects nothing", () => {
    expect(parse(`GET / HTTP/1.1\r\n${HOST}Expect: 100-continue\r\n\r\n`).expectContinue).toBe(false);
  });

  test("HTTP/1.0 ignores Expect entirely", () => {
    expect(parse("POST / HTTP/1.0\r\nExpect: something-else\r\nContent-Length: 1\r\n\r\n").expectContinue).toBe(false);
    expect(parse("POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n").expectContinue).toBe(false);
  });
});

describe("limits", () => {
  test("a request line of exactly maxRequestLine bytes is accepted, one more is 414", () => {
    const line = (n: number): string => `GET /${"a".repeat(n - 14)} HTTP/1.1`;
    expect(line(64).length).toBe(64);
    expect(outcome(`${line(64)}\r\n${HOST}\r\n`, { maxRequestLine: 64 })).toBe("ok");
    expect(outcome(`${line(65)}\r\n${HOST}\r\n`, { maxRequestLine: 64 })).toBe(414);
  });

  test("exactly maxHeaderCount fields are accepted, one more is 431", () => {
    const head = (n: number): string => `GET / HTTP/1.1\r\n${HOST}${Array.from({ length: n - 1 }, (_, i) => `X-${i}: v\r\n`).join("")}\r\n`;
    expect(outcome(head(5), { maxHeaderCount: 5 })).toBe("ok");
    expect(outcome(head(6), { maxHeaderCount: 5 })).toBe(431);
  });

  test("a head (request line, fields, final CRLF) of exactly maxHeadSize bytes is accepted, a larger one is 431", () => {
    const head = (size: number): string => {
      const fixed = `GET / HTTP/1.1\r\n${HOST}X: \r\n\r\n`;
      return fixed.replace("X: ", "X: " + "v".repeat(size - fixed.length));
    };
    expect(head(200).length).toBe(200);
    expect(outcome(head(200), { maxHeadSize: 200 })).toBe("ok");
    expect(outcome(head(260), { maxHeadSize: 200 })).toBe(431);
  });

  test("the scanner refuses an endless request line or head before it ends", () => {
    expect(outcome(`GET /${"a".repeat(100)}`, { maxRequestLine: 64 })).toBe(414);
    expect(outcome(`GET / HTTP/1.1\r\nX: ${"a".repeat(300)}`, { maxHeadSize: 256 })).toBe(431);
    expect(outcome(`GET /${"a".repeat(40)}`, { maxRequestLine: 64 })).toBe("incomplete");
  });
});

describe("HeadScanner resumes across calls", () => {
  test("feeding a growing buffer finds the same end as scanning it whole", () => {
    const text = `\r\nPOST /x HTTP/1.1\r\n${HOST}Content-Length: 3\r\n\r\nabc`;
    const buf = bytes(text);
    const whole = new HeadScanner();
    const wholeEnd = whole.scan(buf, buf.length, DEFAULT_LIMITS);
    expect(wholeEnd).toBe(text.length - 3);
    for (let cut = 0; cut <= buf.length; cut++) {
      const s = new HeadScanner();
      const first = s.scan(buf, cut, DEFAULT_LIMITS);
      const end = first !== -1 ? first : s.scan(buf, buf.length, DEFAULT_LIMITS);
      expect({ cut, end, start: s.start }).toEqual({ cut, end: wholeEnd, start: whole.start });
    }
  });

  test("started is false while only empty lines arrived, true after a request-line byte", () => {
    const s = new HeadScanner();
    const buf = bytes("\r\n\r\nG");
    expect(s.scan(buf, 4, DEFAULT_LIMITS)).toBe(-1);
    expect(s.started).toBe(false);
    expect(s.scan(buf, 5, DEFAULT_LIMITS)).toBe(-1);
    expect(s.started).toBe(true);
    s.reset();
    expect(s.started).toBe(false);
    expect(s.start).toBe(0);
  });
});

describe("malformed requests get the status docs/interface.md gives them", () => {
  // Body-level cases (chunked framing, trailers) are checked on the wire in rejections.test.ts.
  const headCases = MALFORMED.filter((c) => !isBodyCase(c));

  test.each(headCases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const limits: { -readonly [K in keyof HeadLimits]?: number } = {};
    for (const k of ["maxRequestLine", "maxHeadSize", "maxHeaderCount", "maxBodySize"] as const) {
      const v = c.options?.[k];
      if (v !== undefined) limits[k] = v;
    }
    expect(outcome(c.request, limits)).toBe(c.status);
  });

  test("every HttpError from the parser carries a short English detail", () => {
    for (const c of headCases) {
      const buf = bytes(c.request);
      const s = new HeadScanner();
      try {
        const end = s.scan(buf, buf.length, { ...DEFAULT_LIMITS, ...c.options });
        if (end !== -1) parseHead(buf, s.start, end, { ...DEFAULT_LIMITS, ...c.options });
      } catch (e) {
        expect(e, c.name).toBeInstanceOf(HttpError);
        expect((e as HttpError).detail, c.name).toMatch(/^[A-Za-z][ -~]{3,80}$/);
      }
    }
  });
});
