// Request corpora shared by the unit tests and the fuzzer: malformed requests with the exact status
// docs/interface.md gives them, and valid request streams (single and pipelined) with the statuses of
// their responses. Data only (strings are Latin-1: one char per byte). It must never hold a case
// whose expected status is not what docs/interface.md or RFC 9112 says.
import type { CoreOptions } from "../../src/server/options.ts";

export interface BadCase {
  name: string;
  /** The complete request bytes (Latin-1). */
  request: string;
  status: number;
  options?: Partial<CoreOptions>;
}

const H = "Host: example.com\r\n";
const get = (line: string, fields = H): string => `${line}\r\n${fields}\r\n`;
const withField = (field: string): string => `GET / HTTP/1.1\r\n${H}${field}\r\n\r\n`;
const post = (fields: string, body: string): string => `POST /upload HTTP/1.1\r\n${H}${fields}\r\n${body}`;
const chunked = (body: string): string => post("Transfer-Encoding: chunked\r\n", body);
export const SMALL: Partial<CoreOptions> = { maxRequestLine: 64, maxHeadSize: 256, maxHeaderCount: 4, maxBodySize: 16 };

/** The head every chunked-body case shares: such a case is refused for its body, not its head. */
export const CHUNKED_HEAD = "POST /upload HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n";

/** The case's head is fine and its body is malformed. */
export function isBodyCase(c: BadCase): boolean {
  return c.request.startsWith(CHUNKED_HEAD);
}

