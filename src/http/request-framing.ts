// The rules that frame a request from its header fields (RFC 9112 sections 6-7 and 9.3, RFC 9110
// section 10.1.1): body length from Transfer-Encoding / Content-Length, persistence from
// Connection, and Expect. Pure functions of field values. Must never read a body byte, and never
// throw anything but HttpError.

import { isToken, trimOws } from "./chars.ts";
import { HttpError } from "../errors.ts";

export const BODY_NONE = 0;
export const BODY_LENGTH = 1;
export const BODY_CHUNKED = 2;
export type BodyKind = typeof BODY_NONE | typeof BODY_LENGTH | typeof BODY_CHUNKED;

export interface BodyFraming {
  kind: BodyKind;
  /** Body length for BODY_LENGTH. */
  length: number;
}

const NO_BODY: BodyFraming = Object.freeze({ kind: BODY_NONE, length: 0 });
const CHUNKED: BodyFraming = Object.freeze({ kind: BODY_CHUNKED, length: 0 });

/**
 * Splits a list-valued field (RFC 9110 section 5.6.1) into lower-cased non-empty elements, each
 * trimmed of OWS: SP and HTAB only (any other byte, 0xA0 included, stays part of the element).
 */
export function listElements(value: string): string[] {
  const out: string[] = [];
  for (const part of value.split(",")) {
    const t = trimOws(part);
    if (t !== "") out.push(t.toLowerCase());
  }
  return out;
}

/**
 * How the request body is delimited (RFC 9112 section 6.3). `te` is the joined Transfer-Encoding
 * value or null; `clCount` how many Content-Length fields came, `cl` the last one's value.
 */
export function requestBodyFraming(te: string | null, clCount: number, cl: string, minor: number, maxBodySize: number): BodyFraming {
  if (te !== null) {
    if (minor === 0) throw new HttpError(400, "Transfer-Encoding is not allowed in HTTP/1.0");
    if (clCount > 0) throw new HttpError(400, "both Content-Length and Transfer-Encoding");
    const codings = listElements(te);
    if (codings.length === 0) throw new HttpError(400, "empty Transfer-Encoding");
    let chunkedAt = -1;
    for (let c = 0; c < codings.length; c++) {
      const semi = codings[c]!.indexOf(";");
      const name = trimOws(semi === -1 ? codings[c]! : codings[c]!.slice(0, semi));
      if (!isToken(name)) throw new HttpError(400, "malformed Transfer-Encoding");
      if (name === "chunked") {
        if (chunkedAt !== -1 || semi !== -1) throw new HttpError(400, "chunked must be the final transfer coding, once");
        chunkedAt = c;
      }
    }
    // Without a final chunked the body length cannot be known: 400.
    if (chunkedAt !== codings.length - 1) throw new HttpError(400, "chunked must be the final transfer coding");
    // RFC 9112 section 6.1: a coding the server does not implement: 501.
    if (codings.length > 1) throw new HttpError(501, "unsupported transfer coding");
    return CHUNKED;
  }
  if (clCount === 0) return NO_BODY;
  if (clCount > 1) throw new HttpError(400, "more than one Content-Length");
  if (!/^[0-9]+$/.test(cl)) throw new HttpError(400, "malformed Content-Length");
  // A length too long to represent is still a valid length (RFC 9110 section 8.6), larger than any
  // body limit: 413. Leading zeros do not count toward the 15 digits a double holds exactly.
  let zeros = 0;
  while (zeros < cl.length - 1 && cl.charCodeAt(zeros) === 0x30) zeros++;
  if (cl.length - zeros > 15) throw new HttpError(413, "request body too large");
  const length = Number(cl);
  if (length > maxBodySize) throw new HttpError(413, "request body too large");
  return length > 0 ? { kind: BODY_LENGTH, length } : NO_BODY;
}

/** Whether the client lets the connection persist after this exchange (RFC 9112 section 9.3). */
export function clientKeepsAlive(connection: string, minor: number): boolean {
  if (connection === "") return minor === 1;
  const lower = connection.toLowerCase();
  let close = lower === "close";
  let keepAlive = lower === "keep-alive";
  if (!close && !keepAlive) {
    const tokens = listElements(lower);
    close = tokens.includes("close");
    keepAlive = tokens.includes("keep-alive");
  }
  if (close) return false;
  return minor === 1 || keepAlive;
}

/** Whether a 100 Continue is expected (RFC 9110 section 10.1.1); any other expectation is a 417. */
export function expectsContinue(expect: string | null, minor: number, kind: BodyKind): boolean {
  if (expect === null || minor !== 1) return false;
  const e = listElements(expect);
  if (e.length !== 1 || e[0] !== "100-continue") throw new HttpError(417, "unsupported expectation");
  return kind !== BODY_NONE;
}
