// How a response body is delimited and whether the connection persists (RFC 9112 sections 6.1,
// 6.3 and 9.3): one table, consulted once, when the response head is fixed.
// Must never look at body bytes: it decides from what is known when the head goes out.

import { encodeLatin1 } from "./bytes.ts";

/** No body may be sent (HEAD, 204, 304): no framing field is added. */
export const FRAMING_NONE = 0;
/** Content-Length: the application's own, or one the server computed from a known body. */
export const FRAMING_LENGTH = 1;
/** Transfer-Encoding: chunked (HTTP/1.1, length unknown). */
export const FRAMING_CHUNKED = 2;
/** Close-delimited (HTTP/1.0, length unknown): the connection's close ends the body. */
export const FRAMING_CLOSE = 3;
export type Framing = typeof FRAMING_NONE | typeof FRAMING_LENGTH | typeof FRAMING_CHUNKED | typeof FRAMING_CLOSE;

export const TRANSFER_ENCODING_CHUNKED = encodeLatin1("Transfer-Encoding: chunked\r\n");
const CONNECTION_CLOSE = encodeLatin1("Connection: close\r\n");
const CONNECTION_KEEP_ALIVE = encodeLatin1("Connection: keep-alive\r\n");

/** Whether a response with this status may carry body bytes (RFC 9110 sections 15.3.5 and 15.4.5). */
export function statusAllowsBody(code: number): boolean {
  return code !== 204 && code !== 304;
}

/**
 * The framing of a response: `appLength` is the application's Content-Length (-1 when it set none),
 * `knownLength` the whole body's length when it was known before the head went out (-1 when not),
 * `minor` the request's HTTP minor version. For HEAD the framing is what GET would have had; the
 * body writer then sends no bytes.
 */
export function responseFraming(code: number, appLength: number, knownLength: number, minor: number): Framing {
  if (!statusAllowsBody(code)) return FRAMING_NONE;
  if (appLength >= 0 || knownLength >= 0) return FRAMING_LENGTH;
  return minor === 1 ? FRAMING_CHUNKED : FRAMING_CLOSE;
}

/** Whether the connection stays open after this response. A HEAD response has no body to delimit. */
export function persists(clientKeepsAlive: boolean, framing: Framing, isHead: boolean, serverAllows: boolean): boolean {
  return clientKeepsAlive && (framing !== FRAMING_CLOSE || isHead) && serverAllows;
}

/** The Connection field that says what `persists` decided, or null when the default says it. */
export function connectionField(minor: number, keepAlive: boolean): Uint8Array | null {
  if (minor === 1) return keepAlive ? null : CONNECTION_CLOSE;
  return keepAlive ? CONNECTION_KEEP_ALIVE : null;
}
