// Optional whitespace is SP and HTAB, nothing else (RFC 9110 section 5.6.3, RFC 9112): bytes that
// JavaScript's trim() or `\s` (and other languages' strip()) take for whitespace — 0xA0, VT, FF,
// 0x85, FS, US, the UTF-8 bytes of U+00A0, U+FEFF, U+2028 — are never stripped around field
// values, list elements (Transfer-Encoding, Connection, Expect), Content-Length, Host, chunk-size
// lines, chunk extensions, trailers or the request line. Each such request gets its exact status
// from the parser and on the wire (fake transport); what is accepted keeps those bytes.
// It must never test through a socket (test/integration/whitespace.test.ts does) or accept a
// status RFC 9112 does not give.
import { describe, expect, test } from "vitest";
import { HeadScanner } from "../../src/http/head-scanner.ts";
import { RequestHeadParser, type RequestHead } from "../../src/http/request-head.ts";
import { BODY_CHUNKED, listElements } from "../../src/http/request-framing.ts";
import { trimOws } from "../../src/http/chars.ts";
import { HttpError } from "../../src/errors.ts";
import type { Application } from "../../src/wsgi/types.ts";
import { CHUNKED_HEAD, NOT_OWS, NOT_OWS_CASES } from "./cases.ts";
import { bytes, connect } from "./fake.ts";
import { expectErrorResponse } from "./error-shape.ts";

const LIMITS = { maxRequestLine: 8192, maxHeadSize: 16384, maxHeaderCount: 100, maxBodySize: 1 << 20 };

/** The parsed head of `text`, or the HttpError status the parser gives it. */
function outcome(text: string): RequestHead | number {
  const buf = bytes(text);
  const scanner = new HeadScanner();
  try {
    const end = scanner.scan(buf, buf.length, LIMITS);
    if (end === -1) throw new Error(`head incomplete: ${JSON.stringify(text)}`);
    return new RequestHeadParser(LIMITS).parse(buf, scanner.start, end);
  } catch (e) {
    if (e instanceof HttpError) return e.status;
    throw e;
  }
}

function parse(text: string): RequestHead {
  const h = outcome(text);
  if (typeof h === "number") throw new Error(`refused with ${h}: ${JSON.stringify(text)}`);
  return h;
}

function field(h: RequestHead, key: string): string | undefined {
  const i = h.names.indexOf(key);
  return i === -1 ? undefined : h.values[i];
}

const HOST = "Host: example.com\r\n";
const post = (fields: string): string => `POST / HTTP/1.1\r\n${HOST}${fields}\r\n`;

describe("trimOws and listElements strip SP and HTAB only", () => {
  test("trimOws", () => {
    expect(trimOws(" \t a b \t ")).toBe("a b");
    expect(trimOws("")).toBe("");
    expect(trimOws(" \t")).toBe("");
    for (const { b } of NOT_OWS) expect(trimOws(`${b} x ${b}`)).toBe(`${b} x ${b}`);
    for (const c of ["\u00a0", "\ufeff", "\u2028", "\u2029", "\u3000", "\u000b", "\u000c", "\u0085"]) expect(trimOws(`${c}x${c}`)).toBe(`${c}x${c}`);
  });

  test("listElements keeps every other byte as part of its element", () => {
    expect(listElements(" \tClose\t , ,keep-alive ,")).toEqual(["close", "keep-alive"]);
    expect(listElements("\xa0chunked, gzip\xa0")).toEqual(["\xa0chunked", "gzip\xa0"]);
    expect(listElements("chunked, \xa0")).toEqual(["chunked", "\xa0"]);
    expect(listElements("\x0bclose\x0c")).toEqual(["\x0bclose\x0c"]);
  });
});

