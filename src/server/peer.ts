// Who is on the other end of one connection: the socket's peer, or the client a PROXY protocol
// header from an allowed peer named (read once, before the first request head); and whether that
// peer's forwarding headers count (decided once, when a request first carries one).
// Must never parse bytes itself (src/http does) or touch environ (src/wsgi does).

import type { ConnectionFacts } from "../wsgi/environ.ts";
import type { Forwarding } from "../wsgi/forwarding.ts";
import type { RequestHead } from "../http/request-head.ts";
import { parseProxyHeader } from "../http/proxy-protocol.ts";
import type { ServerContext } from "./context.ts";

/** What takeHeader() returns for a missing or malformed header (empty: nothing of the connection is read further). */
export const BAD_HEADER: Uint8Array = new Uint8Array(0);

const TRUST_UNKNOWN = 0;
const TRUSTED = 1;
const UNTRUSTED = 2;

export class Peer {
  facts: ConnectionFacts;
  /** A PROXY protocol header must come first: the listener takes them and the socket's peer is allowed. */
  awaitingHeader: boolean;
  private trust = TRUST_UNKNOWN;

  constructor(
    private readonly ctx: ServerContext,
    facts: ConnectionFacts,
  ) {
    this.facts = facts;
    this.awaitingHeader = ctx.options.proxyProtocol !== "off" && ctx.forwarding.trust.trusts(facts.remoteAddress);
  }

  /**
   * Reads the PROXY header at the start of `buf`: the bytes after it, null when more are needed, or
   * BAD_HEADER (logged as a client error) when it is missing or malformed: the connection closes.
   */
  takeHeader(buf: Uint8Array): Uint8Array | null {
    let parsed: ReturnType<typeof parseProxyHeader>;
    try {
      parsed = parseProxyHeader(buf, this.ctx.options.proxyProtocol);
    } catch (e) {
      this.ctx.options.log(`tsgi: client error (PROXY protocol from ${this.facts.peerAddress || "a unix socket"}): ${e instanceof Error ? e.message : String(e)}`);
      return BAD_HEADER;
    }
    if (parsed === null) return null;
    this.awaitingHeader = false;
    const h = parsed.header;
    if (!h.local) {
      this.facts = { ...this.facts, remoteAddress: h.srcAddr, remotePort: String(h.srcPort) };
      this.trust = TRUST_UNKNOWN;
    }
    return buf.subarray(parsed.length);
  }

  /** What the forwarding fields of `head` (it has some) change on a listener of `scheme`; null when the peer is not trusted. Throws HttpError(400). */
  forwarding(head: RequestHead, scheme: string): Forwarding | null {
    if (this.trust === TRUST_UNKNOWN) this.trust = this.ctx.forwarding.trust.trusts(this.facts.remoteAddress) ? TRUSTED : UNTRUSTED;
    return this.trust === TRUSTED ? this.ctx.forwarding.forHead(head, scheme) : null;
  }
}
