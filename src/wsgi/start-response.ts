// What an application passes to startResponse (PEP 3333 "The start_response() Callable", with
// RFC 9110's syntax for status and fields), checked at once and turned into a ResponseHead the HTTP
// layer can send. Accepted combinations are remembered per server: apps answer most requests with
// the same few, and a repeat then costs neither checking nor encoding.
// Must never send anything, and never accept what the HTTP layer could not send as given.

import { isToken } from "../http/chars.ts";
import { encodePrefix } from "../http/response-head.ts";
import type { ResponseHead } from "../http/response-writer.ts";

/** Headers an app must not set (PEP 3333: hop-by-hop; RFC 9110 section 7.6.1). */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer", "trailers", "transfer-encoding", "upgrade"]);

/** "NNN reason": a final status (200-599); the reason may be empty but has no control characters. */
const STATUS = /^[2-5][0-9][0-9] [^\x00-\x08\x0a-\x1f\x7f\u0100-\uffff]*$/;
/** Field value characters: HTAB, SP, VCHAR, obs-text (Latin-1 only). */
const BAD_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

/** What startResponse accepted: the head the HTTP layer sends, and its status text. */
export interface ResponseStart extends ResponseHead {
  readonly status: string;
  /** The header names and values, flattened, as given (a copy: the app may change its array). */
  readonly fields: readonly string[];
}

/** Checks startResponse's arguments; throws a TypeError that names the problem. */
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
  const code = (status.charCodeAt(0) - 48) * 100 + (status.charCodeAt(1) - 48) * 10 + (status.charCodeAt(2) - 48);
  const prefix = encodePrefix(status, headers as [string, string][]);
  const fields: string[] = [];
  for (const [name, value] of headers as [string, string][]) fields.push(name, value);
  return { status, code, contentLength, hasDate, hasServer, prefix, last: null, fields };
}

/** How many accepted status/header combinations a server remembers. */
const REMEMBERED = 16;

interface Remembered {
  status: string;
  /** The header names and values, flattened, as given. */
  flat: readonly string[];
  start: ResponseStart;
}

/** The last few accepted startResponse arguments of one server, compared string by string. */
export class StartCache {
  private readonly entries: Remembered[] = [];
  private next = 0;

  /** The ResponseStart for these arguments: remembered, or checked now (throws a TypeError). */
  get(status: unknown, headers: unknown): ResponseStart {
    if (typeof status === "string" && Array.isArray(headers)) {
      const hit = this.find(status, headers);
      if (hit !== null) return hit;
    }
    const start = validateStart(status, headers);
    const entry = { status: start.status, flat: start.fields, start };
    if (this.entries.length < REMEMBERED) this.entries.push(entry);
    else this.entries[this.next] = entry;
    this.next = (this.next + 1) % REMEMBERED;
    return start;
  }

  private find(status: string, headers: unknown[]): ResponseStart | null {
    for (let e = 0; e < this.entries.length; e++) {
      const entry = this.entries[e]!;
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
}