export const MALFORMED: BadCase[] = [
  // ---- line endings
  { name: "bare LF after the request line", request: "GET / HTTP/1.1\nHost: a\r\n\r\n", status: 400 },
  { name: "bare LF after a field", request: "GET / HTTP/1.1\r\nHost: a\nX: y\r\n\r\n", status: 400 },
  { name: "bare LF as the final empty line", request: "GET / HTTP/1.1\r\nHost: a\r\n\n", status: 400 },
  { name: "bare LF before the request line", request: "\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", status: 400 },
  { name: "bare CR in a field value", request: withField("X: a\rb"), status: 400 },
  { name: "bare CR in a field name", request: withField("X\r: b"), status: 400 },
  { name: "bare CR in the request line", request: get("GET /\r HTTP/1.1"), status: 400 },
  { name: "bare CR before the request line", request: "\rGET / HTTP/1.1\r\nHost: a\r\n\r\n", status: 400 },
  { name: "bare CR on a line of its own", request: "GET / HTTP/1.1\r\nHost: a\r\n\r\r\n\r\n", status: 400 },
  // ---- request line shape
  { name: "two spaces after the method", request: get("GET  / HTTP/1.1"), status: 400 },
  { name: "two spaces after the target", request: get("GET /  HTTP/1.1"), status: 400 },
  { name: "trailing space after the version", request: get("GET / HTTP/1.1 "), status: 400 },
  { name: "leading space", request: get(" GET / HTTP/1.1"), status: 400 },
  { name: "tab after the method", request: get("GET\t/ HTTP/1.1"), status: 400 },
  { name: "tab after the target", request: get("GET /\tHTTP/1.1"), status: 400 },
  { name: "no version", request: get("GET /"), status: 400 },
  { name: "no target", request: get("GET"), status: 400 },
  { name: "empty request line after a CRLF", request: "\r\n \r\nHost: a\r\n\r\n", status: 400 },
  { name: "method with a non-token char", request: get("GE(T / HTTP/1.1"), status: 400 },
  { name: "method with a high byte", request: get("G\xc9T / HTTP/1.1"), status: 400 },
  { name: "extra word after the version", request: get("GET / HTTP/1.1 x"), status: 400 },
  // ---- version
  { name: "HTTP/1", request: get("GET / HTTP/1"), status: 400 },
  { name: "HTTP/1.10", request: get("GET / HTTP/1.10"), status: 400 },
  { name: "lower-case http/1.1", request: get("GET / http/1.1"), status: 400 },
  { name: "HTTP/11.1", request: get("GET / HTTP/11.1"), status: 400 },
  { name: "HTTP/1.x", request: get("GET / HTTP/1.x"), status: 400 },
  { name: "HTTP/ 1.1", request: get("GET / HTTP/ 1.1"), status: 400 },
  { name: "HTTP/2.0", request: get("GET / HTTP/2.0"), status: 505 },
  { name: "HTTP/0.9", request: get("GET / HTTP/0.9"), status: 505 },
  { name: "HTTP/3.0", request: get("GET / HTTP/3.0"), status: 505 },
  { name: "HTTP/2.1", request: get("GET / HTTP/2.1"), status: 505 },
  // ---- request target
  ...['"', "<", ">", "\\", "^", "`", "{", "|", "}", "#", "\xe9", "\x7f", "\x00", "[", "]"].map((c) => ({
    name: `target with ${JSON.stringify(c)}`,
    request: get(`GET /a${c}b HTTP/1.1`),
    status: 400,
  })),
  { name: "lone % in the target", request: get("GET /a% HTTP/1.1"), status: 400 },
  { name: "% with one hex digit", request: get("GET /a%4 HTTP/1.1"), status: 400 },
  { name: "% with a non-hex digit", request: get("GET /a%G1 HTTP/1.1"), status: 400 },
  { name: "% with a non-hex second digit", request: get("GET /a%4g HTTP/1.1"), status: 400 },
  { name: "% in the query with a bad escape", request: get("GET /a?x=%zz HTTP/1.1"), status: 400 },
  { name: "asterisk-form with GET", request: get("GET * HTTP/1.1"), status: 400 },
  { name: "asterisk followed by more", request: get("OPTIONS *a HTTP/1.1"), status: 400 },
  { name: "authority-form with GET", request: get("GET example.com:80 HTTP/1.1"), status: 400 },
  { name: "relative path", request: get("GET a/b HTTP/1.1"), status: 400 },
  { name: "CONNECT with authority-form", request: get("CONNECT example.com:443 HTTP/1.1"), status: 501 },
  { name: "CONNECT with origin-form", request: get("CONNECT / HTTP/1.1"), status: 400 },
  { name: "CONNECT with asterisk-form", request: get("CONNECT * HTTP/1.1"), status: 400 },
  { name: "absolute-form with ftp", request: get("GET ftp://example.com/ HTTP/1.1"), status: 400 },
  { name: "absolute-form with userinfo", request: get("GET http://user@example.com/ HTTP/1.1"), status: 400 },
  { name: "absolute-form with an empty authority", request: get("GET http:///p HTTP/1.1"), status: 400 },
  { name: "absolute-form with a non-numeric port", request: get("GET http://example.com:x/ HTTP/1.1"), status: 400 },
  { name: "absolute-form with one slash", request: get("GET http:/example.com/ HTTP/1.1"), status: 400 },
  // ---- header fields
  { name: "space between name and colon", request: withField("X-A : 1"), status: 400 },
  { name: "tab between name and colon", request: withField("X-A\t: 1"), status: 400 },
  { name: "obs-fold continuation (SP)", request: withField("X-A: 1\r\n 2"), status: 400 },
  { name: "obs-fold continuation (HTAB)", request: withField("X-A: 1\r\n\t2"), status: 400 },
  { name: "first field line starts with SP", request: "GET / HTTP/1.1\r\n Host: a\r\n\r\n", status: 400 },
  { name: "field line without a colon", request: withField("NoColonHere"), status: 400 },
  { name: "empty field name", request: withField(": v"), status: 400 },
  { name: "field name with a non-token char", request: withField("X(A: v"), status: 400 },
  { name: "field name with NUL", request: withField("X\x00A: v"), status: 400 },
  { name: "field name with a high byte", request: withField("X\xe9: v"), status: 400 },
  { name: "field value with NUL", request: withField("X: a\x00b"), status: 400 },
  { name: "field value with SOH", request: withField("X: a\x01b"), status: 400 },
  { name: "field value with ESC", request: withField("X: \x1b[31m"), status: 400 },
  { name: "field value with DEL", request: withField("X: a\x7fb"), status: 400 },
  { name: "field value with VT", request: withField("X: a\x0bb"), status: 400 },
  // ---- Host
  { name: "HTTP/1.1 without Host", request: "GET / HTTP/1.1\r\nX: y\r\n\r\n", status: 400 },
  { name: "HTTP/1.1 absolute-form without Host", request: "GET http://example.com/ HTTP/1.1\r\n\r\n", status: 400 },
  { name: "two Host fields", request: "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", status: 400 },
  { name: "two Host fields, different case", request: "GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n", status: 400 },
  { name: "two Host fields on HTTP/1.0", request: "GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", status: 400 },
  ...["a b", "a/b", "[::1", "a:b", "a@b", "[::1]x", "a]", "a\tb", "a?b", "a#b", "[]", "a:80:90x"].map((h) => ({
    name: `Host ${JSON.stringify(h)}`,
    request: `GET / HTTP/1.1\r\nHost: ${h}\r\n\r\n`,
    status: 400,
  })),
  // ---- Content-Length
  { name: "Content-Length twice (equal)", request: post("Content-Length: 1\r\nContent-Length: 1\r\n", "a"), status: 400 },
  { name: "Content-Length twice (different)", request: post("Content-Length: 1\r\nContent-Length: 2\r\n", "ab"), status: 400 },
  { name: "Content-Length list", request: post("Content-Length: 1, 1\r\n", "a"), status: 400 },
  { name: "Content-Length with +", request: post("Content-Length: +1\r\n", "a"), status: 400 },
  { name: "Content-Length with -", request: post("Content-Length: -1\r\n", ""), status: 400 },
  { name: "Content-Length with inner space", request: post("Content-Length: 1 0\r\n", "a"), status: 400 },
  { name: "Content-Length in hex", request: post("Content-Length: 0x1\r\n", "a"), status: 400 },
  { name: "Content-Length with a letter", request: post("Content-Length: 1a\r\n", "a"), status: 400 },
  { name: "Content-Length empty", request: post("Content-Length: \r\n", ""), status: 400 },
  // RFC 9110 section 8.6: a length too long to represent is still a valid length, larger than any body limit.
  { name: "Content-Length of 17 digits", request: post("Content-Length: 99999999999999999\r\n", ""), status: 413 },
  { name: "Content-Length of 16 digits after leading zeros", request: post("Content-Length: 0001000000000000000\r\n", ""), status: 413 },
  { name: "Content-Length over maxBodySize", request: post("Content-Length: 17\r\n", "x".repeat(17)), status: 413, options: SMALL },
  { name: "Content-Length of 15 digits over the default limit", request: post("Content-Length: 999999999999999\r\n", ""), status: 413 },
  { name: "Content-Length over the limit with 100-continue", request: post("Content-Length: 17\r\nExpect: 100-continue\r\n", ""), status: 413, options: SMALL },
  // ---- Transfer-Encoding
  { name: "Transfer-Encoding and Content-Length", request: post("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", "0\r\n\r\n"), status: 400 },
  { name: "Content-Length and Transfer-Encoding", request: post("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n"), status: 400 },
  { name: "Transfer-Encoding on HTTP/1.0", request: "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", status: 400 },
  { name: "chunked not last", request: post("Transfer-Encoding: chunked, gzip\r\n", "0\r\n\r\n"), status: 400 },
  { name: "chunked twice", request: post("Transfer-Encoding: chunked, chunked\r\n", "0\r\n\r\n"), status: 400 },
  { name: "chunked twice in two fields", request: post("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n"), status: 400 },
  { name: "gzip alone (chunked is not the final coding)", request: post("Transfer-Encoding: gzip\r\n", ""), status: 400 },
  { name: "empty Transfer-Encoding", request: post("Transfer-Encoding: \r\n", ""), status: 400 },
  { name: "Transfer-Encoding with only commas", request: post("Transfer-Encoding: ,,\r\n", ""), status: 400 },
  { name: "chunked with a parameter", request: post("Transfer-Encoding: chunked;a=b\r\n", "0\r\n\r\n"), status: 400 },
  { name: "coding with inner space", request: post("Transfer-Encoding: chu nked\r\n", "0\r\n\r\n"), status: 400 },
  ...["gzip", "deflate", "compress", "identity", "x-custom", "br"].map((c) => ({
    name: `${c}, chunked`,
    request: post(`Transfer-Encoding: ${c}, chunked\r\n`, "0\r\n\r\n"),
    status: 501,
  })),
  { name: "gzip and chunked in two fields", request: post("Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n"), status: 501 },
  // ---- chunked body
  { name: "chunk size not hex", request: chunked("zz\r\n"), status: 400 },
  { name: "empty chunk size", request: chunked("\r\nabc\r\n0\r\n\r\n"), status: 400 },
  { name: "chunk size with a sign", request: chunked("-5\r\nhello\r\n0\r\n\r\n"), status: 400 },
  { name: "chunk size with 0x", request: chunked("0x5\r\nhello\r\n0\r\n\r\n"), status: 400 },
  // RFC 9112 section 7.1: a long hex numeral is still a size; one past 16 significant digits is larger than any body limit.
  { name: "chunk size with 17 significant hex digits", request: chunked("10000000000000005\r\nhello\r\n0\r\n\r\n"), status: 413 },
  { name: "chunk size with a trailing space and no extension", request: chunked("5 \r\nhello\r\n0\r\n\r\n"), status: 400 },
  { name: "chunk data longer than its size", request: chunked("5\r\nhelloX\r\n0\r\n\r\n"), status: 400 },
  { name: "chunk data not followed by CRLF", request: chunked("5\r\nhello0\r\n\r\n"), status: 400 },
  { name: "chunk data followed by a bare LF", request: chunked("5\r\nhello\n0\r\n\r\n"), status: 400 },
  { name: "chunk size line ending in a bare LF", request: chunked("5\nhello\r\n0\r\n\r\n"), status: 400 },
  { name: "last chunk line ending in a bare LF", request: chunked("0\n\r\n"), status: 400 },
  { name: "final CRLF replaced by a bare LF", request: chunked("0\r\n\n"), status: 400 },
  { name: "empty chunk extension", request: chunked("5;\r\nhello\r\n0\r\n\r\n"), status: 400 },
  { name: "chunk extension without a value after =", request: chunked("5;a=\r\nhello\r\n0\r\n\r\n"), status: 400 },
  { name: "chunk extension with an unterminated quote", request: chunked('5;a="b\r\nhello\r\n0\r\n\r\n'), status: 400 },
  { name: "chunk extension name with a bad char", request: chunked("5;a(b\r\nhello\r\n0\r\n\r\n"), status: 400 },
  { name: "chunk extension with NUL", request: chunked("5;a=b\x00\r\nhello\r\n0\r\n\r\n"), status: 400 },
  { name: "chunk size line with a bare CR", request: chunked("5\r;a\r\nhello\r\n0\r\n\r\n"), status: 400 },
  { name: "trailer without a colon", request: chunked("0\r\nBadTrailer\r\n\r\n"), status: 400 },
  { name: "trailer starting with SP", request: chunked("0\r\n X: y\r\n\r\n"), status: 400 },
  { name: "trailer with space before the colon", request: chunked("0\r\nX : y\r\n\r\n"), status: 400 },
  { name: "trailer value with NUL", request: chunked("0\r\nX: a\x00b\r\n\r\n"), status: 400 },
  { name: "trailer with a bare CR", request: chunked("0\r\nX: a\rb\r\n\r\n"), status: 400 },
  { name: "chunk larger than maxBodySize", request: chunked("11\r\n" + "x".repeat(17) + "\r\n0\r\n\r\n"), status: 413, options: SMALL },
  { name: "chunks adding up to more than maxBodySize", request: chunked("8\r\nxxxxxxxx\r\n8\r\nxxxxxxxx\r\n1\r\nx\r\n0\r\n\r\n"), status: 413, options: SMALL },
  { name: "too many trailer fields", request: chunked("0\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\nE: 5\r\n\r\n"), status: 431, options: SMALL },
  {
    // options.ts: maxHeaderCount is the most header fields in one request "(trailer fields count too)".
    name: "head fields plus trailer fields over maxHeaderCount",
    request: chunked("0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n"),
    status: 431,
    options: SMALL,
  },
  { name: "trailer section too large", request: chunked("0\r\nA: " + "x".repeat(300) + "\r\n\r\n"), status: 431, options: SMALL },
  // ---- Expect
  { name: "Expect: foo", request: withField("Expect: foo"), status: 417 },
  { name: "Expect: 100-continue, foo", request: post("Expect: 100-continue, foo\r\nContent-Length: 1\r\n", "a"), status: 417 },
  { name: "Expect: 100-continue twice", request: post("Expect: 100-continue\r\nExpect: 100-continue\r\nContent-Length: 1\r\n", "a"), status: 417 },
  { name: "Expect: 200-ok with a body", request: post("Expect: 200-ok\r\nContent-Length: 1\r\n", "a"), status: 417 },
  // ---- limits
  { name: "request line over maxRequestLine", request: get(`GET /${"a".repeat(60)} HTTP/1.1`), status: 414, options: SMALL },
  { name: "request line over maxRequestLine without its CRLF yet", request: `GET /${"a".repeat(80)}`, status: 414, options: SMALL },
  { name: "head over maxHeadSize", request: withField(`X: ${"v".repeat(250)}`), status: 431, options: SMALL },
  { name: "head over maxHeadSize without its end yet", request: `GET / HTTP/1.1\r\nX: ${"v".repeat(300)}`, status: 431, options: SMALL },
  { name: "more fields than maxHeaderCount", request: `GET / HTTP/1.1\r\n${H}A: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n`, status: 431, options: SMALL },
];

