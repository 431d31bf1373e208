// The responses the server sends on its own (RFC 9110 section 15): a status with a short text/plain
// body and Connection: close, and the reason phrases for those statuses.
// Must never be used to validate an app's status (apps may send any reason phrase) and never
// reveal more of an error than its fixed detail phrase.

import { encodeLatin1 } from "./bytes.ts";

export const REASONS: Readonly<Record<number, string>> = {
  100: "Continue",
  400: "Bad Request",
  408: "Request Timeout",
  413: "Content Too Large",
  414: "URI Too Long",
  417: "Expectation Failed",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  501: "Not Implemented",
  503: "Service Unavailable",
  505: "HTTP Version Not Supported",
};

export function reasonFor(status: number): string {
  return REASONS[status] ?? "Error";
}

/** `HTTP/1.1 100 Continue` and its empty line. */
export const CONTINUE = encodeLatin1("HTTP/1.1 100 Continue\r\n\r\n");

/**
 * A complete error response: status line, Content-Type, Content-Length, Connection: close, the
 * server's own fields (`serverFields`: pre-encoded lines, or null), then the body unless `omitBody`
 * (the request was HEAD).
 */
export function errorResponse(status: number, detail: string, serverFields: Uint8Array | null, omitBody: boolean): Uint8Array {
  const reason = reasonFor(status);
  const body = `${status} ${reason}: ${detail}\n`;
  const top = encodeLatin1(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\nConnection: close\r\n`,
  );
  const tail = encodeLatin1(omitBody ? "\r\n" : "\r\n" + body);
  const fields = serverFields ?? new Uint8Array(0);
  const out = new Uint8Array(top.length + fields.length + tail.length);
  out.set(top, 0);
  out.set(fields, top.length);
  out.set(tail, top.length + fields.length);
  return out;
}
