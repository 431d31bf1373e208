// Strict request parsing on every runtime: every malformed case in docs/interface.md gets its exact
// status in the server's error shape (Connection: close, body "<code> <reason>: <detail>\n") and
// the socket is closed afterwards with nothing more sent. A few near-misses that must be accepted
// are checked too, so a server that rejects everything cannot pass.
// It must never send anything after the bad bytes unless testing that it is ignored.
import { describe, expect, test } from "vitest";
import { expectRejected } from "../helpers/expect.ts";
import { RawClient, get, text } from "../helpers/raw.ts";
import { RUNTIMES, useServer } from "../helpers/server.ts";

const APP = "test/apps/body.ts";

const H = "Host: h\r\n";

/** [description, exact request bytes (Latin-1), expected status] */
type Case = [string, string, number];

const requestLine: Case[] = [
  ["two spaces after the method", `GET  /whole HTTP/1.1\r\n${H}\r\n`, 400],
  ["two spaces before the version", `GET /whole  HTTP/1.1\r\n${H}\r\n`, 400],
  ["a space after the version", `GET /whole HTTP/1.1 \r\n${H}\r\n`, 400],
  ["a tab as separator", `GET\t/whole HTTP/1.1\r\n${H}\r\n`, 400],
  ["a leading space", ` GET /whole HTTP/1.1\r\n${H}\r\n`, 400],
  ["a method with a non-token char", `GE(T /whole HTTP/1.1\r\n${H}\r\n`, 400],
  ["a method with a quote", `GE"T /whole HTTP/1.1\r\n${H}\r\n`, 400],
  ["no target", `GET HTTP/1.1\r\n${H}\r\n`, 400],
  ["only a method", `GET\r\n${H}\r\n`, 400],
  ["bare LF after the request line", `GET /whole HTTP/1.1\n${H}\r\n`, 400],
  ["bare LF after a header", `GET /whole HTTP/1.1\r\nHost: h\nX-A: b\r\n\r\n`, 400],
  ["bare LF as the empty line", `GET /whole HTTP/1.1\r\n${H}\n`, 400],
  ["LF-only head", `GET /whole HTTP/1.1\nHost: h\n\n`, 400],
  ["bare CR in the request line", `GET /whole HTTP/1.1\rHost: h\r\n\r\n`, 400],
  ["bare CR in a header value", `GET /whole HTTP/1.1\r\nHost: h\r\nX-A: a\rb\r\n\r\n`, 400],
];

const versions: Case[] = [
  ["HTTP/2.0", `GET /whole HTTP/2.0\r\n${H}\r\n`, 505],
  ["HTTP/0.9", `GET /whole HTTP/0.9\r\n${H}\r\n`, 505],
  ["HTTP/3.0", `GET /whole HTTP/3.0\r\n${H}\r\n`, 505],
  ["HTTP/1", `GET /whole HTTP/1\r\n${H}\r\n`, 400],
  ["HTTP/1.10", `GET /whole HTTP/1.10\r\n${H}\r\n`, 400],
  ["HTTP/10.0", `GET /whole HTTP/10.0\r\n${H}\r\n`, 400],
  ["http/1.1 (lower case)", `GET /whole http/1.1\r\n${H}\r\n`, 400],
  ["HTTP/1.a", `GET /whole HTTP/1.a\r\n${H}\r\n`, 400],
  ["HTTPS/1.1", `GET /whole HTTPS/1.1\r\n${H}\r\n`, 400],
  ["HTTP/1.1x", `GET /whole HTTP/1.1x\r\n${H}\r\n`, 400],
  ["HTTP/1.2 without Host (treated as 1.1)", `GET /whole HTTP/1.2\r\n\r\n`, 400],
];

const targets: Case[] = [
  ["asterisk-form with GET", `GET * HTTP/1.1\r\n${H}\r\n`, 400],
  ["CONNECT", `CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n`, 501],
  ["authority-form with GET", `GET www.example.com:80 HTTP/1.1\r\n${H}\r\n`, 400],
  ["a relative path", `GET whole HTTP/1.1\r\n${H}\r\n`, 400],
  ["a query only", `GET ?q=1 HTTP/1.1\r\n${H}\r\n`, 400],
  ...['"', "<", ">", "\\", "^", "`", "{", "|", "}", "#", "\xe9", "\x7f", "\x01"].map(
    (ch): Case => [`target char ${JSON.stringify(ch)}`, `GET /a${ch}b HTTP/1.1\r\n${H}\r\n`, 400],
  ),
  ["bad escape %zz", `GET /a%zz HTTP/1.1\r\n${H}\r\n`, 400],
  ["bad escape %4 at the end", `GET /a%4 HTTP/1.1\r\n${H}\r\n`, 400],
  ["bad escape % at the end", `GET /a% HTTP/1.1\r\n${H}\r\n`, 400],
  ["bad escape %g1", `GET /a%g1 HTTP/1.1\r\n${H}\r\n`, 400],
  ["bad escape in the query", `GET /a?q=%x1 HTTP/1.1\r\n${H}\r\n`, 400],
];