describe("requests with a non-OWS byte where trim() would see whitespace get their exact status", () => {
  const headCases = NOT_OWS_CASES.filter((c) => !c.request.startsWith(CHUNKED_HEAD));
  test.each(headCases.map((c) => [c.name, c] as const))("parser: %s", (_name, c) => {
    expect(outcome(c.request)).toBe(c.status);
  });

  /** Records calls; reads the body so that chunked-body errors show as a status. */
  const calls: string[] = [];
  const app: Application = async (env, sr) => {
    calls.push(`${env.REQUEST_METHOD} ${env.PATH_INFO}`);
    await env["wsgi.input"].read();
    sr("200 OK", [["Content-Type", "text/plain"]]);
    return ["ok"];
  };
  const smuggled = "GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n";

  test.each(NOT_OWS_CASES.map((c) => [c.name, c] as const))("on the wire: %s", async (_name, c) => {
    calls.length = 0;
    const client = connect(app);
    client.send(c.request + smuggled);
    await client.transport.untilClosedOr(1);
    expect(client.transport.closed, "the connection is ended after the error response").toBe(true);
    expectErrorResponse(client.transport.text, c.status);
    expect(calls.includes("GET /smuggled"), "the bytes after the refused request never reach the app").toBe(false);
    client.handle.closed();
  });
});

describe("SP and HTAB are OWS; every other byte stays in the value", () => {
  test.each(NOT_OWS.filter((w) => !w.ctl))("a field value keeps $name around it; only SP/HTAB are trimmed", ({ b }) => {
    const h = parse(`GET / HTTP/1.1\r\n${HOST}X-A: \t ${b}v ${b}\t \r\nX-B:${b}\r\n\r\n`);
    expect(field(h, "HTTP_X_A")).toBe(`${b}v ${b}`);
    expect(field(h, "HTTP_X_B")).toBe(b);
  });

  test.each([" chunked", "chunked\t", " \t chunked \t ", "chunked ,", ", chunked", "\tChunked\t,\t", "chunked,,"])("Transfer-Encoding %j is chunked", (te) => {
    expect(parse(post(`Transfer-Encoding: ${te}\r\n`)).bodyKind).toBe(BODY_CHUNKED);
  });

  test("gzip with SP/HTAB before its comma is a coding we do not implement (501), not a malformed one", () => {
    expect(outcome(post("Transfer-Encoding: gzip \t, chunked\r\n"))).toBe(501);
  });

  test("Content-Length and Host with SP/HTAB around them", () => {
    const h = parse(`POST / HTTP/1.1\r\nHost: \t example.com \t\r\nContent-Length: \t 5 \t\r\n\r\n`);
    expect(h.bodyLength).toBe(5);
    expect(field(h, "HTTP_HOST")).toBe("example.com");
  });

  test("Expect: 100-continue with SP/HTAB around it", () => {
    expect(parse(post("Expect: \t100-continue \t,\t\r\nContent-Length: 1\r\n")).expectContinue).toBe(true);
  });

  test.each(NOT_OWS.filter((w) => !w.ctl))("Connection: close or keep-alive with $name is neither (an unknown option)", ({ b }) => {
    expect(parse(`GET / HTTP/1.1\r\n${HOST}Connection: close${b}\r\n\r\n`).keepAlive).toBe(true);
    expect(parse(`GET / HTTP/1.1\r\n${HOST}Connection: ${b}close\r\n\r\n`).keepAlive).toBe(true);
    expect(parse(`GET / HTTP/1.1\r\n${HOST}Connection: x, ${b}close\r\n\r\n`).keepAlive).toBe(true);
    expect(parse(`GET / HTTP/1.0\r\nConnection: keep-alive${b}\r\n\r\n`).keepAlive).toBe(false);
    expect(parse(`GET / HTTP/1.0\r\nConnection: ${b}keep-alive\r\n\r\n`).keepAlive).toBe(false);
  });

  test("Connection: close and keep-alive with SP/HTAB around them", () => {
    expect(parse(`GET / HTTP/1.1\r\n${HOST}Connection: \t close \t\r\n\r\n`).keepAlive).toBe(false);
    expect(parse(`GET / HTTP/1.1\r\n${HOST}Connection: x ,\tclose\t\r\n\r\n`).keepAlive).toBe(false);
    expect(parse(`GET / HTTP/1.0\r\nConnection: \tkeep-alive \r\n\r\n`).keepAlive).toBe(true);
  });

  test.each(NOT_OWS.filter((w) => w.ctl))("Connection with $name is a control byte in a field value: 400", ({ b }) => {
    expect(outcome(`GET / HTTP/1.1\r\n${HOST}Connection: close${b}\r\n\r\n`)).toBe(400);
  });
});
