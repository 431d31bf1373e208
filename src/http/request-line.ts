// The request line (RFC 9112 section 3): method SP request-target SP HTTP-version CRLF, and the
// four forms of request-target (origin, absolute, authority, asterisk) with the path percent-decoded
// into a Latin-1 string. Must never accept a byte RFC 9112 does not allow there, and never throw
// anything but HttpError.

import { CR, HEX_VALUE, LF, SP, TARGET, TCHAR } from "./chars.ts";
import { latin1 } from "./bytes.ts";
import type { InternTable } from "./intern.ts";
import type { HeadLimits } from "./limits.ts";
import { validHost } from "./host.ts";
import { HttpError } from "../errors.ts";

export interface RequestLine {
  method: string;
  /** The request-target exactly as sent. */
  rawTarget: string;
  /** Percent-decoded path as a Latin-1 string ("*" for asterisk-form). */
  path: string;
  /** The raw query ("" when none). */
  query: string;
  /** 1 for HTTP/1.1 (and later 1.x), 0 for HTTP/1.0. */
  minor: number;
  /** The authority of an absolute-form target, else null. */
  authority: string | null;
  /** Index just past the request line's CRLF. */
  end: number;
}

const ABSOLUTE_FORM = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?]*)/;

/** Parses the request line starting at buf[start]; the head is complete (the scanner found its end). */
export function parseRequestLine(buf: Uint8Array, start: number, limits: HeadLimits, strings: InternTable<string>): RequestLine {
  let i = start;
  while (TCHAR[buf[i]!] === 1) i++;
  if (i === start || buf[i] !== SP) throw new HttpError(400, "malformed request line: bad method");
  const method = strings.get(buf, start, i);
  const targetStart = ++i;
  let hasPct = false;
  let hasBracket = false;
  for (;;) {
    const c = buf[i]!;
    if (TARGET[c] === 1) i++;
    else if (c === 0x5b || c === 0x5d) {
      hasBracket = true; // only valid in an absolute-form authority (an IPv6 literal): checked below
      i++;
    } else if (c === 0x25) {
      if (HEX_VALUE[buf[i + 1]!] === 255 || HEX_VALUE[buf[i + 2]!] === 255) throw new HttpError(400, "malformed percent-encoding in request target");
      hasPct = true;
      i += 3;
    } else break;
  }
  const targetEnd = i;
  if (targetEnd === targetStart || buf[i] !== SP) throw new HttpError(400, "malformed request line: bad request target");
  i++;
  // version: exactly HTTP/D.D then CRLF
  if (
    buf[i] !== 0x48 || buf[i + 1] !== 0x54 || buf[i + 2] !== 0x54 || buf[i + 3] !== 0x50 || buf[i + 4] !== 0x2f ||
    !(buf[i + 5]! >= 0x30 && buf[i + 5]! <= 0x39) || buf[i + 6] !== 0x2e || !(buf[i + 7]! >= 0x30 && buf[i + 7]! <= 0x39) ||
    buf[i + 8] !== CR || buf[i + 9] !== LF
  ) {
    throw new HttpError(400, "malformed request line: bad HTTP version");
  }
  if (buf[i + 5] !== 0x31) throw new HttpError(505, "only HTTP/1.x is supported");
  const minor = buf[i + 7] === 0x30 ? 0 : 1;
  if (i + 8 - start > limits.maxRequestLine) throw new HttpError(414, "request line too long");
  const end = i + 10;

  // ---- target form (RFC 9112 section 3.2)
  const rawTarget = strings.get(buf, targetStart, targetEnd);
  let pathStart = targetStart;
  let authority: string | null = null;
  const first = buf[targetStart]!;
  const asterisk = first === 0x2a && targetEnd === targetStart + 1;
  if (first === 0x2f) {
    if (method === "CONNECT") throw new HttpError(400, "CONNECT needs an authority-form target");
  } else if (asterisk) {
    if (method !== "OPTIONS") throw new HttpError(400, "asterisk-form target is only for OPTIONS");
  } else {
    const m = ABSOLUTE_FORM.exec(rawTarget);
    if (m !== null) {
      const scheme = m[1]!.toLowerCase();
      if (scheme !== "http" && scheme !== "https") throw new HttpError(400, "absolute-form target must use http or https");
      authority = m[2]!;
      if (authority === "" || authority.includes("@") || !validHost(authority)) throw new HttpError(400, "bad authority in absolute-form target");
      pathStart = targetStart + m[0].length;
    } else if (method === "CONNECT") {
      throw new HttpError(501, "CONNECT is not supported");
    } else {
      throw new HttpError(400, "request target form does not fit the method");
    }
  }
  if (method === "CONNECT") throw new HttpError(501, "CONNECT is not supported");
  if (hasBracket && (authority === null || buf.subarray(pathStart, targetEnd).some((c) => c === 0x5b || c === 0x5d))) {
    throw new HttpError(400, "malformed request line: bad request target");
  }
  let path: string;
  let query = "";
  if (asterisk) path = "*";
  else {
    let q = pathStart;
    while (q < targetEnd && buf[q] !== 0x3f) q++;
    if (q === targetEnd && pathStart === targetStart && !hasPct) path = rawTarget;
    else path = q === pathStart ? "/" : hasPct ? decodePath(buf, pathStart, q) : strings.get(buf, pathStart, q);
    if (q < targetEnd) query = latin1(buf, q + 1, targetEnd);
  }
  return { method, rawTarget, path, query, minor, authority, end };
}

/** Decodes %XX escapes of buf[start, end) (already validated) into a Latin-1 string. */
function decodePath(buf: Uint8Array, start: number, end: number): string {
  let pct = -1;
  for (let i = start; i < end; i++) {
    if (buf[i] === 0x25) {
      pct = i;
      break;
    }
  }
  if (pct === -1) return latin1(buf, start, end);
  const out = new Uint8Array(end - start);
  let o = 0;
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    if (c === 0x25) {
      out[o++] = (HEX_VALUE[buf[i + 1]!]! << 4) | HEX_VALUE[buf[i + 2]!]!;
      i += 2;
    } else out[o++] = c;
  }
  return latin1(out, 0, o);
}
