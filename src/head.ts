// Request head parsing (RFC 9112 sections 2-3, 5-7): finds the end of a head in a byte buffer
// incrementally, then parses request line and fields strictly into a RequestHead; LastHead lets a
// head that repeats the previous one byte for byte skip both.
// Must never decode more than environ needs, never read a body byte, and never throw anything
// but HttpError for bad input.

import { COLON, CR, FIELD_VALUE, HEX_VALUE, HOST, HTAB, LF, SP, TARGET, TCHAR, isToken } from "./chars.ts";
import { latin1 } from "./bytes.ts";
import { InternTable, strings } from "./intern.ts";
import { HttpError } from "./errors.ts";

export const BODY_NONE = 0;
export const BODY_LENGTH = 1;
export const BODY_CHUNKED = 2;
export type BodyKind = typeof BODY_NONE | typeof BODY_LENGTH | typeof BODY_CHUNKED;

export interface HeadLimits {
  maxRequestLine: number;
  maxHeadSize: number;
  maxHeaderCount: number;
  maxBodySize: number;
}

/** A parsed request head: what environ and body framing need, decoded once. Never mutated once
 * parsed: LastHead hands the same object to every request that repeats the head byte for byte. */
export interface RequestHead {
  method: string;
  /** The request-target exactly as sent. */
  rawTarget: string;
  /** Percent-decoded path as a Latin-1 string ("*" for asterisk-form). */
  path: string;
  /** The raw query ("" when none). */
  query: string;
  /** "HTTP/1.1" or "HTTP/1.0" (a later 1.x is answered as 1.1). */
  protocol: string;
  /** 1 for HTTP/1.1, 0 for HTTP/1.0. */
  minor: number;
  /** environ keys (HTTP_*) and values, duplicates already joined with ", ". */
  names: string[];
  values: string[];
  contentType: string;
  contentLength: string;
  bodyKind: BodyKind;
  /** Body length for BODY_LENGTH. */
  bodyLength: number;
  /** How many field lines the head had (trailer fields add to it for the limit). */
  fieldCount: number;
  /** The client allows the connection to stay open after this exchange. */
  keepAlive: boolean;
  /** HTTP/1.1 request with a body that sent `Expect: 100-continue`. */
  expectContinue: boolean;
}

/**
 * Finds where a request head ends, resuming across calls as bytes arrive. Enforces the line-ending
 * rules and the size limits while scanning, so an endless head is refused early.
 */
export class HeadScanner {
  /** Where the head starts (after ignored empty lines). */
  start = 0;
  private pos = 0;
  private lineStart = 0;
  private lines = 0;
  /** True once any byte of the request line was seen (leading CRLFs do not count). */
  started = false;

  reset(): void {
    this.start = 0;
    this.pos = 0;
    this.lineStart = 0;
    this.lines = 0;
    this.started = false;
  }

  /**
   * Scans buf[0, len) from where the last call stopped. Returns the index just past the head's final
   * CRLF CRLF, or -1 when more bytes are needed. Throws HttpError (400, 414, 431).
   * The limits are checked so that the answer never depends on where a read happened to end: a line
   * is first judged as a partial line would have been, then as a complete one.
   */
  scan(buf: Uint8Array, len: number, limits: HeadLimits): number {
    let pos = this.pos;
    while (pos < len) {
      const lf = buf.indexOf(LF, pos);
      if (lf === -1 || lf >= len) break;
      this.partialLimits(lf, limits);
      if (lf === this.lineStart || buf[lf - 1] !== CR) throw new HttpError(400, "line ending without CR (bare LF)");
      const lineLen = lf - 1 - this.lineStart;
      if (lineLen === 0) {
        if (this.lines === 0) {
          // An empty line before the request line is ignored (RFC 9112 section 2.2); it still counts toward the head size.
          this.start = lf + 1;
          this.lineStart = lf + 1;
          pos = lf + 1;
          continue;
        }
        this.pos = lf + 1;
        return lf + 1;
      }
      if (this.lines === 0 && lineLen > limits.maxRequestLine) throw new HttpError(414, "request line too long");
      this.started = true;
      this.lines++;
      if (this.lines - 1 > limits.maxHeaderCount) throw new HttpError(431, "too many header fields");
      if (lf + 1 > limits.maxHeadSize) throw new HttpError(431, "request head too large");
      this.lineStart = lf + 1;
      pos = lf + 1;
    }
    this.pos = len;
    if (len > this.lineStart) this.started = true;
    this.partialLimits(len, limits);
    return -1;
  }