const headers: Case[] = [
  ["space between name and colon", `GET /whole HTTP/1.1\r\nHost: h\r\nX-A : b\r\n\r\n`, 400],
  ["tab between name and colon", `GET /whole HTTP/1.1\r\nHost: h\r\nX-A\t: b\r\n\r\n`, 400],
  ["Host with a space before the colon", `GET /whole HTTP/1.1\r\nHost : h\r\n\r\n`, 400],
  ["obs-fold with a space", `GET /whole HTTP/1.1\r\nHost: h\r\nX-A: b\r\n c\r\n\r\n`, 400],
  ["obs-fold with a tab", `GET /whole HTTP/1.1\r\nHost: h\r\nX-A: b\r\n\tc\r\n\r\n`, 400],
  ["whitespace before the first header", `GET /whole HTTP/1.1\r\n Host: h\r\n\r\n`, 400],
  ["a line without a colon", `GET /whole HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n`, 400],
  ["an empty header name", `GET /whole HTTP/1.1\r\nHost: h\r\n: v\r\n\r\n`, 400],
  ["a name with a non-token char", `GET /whole HTTP/1.1\r\nHost: h\r\nX(A): v\r\n\r\n`, 400],
  ["a name with a space", `GET /whole HTTP/1.1\r\nHost: h\r\nX A: v\r\n\r\n`, 400],
  ...["\x00", "\x01", "\x1f", "\x7f"].map((ch): Case => [`value with ${JSON.stringify(ch)}`, `GET /whole HTTP/1.1\r\nHost: h\r\nX-A: a${ch}b\r\n\r\n`, 400]),
];

const host: Case[] = [
  ["HTTP/1.1 without Host", `GET /whole HTTP/1.1\r\nX-A: b\r\n\r\n`, 400],
  ["HTTP/1.1 absolute-form without Host", `GET http://h/whole HTTP/1.1\r\n\r\n`, 400],
  ["two Host fields", `GET /whole HTTP/1.1\r\nHost: h\r\nHost: h\r\n\r\n`, 400],
  ["two different Host fields", `GET /whole HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n`, 400],
  ["Host with a space inside", `GET /whole HTTP/1.1\r\nHost: a b\r\n\r\n`, 400],
  ["Host with a slash", `GET /whole HTTP/1.1\r\nHost: a/b\r\n\r\n`, 400],
  ["Host with a non-digit port", `GET /whole HTTP/1.1\r\nHost: a:b\r\n\r\n`, 400],
  ["Host with userinfo", `GET /whole HTTP/1.1\r\nHost: u@a\r\n\r\n`, 400],
  ["Host with an unclosed IPv6 literal", `GET /whole HTTP/1.1\r\nHost: [::1\r\n\r\n`, 400],
];

const contentLength: Case[] = [
  ["Content-Length twice (equal)", `POST /whole HTTP/1.1\r\n${H}Content-Length: 3\r\nContent-Length: 3\r\n\r\nabc`, 400],
  ["Content-Length twice (different)", `POST /whole HTTP/1.1\r\n${H}Content-Length: 3\r\nContent-Length: 4\r\n\r\nabc`, 400],
  ["Content-Length list", `POST /whole HTTP/1.1\r\n${H}Content-Length: 3, 3\r\n\r\nabc`, 400],
  ...["+3", "-3", "3 3", "0x3", "3a", "3.0", ""].map(
    (v): Case => [`Content-Length ${JSON.stringify(v)}`, `POST /whole HTTP/1.1\r\n${H}Content-Length: ${v}\r\n\r\nabc`, 400],
  ),
  ["Content-Length of 15 digits (over the body limit)", `POST /whole HTTP/1.1\r\n${H}Content-Length: 999999999999999\r\n\r\n`, 413],
  // RFC 9110 section 8.6: a length too long to represent is still a length, larger than any limit.
  ["Content-Length of 16 digits", `POST /whole HTTP/1.1\r\n${H}Content-Length: 1234567890123456\r\n\r\nabc`, 413],
];

const CHUNKED_BODY = "3\r\nabc\r\n0\r\n\r\n";
const transferEncoding: Case[] = [
  ["Transfer-Encoding and Content-Length", `POST /whole HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nContent-Length: 14\r\n\r\n${CHUNKED_BODY}`, 400],
  ["Transfer-Encoding on HTTP/1.0", `POST /whole HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n${CHUNKED_BODY}`, 400],
  ["chunked twice in one field", `POST /whole HTTP/1.1\r\n${H}Transfer-Encoding: chunked, chunked\r\n\r\n${CHUNKED_BODY}`, 400],
  ["chunked in two fields", `POST /whole HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n${CHUNKED_BODY}`, 400],
  ["chunked not last", `POST /whole HTTP/1.1\r\n${H}Transfer-Encoding: chunked, gzip\r\n\r\n${CHUNKED_BODY}`, 400],
  ...["gzip", "deflate", "compress", "identity", "x-custom"].map(
    (c): Case => [`${c}, chunked`, `POST /whole HTTP/1.1\r\n${H}Transfer-Encoding: ${c}, chunked\r\n\r\n${CHUNKED_BODY}`, 501],
  ),
];