export interface GoodCase {
  name: string;
  /** The bytes of one or more (pipelined) requests, Latin-1. */
  request: string;
  /** Statuses of the final responses, in order. */
  statuses: number[];
  /** Indexes of the responses that answer HEAD requests (they carry no body). */
  heads?: number[];
  /** The server closes the connection after the last response. */
  closes: boolean;
  /** A body is malformed: its error shows as a status only when the app reads the body. */
  bodyError?: boolean;
  /**
   * With an app that does not read the body, the connection closes after this (first) request's
   * response: docs/interface.md, a 100-continue that was expected and never sent closes the connection.
   */
  unreadCloses?: boolean;
  options?: Partial<CoreOptions>;
}

export const VALID: GoodCase[] = [
  { name: "GET origin-form", request: get("GET / HTTP/1.1"), statuses: [200], closes: false },
  { name: "path and query", request: get("GET /a/b.txt?x=1&y=%20z HTTP/1.1"), statuses: [200], closes: false },
  { name: "percent-encoded path", request: get("GET /caf%C3%A9/%41%2f%25%e9 HTTP/1.1"), statuses: [200], closes: false },
  { name: "absolute-form", request: "GET http://other.example:8080/p?q=1 HTTP/1.1\r\nHost: example.com\r\n\r\n", statuses: [200], closes: false },
  { name: "asterisk-form OPTIONS", request: get("OPTIONS * HTTP/1.1"), statuses: [200], closes: false },
  { name: "HTTP/1.0 without Host", request: "GET /old HTTP/1.0\r\n\r\n", statuses: [200], closes: true },
  { name: "HTTP/1.0 keep-alive then another", request: "GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /b HTTP/1.0\r\n\r\n", statuses: [200, 200], closes: true },
  { name: "HTTP/1.7 is answered as 1.1", request: get("GET / HTTP/1.7"), statuses: [200], closes: false },
  { name: "leading empty lines", request: "\r\n\r\n" + get("GET / HTTP/1.1"), statuses: [200], closes: false },
  { name: "repeated and odd fields", request: `GET / HTTP/1.1\r\n${H}X-A: 1\r\nx-a:2 \r\nX_B: dropped\r\nX-C:\t\xe9t\xe9\t\r\nEmpty:\r\n\r\n`, statuses: [200], closes: false },
  { name: "POST with Content-Length", request: post("Content-Length: 11\r\nContent-Type: text/plain\r\n", "hello world"), statuses: [200], closes: false },
  { name: "POST with Content-Length 0", request: post("Content-Length: 0\r\n", ""), statuses: [200], closes: false },
  { name: "Content-Length with leading zeros (16 digits)", request: post("Content-Length: 0000000000000001\r\n", "a"), statuses: [200], closes: false },
  { name: "chunked with extensions and trailers", request: chunked('5;a=b;c="d e" ; f = g\r\nhello\r\n6\r\n world\r\nA\r\n0123456789\r\n0;x=y\r\nT-One: 1\r\nT-Two: \xe9\r\n\r\n'), statuses: [200], closes: false },
  { name: "chunked, upper-case hex and name", request: post("Transfer-Encoding: CHUNKED\r\n", "B\r\nhello world\r\n0\r\n\r\n"), statuses: [200], closes: false },
  { name: "Expect: 100-continue with a body", request: post("Expect: 100-Continue\r\nContent-Length: 4\r\n", "data"), statuses: [200], closes: false, unreadCloses: true },
  { name: "HEAD", request: get("HEAD /h HTTP/1.1"), statuses: [200], heads: [0], closes: false },
  { name: "Connection: close, then ignored bytes", request: get("GET / HTTP/1.1", `${H}Connection: close\r\n`) + get("GET /ignored HTTP/1.1"), statuses: [200], closes: true },
  {
    name: "three pipelined requests with bodies",
    request: post("Content-Length: 3\r\n", "abc") + chunked("3\r\ndef\r\n0\r\n\r\n") + get("GET /third?x HTTP/1.1"),
    statuses: [200, 200, 200],
    closes: false,
  },
  { name: "a valid request then a malformed one", request: get("GET /ok HTTP/1.1") + get("GET /bad HTTP/1.1", "Host: a\r\nX : y\r\n") + get("GET /never HTTP/1.1"), statuses: [200, 400], closes: true },
  { name: "a valid request then a bad chunked body", request: get("GET /ok HTTP/1.1") + chunked("5\r\nhelloXX0\r\n\r\n"), statuses: [200, 400], closes: true, bodyError: true },
  { name: "HTTP/2.0 after a valid request", request: get("GET /ok HTTP/1.1") + get("GET / HTTP/2.0"), statuses: [200, 505], closes: true },
  { name: "request line of exactly maxRequestLine bytes", request: get(`GET /${"a".repeat(50)} HTTP/1.1`), statuses: [200], closes: false, options: SMALL },
  { name: "head of exactly maxHeadSize bytes", request: `GET / HTTP/1.1\r\n${H}X: ${"v".repeat(256 - 16 - 19 - 5 - 2)}\r\n\r\n`, statuses: [200], closes: false, options: SMALL },
  { name: "exactly maxHeaderCount fields", request: `GET / HTTP/1.1\r\n${H}A: 1\r\nB: 2\r\nC: 3\r\n\r\n`, statuses: [200], closes: false, options: SMALL },
  { name: "body of exactly maxBodySize", request: post("Content-Length: 16\r\n", "x".repeat(16)), statuses: [200], closes: false, options: SMALL },
];