  /** The limits as they apply to the bytes before `end` when the current line is not finished. */
  private partialLimits(end: number, limits: HeadLimits): void {
    // One byte of slack for a CR whose LF has not arrived; two for the final empty line.
    if (this.lines === 0 && end - this.lineStart > limits.maxRequestLine + 1) throw new HttpError(414, "request line too long");
    if (end > limits.maxHeadSize + 2) throw new HttpError(431, "request head too large");
  }
}

// Header names the parser acts on, as small integers (cheaper to switch on than strings).
const K_OTHER = 0;
const K_CONTENT_TYPE = 1;
const K_CONTENT_LENGTH = 2;
const K_HOST = 3;
const K_TRANSFER_ENCODING = 4;
const K_CONNECTION = 5;
const K_EXPECT = 6;
const KINDS: Record<string, number> = {
  CONTENT_TYPE: K_CONTENT_TYPE,
  CONTENT_LENGTH: K_CONTENT_LENGTH,
  HTTP_HOST: K_HOST,
  HTTP_TRANSFER_ENCODING: K_TRANSFER_ENCODING,
  HTTP_CONNECTION: K_CONNECTION,
  HTTP_EXPECT: K_EXPECT,
};

interface FieldName {
  /** The environ key: HTTP_* upper-cased with "-" as "_" (CONTENT_TYPE and CONTENT_LENGTH bare). */
  key: string;
  kind: number;
}

/** The environ key of a header name as sent; null when it is dropped (it contains "_"). */
function fieldName(name: string): FieldName | null {
  if (name.includes("_")) return null;
  const upper = name.toUpperCase().replace(/-/g, "_");
  const key = upper === "CONTENT_TYPE" || upper === "CONTENT_LENGTH" ? upper : "HTTP_" + upper;
  return { key, kind: KINDS[key] ?? K_OTHER };
}
const fieldNames = new InternTable<FieldName | null>(1024, fieldName);

/** The last Host value found valid (hosts repeat; validating again is wasted work). */
let lastValidHost = "";