function chunked(body: string): string {
  return `POST /whole HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n${body}`;
}

const chunkedBodies: Case[] = [
  ["size 0x3", chunked("0x3\r\nabc\r\n0\r\n\r\n"), 400],
  ["size not hex", chunked("g\r\nabc\r\n0\r\n\r\n"), 400],
  ["empty size line", chunked("\r\nabc\r\n0\r\n\r\n"), 400],
  ["negative size", chunked("-3\r\nabc\r\n0\r\n\r\n"), 400],
  ["space inside the size", chunked("3 3\r\nabc\r\n0\r\n\r\n"), 400],
  ["17 significant hex digits (larger than any body limit)", chunked("10000000000000003\r\nabc\r\n0\r\n\r\n"), 413],
  ["data longer than the size", chunked("3\r\nabcd\r\n0\r\n\r\n"), 400],
  ["data not followed by CRLF", chunked("3\r\nabcX\r\n0\r\n\r\n"), 400],
  ["bare LF after the size", chunked("3\nabc\r\n0\r\n\r\n"), 400],
  ["bare LF after the data", chunked("3\r\nabc\n0\r\n\r\n"), 400],
  ["empty extension name", chunked("3;\r\nabc\r\n0\r\n\r\n"), 400],
  ["extension with an empty value", chunked("3;a=\r\nabc\r\n0\r\n\r\n"), 400],
  ["extension value with a space", chunked("3;a=b c\r\nabc\r\n0\r\n\r\n"), 400],
  ["unterminated quoted extension", chunked('3;a="x\r\nabc\r\n0\r\n\r\n'), 400],
  ["trailer without a colon", chunked("3\r\nabc\r\n0\r\nbad trailer\r\n\r\n"), 400],
  ["trailer with a space before the colon", chunked("3\r\nabc\r\n0\r\nX-T : v\r\n\r\n"), 400],
  ["trailer obs-fold", chunked("3\r\nabc\r\n0\r\nX-T: v\r\n w\r\n\r\n"), 400],
  ["trailer value with NUL", chunked("3\r\nabc\r\n0\r\nX-T: a\x00b\r\n\r\n"), 400],
  ["bare LF ending the trailers", chunked("3\r\nabc\r\n0\r\nX-T: v\r\n\n"), 400],
];

describe.each(RUNTIMES)("strict parsing (%s)", (runtime) => {
  const server = useServer(runtime, APP);

  describe.each([
    ["request line", requestLine],
    ["version", versions],
    ["target", targets],
    ["header field", headers],
    ["Host", host],
    ["Content-Length", contentLength],
    ["Transfer-Encoding", transferEncoding],
    ["chunked body", chunkedBodies],
  ] as [string, Case[]][])("%s", (_group, cases) => {
    test.each(cases)("%s -> %i", async (_name, request, code) => {
      await expectRejected(server().port, request, code);
    });
  });

  // Near misses that are valid: a server rejecting everything fails these.
  test.each([
    ["HTTP/1.2 with Host is served as 1.1", `GET /whole HTTP/1.2\r\nHost: h\r\n\r\n`],
    ["HTTP/1.0 without Host", `GET /whole HTTP/1.0\r\n\r\n`],
    ["Host as an IPv6 literal with port", `GET /whole HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n`],
    ["Host with a port", `GET /whole HTTP/1.1\r\nHost: a.b-c.example:0\r\n\r\n`],
    ["OWS around a Content-Length", `POST /whole HTTP/1.1\r\nHost: h\r\nContent-Length: \t3 \r\n\r\nabc`],
    ["16 hex digits chunk size", chunked("0000000000000003\r\nabc\r\n0\r\n\r\n")],
    ["a chunk size padded with zeros past 16 digits", chunked("000000000000000000003\r\nabc\r\n0\r\n\r\n")],
    ["a Content-Length padded with zeros past 15 digits", `POST /whole HTTP/1.1\r\nHost: h\r\nContent-Length: 00000000000000003\r\n\r\nabc`],
    ["sub-delims and : @ in the target", `GET /whole/!$&'()*+,;=:@-._~?a=/?:@ HTTP/1.1\r\nHost: h\r\n\r\n`],
    ["a token method with odd chars", `M-!#$%&'*+.^_\`|~ /whole HTTP/1.1\r\nHost: h\r\n\r\n`],
  ])("accepted: %s", async (_name, request) => {
    const c = await RawClient.connect(server().port);
    const res = await c.request(request);
    expect(res.status, text(res)).toBe(200);
  });

  test("nothing after a bad request is read: only the error, then close", async () => {
    const c = await RawClient.connect(server().port);
    await c.write(`GET /whole HTTP/1.1\r\nX A: b\r\n\r\n` + get("/whole") + get("/whole"));
    const res = await c.readResponse();
    expect(res.status).toBe(400);
    const closed = await c.untilClosed();
    expect(closed.rest.length).toBe(0);
  });
});
