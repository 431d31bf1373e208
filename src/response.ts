// Response heads: validates what the app passes to startResponse (PEP 3333 plus RFC 9110 syntax) and
// serialises status line and fields to bytes; also builds the server's own error responses.
// Must never decide framing or keep-alive (exchange.ts does) and never write to a transport.

import type { Header } from "./types.ts";
import { TCHAR } from "./chars.ts";
import { writeLatin1 } from "./bytes.ts";
import { reasonFor } from "./status.ts";

/** Headers an app must not set (PEP 3333: hop-by-hop; RFC 9110 section 7.6.1). */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer", "trailers", "transfer-encoding", "upgrade"]);

/** "NNN reason": a final status (200-599); the reason may be empty but has no control characters. */
const STATUS = /^[2-5][0-9][0-9] [^\x00-\x08\x0a-\x1f\x7f\u0100-\uffff]*$/;
/** Field value characters: HTAB, SP, VCHAR, obs-text (Latin-1 only). */
const BAD_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

/** What startResponse accepted. */
export interface ResponseStart {
  status: string;
  code: number;
  headers: Header[];
  /** The app's Content-Length, or -1. */
  contentLength: number;
  hasDate: boolean;
  hasServer: boolean;
}

function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (TCHAR[s.charCodeAt(i)] !== 1) return false;
  return true;
}

/** Validates startResponse's arguments; throws a TypeError that names the problem. */
export function validateStart(status: unknown, headers: unknown): ResponseStart {
  if (typeof status !== "string" || !STATUS.test(status)) {
    throw new TypeError(`startResponse: invalid status ${JSON.stringify(status)}: expected "NNN Reason" with NNN from 200 to 599`);
  }
  if (!Array.isArray(headers)) throw new TypeError("startResponse: headers must be an array of [name, value] pairs");
  let contentLength = -1;
  let hasDate = false;
  let hasServer = false;
  for (const h of headers as unknown[]) {
    if (!Array.isArray(h) || h.length !== 2 || typeof h[0] !== "string" || typeof h[1] !== "string") {
      throw new TypeError(`startResponse: header ${JSON.stringify(h)} is not a [name, value] pair of strings`);
    }
    const name = h[0];
    const value = h[1];
    if (!isToken(name)) throw new TypeError(`startResponse: invalid header name ${JSON.stringify(name)}`);
    if (BAD_VALUE.test(value)) throw new TypeError(`startResponse: header ${name} has a control or non-Latin-1 character in its value`);
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower)) throw new TypeError(`startResponse: hop-by-hop header ${name} is not allowed (the server manages connections)`);
    if (lower === "content-length") {
      if (contentLength !== -1) throw new TypeError("startResponse: more than one Content-Length header");
      if (!/^[0-9]{1,15}$/.test(value)) throw new TypeError(`startResponse: invalid Content-Length ${JSON.stringify(value)}`);
      contentLength = Number(value);
    } else if (lower === "date") hasDate = true;
    else if (lower === "server") hasServer = true;
  }
  return { status, code: (status.charCodeAt(0) - 48) * 100 + (status.charCodeAt(1) - 48) * 10 + (status.charCodeAt(2) - 48), headers: headers as Header[], contentLength, hasDate, hasServer };
}

/**
 * The head as bytes, with `tail` more bytes of room after it: "HTTP/1.1 status", the app's
 * fields, then `extra` (the server's own fields, each ending in CRLF), then the empty line.
 * Returns the array and the offset where the tail goes.
 */
export function encodeHead(start: ResponseStart, extra: string, tail: number): { bytes: Uint8Array; offset: number } {
  let s = "HTTP/1.1 " + start.status + "\r\n";
  const h = start.headers;
  for (let i = 0; i < h.length; i++) s += h[i]![0] + ": " + h[i]![1] + "\r\n";
  s += extra + "\r\n";
  const bytes = new Uint8Array(s.length + tail);
  const offset = writeLatin1(s, bytes, 0);
  return { bytes, offset };
}

/** A complete response the server sends on its own (errors): text body, Connection: close. */
export function errorResponse(status: number, detail: string, dateAndServer: string): Uint8Array {
  const reason = reasonFor(status);
  const body = `${status} ${reason}: ${detail}\n`;
  const s =
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\n` +
    `Connection: close\r\n${dateAndServer}\r\n${body}`;
  const out = new Uint8Array(s.length);
  writeLatin1(s, out, 0);
  return out;
}