/**
 * Bytes that are not OWS (RFC 9110 section 5.6.3: OWS is SP and HTAB only) but that
 * String.prototype.trim(), `\s` or other languages' strip() treat as whitespace: NBSP (0xA0 as
 * Latin-1), VT, FF, NEL (0x85), the C0 separators FS and US, and the UTF-8 bytes of U+00A0, U+FEFF
 * and U+2028. `ctl`: a control byte, invalid anywhere in a field value (400 at once); the others
 * are obs-text, allowed in a field value, so the field's own grammar decides.
 */
export const NOT_OWS: readonly { name: string; b: string; ctl: boolean }[] = [
  { name: "0xA0", b: "\xa0", ctl: false },
  { name: "VT", b: "\x0b", ctl: true },
  { name: "FF", b: "\x0c", ctl: true },
  { name: "0x85", b: "\x85", ctl: false },
  { name: "FS", b: "\x1c", ctl: true },
  { name: "US", b: "\x1f", ctl: true },
  { name: "UTF-8 U+00A0", b: "\xc2\xa0", ctl: false },
  { name: "UTF-8 U+FEFF", b: "\xef\xbb\xbf", ctl: false },
  { name: "UTF-8 U+2028", b: "\xe2\x80\xa8", ctl: false },
];

/**
 * Requests whose only fault is a NOT_OWS byte where a parser that trims with trim() or `\s` would
 * see whitespace, with their exact status. A Transfer-Encoding that is not exactly `chunked` after
 * removing SP/HTAB has no final chunked coding: 400 (RFC 9112 section 6.3, rule 4), never a
 * chunked or a close-delimited reading.
 */