/** Splits a list-valued field into lower-cased, trimmed, non-empty elements. */
function listElements(value: string): string[] {
  const out: string[] = [];
  for (const part of value.split(",")) {
    const t = part.trim();
    if (t !== "") out.push(t.toLowerCase());
  }
  return out;
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

/** Checks a Host value: reg-name / IPv4 / [IPv6] with an optional :port (digits). */
function validHost(v: string): boolean {
  let i = 0;
  const n = v.length;
  if (n > 0 && v.charCodeAt(0) === 0x5b) {
    const close = v.indexOf("]");
    if (close < 2) return false;
    for (i = 1; i < close; i++) {
      const c = v.charCodeAt(i);
      if (c > 0xff || HOST[c] !== 1 || c === 0x5b) return false;
    }
    i = close + 1;
    if (i === n) return true;
  } else {
    for (; i < n; i++) {
      const c = v.charCodeAt(i);
      if (c === 0x3a) break;
      if (c > 0xff || HOST[c] !== 1 || c === 0x5b || c === 0x5d) return false;
    }
    if (i === n) return true;
  }
  if (v.charCodeAt(i) !== 0x3a) return false;
  for (i++; i < n; i++) {
    const c = v.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/**
 * Parses the head in buf[start, end), where `end` is just past the final CRLF CRLF.
 * Throws HttpError with the status the request deserves.
 */
export function parseHead(buf: Uint8Array, start: number, end: number, limits: HeadLimits): RequestHead {
  // ---- request line: method SP target SP version CRLF
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
    }
    else if (c === 0x25) {
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
  i += 10;

  // ---- target form
  const rawTarget = strings.get(buf, targetStart, targetEnd);
  let pathStart = targetStart;
  let authority: string | null = null;
  const first = buf[targetStart]!;
  if (first === 0x2f) {
    if (method === "CONNECT") throw new HttpError(400, "CONNECT needs an authority-form target");
  } else if (first === 0x2a && targetEnd === targetStart + 1) {
    if (method !== "OPTIONS") throw new HttpError(400, "asterisk-form target is only for OPTIONS");
  } else {
    const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?]*)/.exec(rawTarget);
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
  if (first === 0x2a && targetEnd === targetStart + 1) {
    path = "*";
  } else {
    let q = pathStart;
    while (q < targetEnd && buf[q] !== 0x3f) q++;
    if (q === targetEnd && pathStart === targetStart && !hasPct) path = rawTarget;
    else path = q === pathStart ? "/" : hasPct ? decodePath(buf, pathStart, q) : strings.get(buf, pathStart, q);
    if (q < targetEnd) query = latin1(buf, q + 1, targetEnd);
  }

  // ---- header fields
  const names: string[] = [];
  const values: string[] = [];
  let contentType = "";
  let contentLength = "";
  let hostCount = 0;
  let host = "";
  let clCount = 0;
  let te: string | null = null;
  let connection = "";
  let expect: string | null = null;
  const headEnd = end - 2; // start of the final empty line
  let fieldCount = 0;
  while (i < headEnd) {
    fieldCount++;
    const lineStart = i;
    const c0 = buf[i]!;
    if (c0 === SP || c0 === HTAB) throw new HttpError(400, "obsolete line folding is not accepted");
    while (TCHAR[buf[i]!] === 1) i++;
    if (buf[i] !== COLON) {
      if (buf[i] === SP || buf[i] === HTAB) throw new HttpError(400, "whitespace between field name and colon");
      if (buf[i] === CR) throw new HttpError(400, "header line without a colon");
      throw new HttpError(400, "invalid character in header field name");
    }
    if (i === lineStart) throw new HttpError(400, "empty header field name");
    const nameEnd = i;
    i++;
    while (buf[i] === SP || buf[i] === HTAB) i++;
    const valueStart = i;
    while (FIELD_VALUE[buf[i]!] === 1) i++;
    if (buf[i] !== CR || buf[i + 1] !== LF) throw new HttpError(400, "invalid character in header field value");
    let valueEnd = i;
    while (valueEnd > valueStart && (buf[valueEnd - 1] === SP || buf[valueEnd - 1] === HTAB)) valueEnd--;
    i += 2;
    const field = fieldNames.get(buf, lineStart, nameEnd);
    if (field === null) continue;
    const key = field.key;
    const value = strings.get(buf, valueStart, valueEnd);
    switch (field.kind) {
      case K_CONTENT_TYPE:
        contentType = contentType === "" ? value : contentType + ", " + value;
        continue;
      case K_CONTENT_LENGTH:
        clCount++;
        contentLength = value;
        continue;
      case K_HOST:
        hostCount++;
        host = value;
        break;
      case K_TRANSFER_ENCODING:
        te = te === null ? value : te + ", " + value;
        break;
      case K_CONNECTION:
        connection = connection === "" ? value : connection + ", " + value;
        break;
      case K_EXPECT:
        expect = expect === null ? value : expect + ", " + value;
        break;
    }
    let k = names.length - 1;
    while (k >= 0 && names[k] !== key) k--;
    if (k >= 0) values[k] += ", " + value;
    else {
      names.push(key);
      values.push(value);
    }
  }

  // ---- semantics of the fields that frame the message
  if (minor === 1 && hostCount === 0) throw new HttpError(400, "missing Host header");
  if (hostCount > 1) throw new HttpError(400, "more than one Host header");
  if (hostCount === 1 && host !== lastValidHost) {
    if (!validHost(host)) throw new HttpError(400, "malformed Host header");
    lastValidHost = host;
  }
  if (authority !== null) {
    const h = names.indexOf("HTTP_HOST");
    if (h >= 0) values[h] = authority;
    else {
      names.push("HTTP_HOST");
      values.push(authority);
    }
  }

  let bodyKind: BodyKind = BODY_NONE;
  let bodyLength = 0;
  if (te !== null) {
    if (minor === 0) throw new HttpError(400, "Transfer-Encoding is not allowed in HTTP/1.0");
    if (clCount > 0) throw new HttpError(400, "both Content-Length and Transfer-Encoding");
    const codings = listElements(te);
    if (codings.length === 0) throw new HttpError(400, "empty Transfer-Encoding");
    let chunkedAt = -1;
    for (let c = 0; c < codings.length; c++) {
      const semi = codings[c]!.indexOf(";");
      const name = (semi === -1 ? codings[c]! : codings[c]!.slice(0, semi)).trim();
      if (!isToken(name)) throw new HttpError(400, "malformed Transfer-Encoding");
      if (name === "chunked") {
        if (chunkedAt !== -1 || semi !== -1) throw new HttpError(400, "chunked must be the final transfer coding, once");
        chunkedAt = c;
      }
    }
    // RFC 9112 section 6.3: without a final chunked the body length cannot be known: 400.
    if (chunkedAt !== codings.length - 1) throw new HttpError(400, "chunked must be the final transfer coding");
    // RFC 9112 section 6.1: a coding the server does not implement: 501.
    if (codings.length > 1) throw new HttpError(501, "unsupported transfer coding");
    bodyKind = BODY_CHUNKED;
  } else if (clCount > 0) {
    if (clCount > 1) throw new HttpError(400, "more than one Content-Length");
    if (!/^[0-9]+$/.test(contentLength)) throw new HttpError(400, "malformed Content-Length");
    if (contentLength.length > 15) throw new HttpError(400, "Content-Length too large to represent");
    bodyLength = Number(contentLength);
    if (bodyLength > limits.maxBodySize) throw new HttpError(413, "request body too large");
    if (bodyLength > 0) bodyKind = BODY_LENGTH;
  }

  let keepAlive = minor === 1;
  if (connection !== "") {
    const lower = connection.toLowerCase();
    let close = lower === "close";
    let ka = lower === "keep-alive";
    if (!close && !ka) {
      const tokens = listElements(lower);
      close = tokens.includes("close");
      ka = tokens.includes("keep-alive");
    }
    if (close) keepAlive = false;
    else if (minor === 0 && ka) keepAlive = true;
  }

  let expectContinue = false;
  if (expect !== null && minor === 1) {
    const e = listElements(expect);
    if (e.length !== 1 || e[0] !== "100-continue") throw new HttpError(417, "unsupported expectation");
    expectContinue = bodyKind !== BODY_NONE;
  }

  return {
    method,
    rawTarget,
    path,
    query,
    protocol: minor === 1 ? "HTTP/1.1" : "HTTP/1.0",
    minor,
    names,
    values,
    contentType,
    contentLength: clCount > 0 ? contentLength : "",
    bodyKind,
    bodyLength,
    fieldCount,
    keepAlive,
    expectContinue,
  };
}

/** Heads longer than this are not remembered (comparing them would cost more than it saves). */
const LAST_HEAD_MAX = 2048;

/**
 * The last head a server parsed, as the bytes it came from. Clients resend the same head on a
 * keep-alive connection, so a request whose bytes repeat it exactly reuses the parse (the parse
 * depends only on the bytes and the server's limits, which are fixed). The bytes are a view of the
 * driver's buffer, which is never reused, so remembering costs no copy.
 */
export class LastHead {
  private bytes: Uint8Array | null = null;
  private head: RequestHead | null = null;

  /** The head that buf[0, length) repeats, if buf starts with the remembered bytes. */
  match(buf: Uint8Array): RequestHead | null {
    const known = this.bytes;
    if (known === null) return null;
    const n = known.length;
    if (buf.length < n) return null;
    // No early exit: how long a miss takes must not tell a client how much of another client's
    // head it guessed.
    let diff = 0;
    for (let i = 0; i < n; i++) diff |= buf[i]! ^ known[i]!;
    return diff === 0 ? this.head : null;
  }

  /** The length in bytes of the remembered head. */
  get length(): number {
    return this.bytes === null ? 0 : this.bytes.length;
  }

  remember(buf: Uint8Array, end: number, head: RequestHead): void {
    if (end > LAST_HEAD_MAX) return;
    this.bytes = buf.subarray(0, end);
    this.head = head;
  }
}
