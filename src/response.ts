// Response heads: validates what the app passes to startResponse (PEP 3333 plus RFC 9110 syntax) and
// serialises status line and fields to bytes; also builds the server's own error responses.
// Must never decide framing or keep-alive (exchange.ts does) and never write to a transport.

import { isToken } from "./chars.ts";
import { allocBytes, encodeLatin1, writeLatin1 } from "./bytes.ts";
import { reasonFor } from "./status.ts";

/** Headers an app must not set (PEP 3333: hop-by-hop; RFC 9110 section 7.6.1). */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer", "trailers", "transfer-encoding", "upgrade"]);

/** "NNN reason": a final status (200-599); the reason may be empty but has no control characters. */
const STATUS = /^[2-5][0-9][0-9] [^\x00-\x08\x0a-\x1f\x7f\u0100-\uffff]*$/;
/** Field value characters: HTAB, SP, VCHAR, obs-text (Latin-1 only). */
const BAD_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

/** What startResponse accepted, with its status line and fields already encoded. */
export interface ResponseStart {
  status: string;
  code: number;
  /** The app's Content-Length, or -1. */
  contentLength: number;
  hasDate: boolean;
  hasServer: boolean;
  /** "HTTP/1.1 <status>\r\n" and the app's fields, as bytes. */
  prefix: Uint8Array;
  /** The last complete head built from this start, and what it was built with (see encodeHead). */
  last: { contentLength: number; a: Uint8Array | null; b: Uint8Array | null; c: Uint8Array | null; head: Uint8Array } | null;
}


// Apps answer most requests with the same few status/header combinations: remember the last few
// accepted ones (compared string by string) so a repeat costs neither validation nor encoding.
const CACHE_SIZE = 16;
const cache: { status: string; flat: string[]; start: ResponseStart }[] = [];
let cacheNext = 0;

function cached(status: string, headers: unknown[]): ResponseStart | null {
  for (let e = 0; e < cache.length; e++) {
    const entry = cache[e]!;
    if (entry.status !== status || entry.flat.length !== headers.length * 2) continue;
    const flat = entry.flat;
    let i = 0;
    for (; i < headers.length; i++) {
      const h = headers[i] as unknown[];
      if (!Array.isArray(h) || h.length !== 2 || h[0] !== flat[2 * i] || h[1] !== flat[2 * i + 1]) break;
    }
    if (i === headers.length) return entry.start;
  }
  return null;
}

/** Validates startResponse's arguments; throws a TypeError that names the problem. */
export function validateStart(status: unknown, headers: unknown): ResponseStart {
  if (typeof status === "string" && Array.isArray(headers)) {
    const hit = cached(status, headers);
    if (hit !== null) return hit;
  }
  if (typeof status !== "string" || !STATUS.test(status)) {
    throw new TypeError(`startResponse: invalid status ${JSON.stringify(status)}: expected "NNN Reason" with NNN from 200 to 599`);
  }
  if (!Array.isArray(headers)) throw new TypeError("startResponse: headers must be an array of [name, value] pairs");
  let contentLength = -1;
  let hasDate = false;
  let hasServer = false;
  const flat: string[] = [];
  let text = "HTTP/1.1 " + status + "\r\n";
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
    flat.push(name, value);
    text += name + ": " + value + "\r\n";
  }
  const prefix = new Uint8Array(text.length);
  writeLatin1(text, prefix, 0);
  const code = (status.charCodeAt(0) - 48) * 100 + (status.charCodeAt(1) - 48) * 10 + (status.charCodeAt(2) - 48);
  const start: ResponseStart = { status, code, contentLength, hasDate, hasServer, prefix, last: null };
  const entry = { status, flat, start };
  if (cache.length < CACHE_SIZE) cache.push(entry);
  else cache[cacheNext] = entry;
  cacheNext = (cacheNext + 1) % CACHE_SIZE;
  return start;
}

const CONTENT_LENGTH = encodeLatin1("Content-Length: ");

/**
 * A response head as bytes followed by `tail` bytes of room (the caller fills them): the app's
 * status line and fields, then Content-Length (when `contentLength` >= 0) and the given
 * pre-encoded server fields (each ending in CRLF; null to omit), then the empty line.
 */
export function encodeHead(
  start: ResponseStart,
  contentLength: number,
  a: Uint8Array | null,
  b: Uint8Array | null,
  c: Uint8Array | null,
  tail: number,
): Uint8Array {
  // The same start answered the same way (the server fields' bytes change once a second) gives the
  // same head: copy the one built last time instead of building it again.
  const last = start.last;
  if (last !== null && last.contentLength === contentLength && last.a === a && last.b === b && last.c === c) {
    const head = last.head;
    const out = allocBytes(head.length + tail);
    out.set(head, 0);
    return out;
  }
  const prefix = start.prefix;
  const digits = contentLength >= 0 ? String(contentLength) : "";
  const n = prefix.length + (contentLength >= 0 ? 18 + digits.length : 0) + (a?.length ?? 0) + (b?.length ?? 0) + (c?.length ?? 0) + 2;
  const out = new Uint8Array(n + tail);
  out.set(prefix, 0);
  let o = prefix.length;
  if (contentLength >= 0) {
    out.set(CONTENT_LENGTH, o);
    o += 16;
    for (let i = 0; i < digits.length; i++) out[o++] = digits.charCodeAt(i);
    out[o++] = 13;
    out[o++] = 10;
  }
  if (a !== null) {
    out.set(a, o);
    o += a.length;
  }
  if (b !== null) {
    out.set(b, o);
    o += b.length;
  }
  if (c !== null) {
    out.set(c, o);
    o += c.length;
  }
  out[o++] = 13;
  out[o] = 10;
  start.last = { contentLength, a, b, c, head: out.slice(0, n) };
  return out;
}

/** A complete response the server sends on its own (errors): text body, Connection: close. */
export function errorResponse(status: number, detail: string, dateAndServer: string, omitBody = false): Uint8Array {
  const reason = reasonFor(status);
  const body = `${status} ${reason}: ${detail}\n`;
  const s =
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\n` +
    `Connection: close\r\n${dateAndServer}\r\n${omitBody ? "" : body}`;
  const out = new Uint8Array(s.length);
  writeLatin1(s, out, 0);
  return out;
}