export const NOT_OWS_CASES: BadCase[] = NOT_OWS.flatMap(({ name, b, ctl }) => {
  const field = (status: number): number => (ctl ? 400 : status);
  return [
    // ---- Transfer-Encoding (the smuggling class)
    ...[`${b}chunked`, `chunked${b}`, `${b}chunked${b}`, ` ${b} chunked`, `chunked ${b}`, `chunked, ${b}`, `${b}, chunked`, `chunked${b};a=b`].map((te) => ({
      name: `Transfer-Encoding ${JSON.stringify(te)} (${name})`,
      request: post(`Transfer-Encoding: ${te}\r\n`, "0\r\n\r\n"),
      status: 400,
    })),
    { name: `Transfer-Encoding "gzip<${name}>, chunked"`, request: post(`Transfer-Encoding: gzip${b}, chunked\r\n`, "0\r\n\r\n"), status: 400 },
    { name: `Transfer-Encoding ${name} around chunked in a second field`, request: post(`Transfer-Encoding: ${b}\r\nTransfer-Encoding: chunked\r\n`, "0\r\n\r\n"), status: 400 },
    // ---- Content-Length
    ...[`${b}5`, `5${b}`, `${b}5${b}`, `5${b}5`].map((cl) => ({
      name: `Content-Length ${JSON.stringify(cl)} (${name})`,
      request: post(`Content-Length: ${cl}\r\n`, "hello"),
      status: 400,
    })),
    // ---- Expect: anything but exactly 100-continue is an expectation we cannot meet
    { name: `Expect "100-continue${name}"`, request: post(`Expect: 100-continue${b}\r\nContent-Length: 1\r\n`, "a"), status: field(417) },
    { name: `Expect "${name}100-continue"`, request: post(`Expect: ${b}100-continue\r\nContent-Length: 1\r\n`, "a"), status: field(417) },
    { name: `Expect "100-continue, ${name}"`, request: post(`Expect: 100-continue, ${b}\r\nContent-Length: 1\r\n`, "a"), status: field(417) },
    // ---- Host
    { name: `Host "${name}h"`, request: `GET / HTTP/1.1\r\nHost: ${b}h\r\n\r\n`, status: 400 },
    { name: `Host "h${name}"`, request: `GET / HTTP/1.1\r\nHost: h${b}\r\n\r\n`, status: 400 },
    // ---- the request line and field names
    { name: `${name} after the method`, request: get(`GET${b}/ HTTP/1.1`), status: 400 },
    { name: `${name} instead of SP after the method`, request: get(`GET${b}/${b}HTTP/1.1`), status: 400 },
    { name: `${name} after the target`, request: get(`GET /${b} HTTP/1.1`), status: 400 },
    { name: `${name} before the version`, request: get(`GET / ${b}HTTP/1.1`), status: 400 },
    { name: `${name} after the version`, request: get(`GET / HTTP/1.1${b}`), status: 400 },
    { name: `${name} before the method`, request: get(`${b}GET / HTTP/1.1`), status: 400 },
    { name: `${name} between a field name and its colon`, request: withField(`X-A${b}: 1`), status: 400 },
    { name: `${name} before a field name`, request: withField(`${b}X-A: 1`), status: 400 },
    // ---- chunked bodies: chunk-size lines, extensions, trailers
    ...[`5${b}`, `${b}5`, `5${b};a=b`, `5;${b}a=b`, `5;a${b}=b`, `5;a=${b}b`, `5;a=b${b}`, `5 ${b};a`].map((line) => ({
      name: `chunk-size line ${JSON.stringify(line)} (${name})`,
      request: chunked(`${line}\r\nhello\r\n0\r\n\r\n`),
      status: 400,
    })),
    { name: `last-chunk line "0${name}"`, request: chunked(`0${b}\r\n\r\n`), status: 400 },
    { name: `trailer name followed by ${name}`, request: chunked(`0\r\nT${b}: v\r\n\r\n`), status: 400 },
    { name: `trailer line starting with ${name}`, request: chunked(`0\r\n${b}T: v\r\n\r\n`), status: 400 },
  ];
});
