// Shared assertions for integration tests: the exact shape of a response the server generates
// itself (docs/interface.md section 11), the Date format, and "send this,
// get that error, then the socket closes". It must never relax what docs/interface.md specifies.
import { expect } from "vitest";
import { type HttpResponse, RawClient, header, headerNames, show, text } from "./raw.ts";

import { REASONS } from "./reasons.ts";

export { REASONS };

/** IMF-fixdate, the only Date format a server may send. */
export const IMF_FIXDATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

/** Assert `res` is the server's own error response for `code`, in the exact documented shape. */
export function expectErrorShape(res: HttpResponse, code: number): void {
  const reason = REASONS[code];
  const context = `response was ${show(res.raw)}`;
  expect(res.statusLine, context).toBe(`HTTP/1.1 ${code} ${reason}`);
  expect(headerNames(res), context).toEqual(["content-type", "content-length", "connection", "date", "server"]);
  expect(header(res, "content-type")).toBe("text/plain; charset=utf-8");
  expect(header(res, "connection")).toBe("close");
  expect(header(res, "server")).toBe("tsgi");
  expect(header(res, "date")).toMatch(IMF_FIXDATE);
  expect(res.framing).toBe("length");
  expect(text(res), context).toMatch(new RegExp(`^${code} ${reason}: [^\\n]+\\n$`));
}

/**
 * On a fresh connection: send `request` (optionally in pieces), expect exactly the error response
 * `code` and then the server closing the connection with nothing more.
 */
export async function expectRejected(port: number, request: string | Uint8Array, code: number): Promise<HttpResponse> {
  const c = await RawClient.connect(port);
  try {
    await c.write(request);
    return await expectErrorThenClose(c, code);
  } finally {
    c.destroy();
  }
}

/** Read the next response on `c`: the error `code`, then the connection closes with no more bytes. */
export async function expectErrorThenClose(c: RawClient, code: number): Promise<HttpResponse> {
  const res = await c.readResponse();
  expectErrorShape(res, code);
  const closed = await c.untilClosed();
  expect(closed.rest.length, `bytes after the error response: ${show(closed.rest)}`).toBe(0);
  return res;
}

/** Assert a normal (app) response carries Date and Server: tsgi as the last two headers. */
export function expectServerHeadersLast(res: HttpResponse): void {
  const names = headerNames(res);
  expect(names.slice(-2)).toEqual(["date", "server"]);
  expect(header(res, "server")).toBe("tsgi");
  expect(header(res, "date")).toMatch(IMF_FIXDATE);
}
