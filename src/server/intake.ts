// What one connection has received and not yet consumed: the bytes, the scanner looking for the
// next request head in them, the PROXY protocol header that comes before the first head, and
// whether the client has sent its FIN. It finds and parses the next head and feeds request bodies.
// Must never answer, close or time anything (connection.ts decides), and never copy bytes it can slice.

import { HeadScanner } from "../http/head-scanner.ts";
import type { RequestHead, RequestHeadParser } from "../http/request-head.ts";
import type { HeadLimits } from "../http/limits.ts";
import { concat2 } from "../http/bytes.ts";
import { BAD_HEADER, Peer } from "./peer.ts";
import type { ServerContext } from "./context.ts";
import type { ConnectionFacts } from "../wsgi/environ.ts";
import type { Forwarding } from "../wsgi/forwarding.ts";
import type { RequestBody } from "./request-body.ts";

const EMPTY = new Uint8Array(0);

/** What add() found. */
export const ADDED = 0;
/** The PROXY protocol header has not fully arrived: nothing to parse yet. */
export const AWAITING_PROXY_HEADER = 1;
/** The PROXY protocol header was missing or malformed: the connection closes unanswered. */
export const BAD_PROXY_HEADER = 2;
export type AddResult = typeof ADDED | typeof AWAITING_PROXY_HEADER | typeof BAD_PROXY_HEADER;

/** It extends the head scanner, so a connection has one object for both. */
export class Intake extends HeadScanner {
  /** Received, not yet consumed. */
  buf: Uint8Array = EMPTY;
  /** The client sent its FIN: nothing more will arrive. */
  finReceived = false;

  /**
   * Who sent the bytes, and whether its forwarding headers count: made at once when a PROXY header
   * may come first, else only when a request carries forwarding headers (an idle connection has none).
   */
  private peer: Peer | null;

  constructor(
    ctx: ServerContext,
    private readonly socketFacts: ConnectionFacts,
  ) {
    super();
    this.peer = ctx.options.proxyProtocol !== "off" ? new Peer(ctx, socketFacts) : null;
  }

  /** The client as the socket or a PROXY header names it. */
  get facts(): ConnectionFacts {
    return this.peer === null ? this.socketFacts : this.peer.facts;
  }

  /** A PROXY protocol header must still come before anything else. */
  get awaitingProxyHeader(): boolean {
    return this.peer !== null && this.peer.awaitingHeader;
  }

  /** What the forwarding fields of `head` change, if its peer is trusted (Peer.forwarding). Throws HttpError(400). */
  forwarding(ctx: ServerContext, head: RequestHead, scheme: string): Forwarding | null {
    return (this.peer ??= new Peer(ctx, this.socketFacts)).forwarding(head, scheme);
  }

  add(bytes: Uint8Array): AddResult {
    this.buf = this.buf.length === 0 ? bytes : concat2(this.buf, bytes);
    const peer = this.peer;
    if (peer === null || !peer.awaitingHeader) return ADDED;
    const rest = peer.takeHeader(this.buf);
    if (rest === null) return AWAITING_PROXY_HEADER;
    this.buf = rest.length === 0 ? EMPTY : rest;
    return rest === BAD_HEADER ? BAD_PROXY_HEADER : ADDED;
  }

  /** Bytes of a request head (or of anything) are waiting. */
  get headStarted(): boolean {
    return this.started || this.buf.length > 0;
  }

  /** Nothing waits: no byte buffered, no head begun. */
  get empty(): boolean {
    return this.buf.length === 0 && !this.started;
  }

  /**
   * The next request head, consumed from the buffer; null when more bytes are needed. Throws
   * HttpError for a head that is malformed or over the limits.
   */
  nextHead(parser: RequestHeadParser, limits: HeadLimits): RequestHead | null {
    const buf = this.buf;
    let head = parser.repeated.match(buf);
    let end: number;
    if (head !== null) end = parser.repeated.length;
    else {
      end = this.scan(buf, buf.length, limits);
      if (end === -1) return null;
      head = parser.parse(buf, this.start, end);
      if (this.start === 0) parser.repeated.remember(buf, end, head);
    }
    this.buf = end === buf.length ? EMPTY : buf.subarray(end);
    this.reset();
    return head;
  }

  /**
   * Feeds buffered bytes to a request body. False when they are malformed or over a limit: the body
   * has failed with the HttpError (its reads say so) and the buffer is forgotten.
   */
  feed(body: RequestBody): boolean {
    const buf = this.buf;
    try {
      const next = body.feed(buf);
      this.buf = next === buf.length ? EMPTY : buf.subarray(next);
      return true;
    } catch (e) {
      this.buf = EMPTY;
      body.fail(e);
      return false;
    }
  }

  /** Forgets what is buffered (the connection reads nothing further). */
  clear(): void {
    this.buf = EMPTY;
  }
}
