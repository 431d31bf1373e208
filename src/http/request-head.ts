// A complete request head parsed strictly (RFC 9112 sections 2-5) into a RequestHead: the request
// line, then each field line, keyed as environ will want them, then the framing rules. One parser
// per server: it owns the server's intern tables and repeated-head cache.
// Must never decode more than environ needs, never read a body byte, and never throw anything but
// HttpError for bad input.

import { COLON, CR, FIELD_VALUE, HTAB, LF, SP, TCHAR } from "./chars.ts";
import { InternTable, stringTable } from "./intern.ts";
import type { HeadLimits } from "./limits.ts";
import { parseRequestLine } from "./request-line.ts";
import { validHost } from "./host.ts";
import { type BodyKind, clientKeepsAlive, expectsContinue, requestBodyFraming } from "./request-framing.ts";
import { RepeatedHead } from "./repeated-head.ts";
import { HttpError } from "../errors.ts";

/** A parsed request head: what environ and body framing need, decoded once. Never mutated once
 * parsed: the repeated-head cache hands the same object to every request that repeats its bytes. */
export interface RequestHead {
  readonly method: string;
  /** The request-target exactly as sent. */
  readonly rawTarget: string;
  /** Percent-decoded path as a Latin-1 string ("*" for asterisk-form). */
  readonly path: string;
  /** The raw query ("" when none). */
  readonly query: string;
  /** "HTTP/1.1" or "HTTP/1.0" (a later 1.x is answered as 1.1). */
  readonly protocol: string;
  /** 1 for HTTP/1.1, 0 for HTTP/1.0. */
  readonly minor: number;
  /** environ keys (HTTP_*) and values, duplicates already joined with ", ". */
  readonly names: readonly string[];
  readonly values: readonly string[];
  readonly contentType: string;
  /** The Content-Length field as sent, "" when absent. */
  readonly contentLength: string;
  readonly bodyKind: BodyKind;
  /** Body length for BODY_LENGTH. */
  readonly bodyLength: number;
  /** How many field lines the head had (trailer fields add to it for the limit). */
  readonly fieldCount: number;
  /** The client allows the connection to stay open after this exchange. */
  readonly keepAlive: boolean;
  /** HTTP/1.1 request with a body that sent `Expect: 100-continue`. */
  readonly expectContinue: boolean;
}

// Header names the parser acts on, as small integers (cheaper to switch on than strings).
const K_OTHER = 0;
const K_CONTENT_TYPE = 1;
const K_CONTENT_LENGTH = 2;
const K_HOST = 3;
const K_TRANSFER_ENCODING = 4;
const K_CONNECTION = 5;
const K_EXPECT = 6;
const KINDS: Readonly<Record<string, number>> = {
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

export class RequestHeadParser {
  /** The last head parsed, reused when the next one repeats it byte for byte. */
  readonly repeated: RepeatedHead<RequestHead> = new RepeatedHead<RequestHead>();
  private readonly strings = stringTable(4096);
  private readonly fieldNames = new InternTable<FieldName | null>(1024, fieldName);
  /** The last Host value found valid (hosts repeat; validating again is wasted work). */
  private lastValidHost = "";

  constructor(private readonly limits: HeadLimits) {}

  /** Parses the head in buf[start, end), `end` just past the final CRLF CRLF. Throws HttpError. */
  parse(buf: Uint8Array, start: number, end: number): RequestHead {
    const limits = this.limits;
    const line = parseRequestLine(buf, start, limits, this.strings);
    const minor = line.minor;
    let i = line.end;

    // ---- header fields (RFC 9112 section 5)
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
      const field = this.fieldNames.get(buf, lineStart, nameEnd);
      if (field === null) continue;
      const key = field.key;
      const value = this.strings.get(buf, valueStart, valueEnd);
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

    // ---- Host (RFC 9112 section 3.2)
    if (minor === 1 && hostCount === 0) throw new HttpError(400, "missing Host header");
    if (hostCount > 1) throw new HttpError(400, "more than one Host header");
    if (hostCount === 1 && host !== this.lastValidHost) {
      if (!validHost(host)) throw new HttpError(400, "malformed Host header");
      this.lastValidHost = host;
    }
    if (line.authority !== null) {
      const h = names.indexOf("HTTP_HOST");
      if (h >= 0) values[h] = line.authority;
      else {
        names.push("HTTP_HOST");
        values.push(line.authority);
      }
    }

    const body = requestBodyFraming(te, clCount, contentLength, minor, limits.maxBodySize);
    return {
      method: line.method,
      rawTarget: line.rawTarget,
      path: line.path,
      query: line.query,
      protocol: minor === 1 ? "HTTP/1.1" : "HTTP/1.0",
      minor,
      names,
      values,
      contentType,
      contentLength: clCount > 0 ? contentLength : "",
      bodyKind: body.kind,
      bodyLength: body.length,
      fieldCount,
      keepAlive: clientKeepsAlive(connection, minor),
      expectContinue: expectsContinue(expect, minor, body.kind),
    };
  }
}
