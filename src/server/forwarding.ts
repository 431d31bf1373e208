// The trust decision for one request's forwarding headers: walking the hops from the right,
// skipping trusted proxies, to the client; the scheme, host and port the nearest trusted proxy
// reported; and a 400 when Forwarded and X-Forwarded-* from a trusted proxy disagree. Called only
// when the head has such a field and the peer is trusted (connection.ts), so costs nothing otherwise.
// Must never parse header syntax (src/http/forwarded.ts does) or touch environ (src/wsgi does).

import { type ForwardedNode, type ProxyClaims, proxyClaims, splitHost } from "../http/forwarded.ts";
import type { RequestHead } from "../http/request-head.ts";
import type { Forwarding } from "../wsgi/forwarding.ts";
import type { TrustedProxies } from "./trusted-proxies.ts";
import type { CoreOptions } from "./options.ts";
import { HttpError } from "../errors.ts";

const UNKNOWN: ForwardedNode = { addr: null, port: "" };

/** The index of the client in `nodes`: from the right, the first hop not trusted (or the leftmost). */
function clientIndex(nodes: readonly ForwardedNode[], trust: TrustedProxies): number {
  let i = nodes.length - 1;
  while (i > 0) {
    const addr = nodes[i]!.addr;
    if (addr === null || addr === "" || !trust.trusts(addr)) break;
    i--;
  }
  return i;
}

/** The item of a per-hop list for hop `index` of `hops` hops when the list has one item per hop, else its last. */
function pick(list: readonly string[] | null, hops: number, index: number): string | null {
  if (list === null) return null;
  return list.length === hops && index >= 0 ? list[index]! : list[list.length - 1]!;
}

function contradiction(what: string): HttpError {
  return new HttpError(400, `Forwarded and X-Forwarded-${what} disagree`);
}

const DEFAULT_PORTS: Readonly<Record<string, string>> = { http: "80", https: "443", ws: "80", wss: "443" };

/** What the claims of a trusted peer change. Throws HttpError(400) when they contradict each other. */
export function decide(c: ProxyClaims, trust: TrustedProxies, forwardedHost: boolean, scheme: string): Forwarding {
  // RFC 7239: each element is one proxy's account of the request it received.
  let fClient: ForwardedNode | null = null;
  let fProto: string | null = null;
  let fHost: string | null = null;
  if (c.forwarded !== null) {
    const elements = c.forwarded;
    let index = elements.length - 1;
    if (elements.some((e) => e.for !== null)) {
      index = clientIndex(
        elements.map((e) => e.for ?? UNKNOWN),
        trust,
      );
      fClient = elements[index]!.for ?? UNKNOWN;
    }
    fProto = elements[index]!.proto;
    fHost = elements[index]!.host;
  }
  // X-Forwarded-*: the client from X-Forwarded-For; the others one item per hop or the nearest proxy's.
  let xClient: ForwardedNode | null = null;
  let hops = 0;
  let index = -1;
  if (c.forwardedFor !== null) {
    hops = c.forwardedFor.length;
    index = clientIndex(c.forwardedFor, trust);
    xClient = c.forwardedFor[index]!;
  }
  const xProto = pick(c.forwardedProto, hops, index);
  const xHost = pick(c.forwardedHost, hops, index);
  const xPort = pick(c.forwardedPort, hops, index);

  if (fClient !== null && xClient !== null && fClient.addr !== xClient.addr) throw contradiction("For");
  if (fProto !== null && xProto !== null && fProto !== xProto) throw contradiction("Proto");
  if (fHost !== null && xHost !== null && fHost.toLowerCase() !== xHost.toLowerCase()) throw contradiction("Host");
  const client = fClient ?? xClient;
  const urlScheme = fProto ?? xProto;
  let serverName: string | null = null;
  let serverPort: string | null = null;
  if (forwardedHost) {
    const host = fHost ?? xHost;
    if (host !== null) {
      const split = splitHost(host);
      if (split.port !== "" && xPort !== null && split.port !== xPort) throw contradiction("Port");
      serverName = split.name;
      serverPort = split.port !== "" ? split.port : (xPort ?? DEFAULT_PORTS[urlScheme ?? scheme] ?? null);
    } else serverPort = xPort;
  }
  return {
    remoteAddr: client === null ? null : (client.addr ?? ""),
    remotePort: client === null ? null : client.port,
    urlScheme,
    serverName,
    serverPort,
  };
}

/** One server's forwarding settings and its last answer (a repeated head is the same object, and so is its answer). */
export class ForwardingRules {
  private lastHead: RequestHead | null = null;
  private lastScheme = "";
  private lastAnswer: Forwarding | null = null;

  constructor(
    readonly trust: TrustedProxies,
    private readonly options: Pick<CoreOptions, "forwardedHost">,
  ) {}

  /** What the forwarding fields of `head` change, for a trusted peer on a listener of `scheme`. Throws HttpError(400). */
  forHead(head: RequestHead, scheme: string): Forwarding {
    if (head === this.lastHead && scheme === this.lastScheme) return this.lastAnswer!;
    const answer = decide(proxyClaims(head.names, head.values), this.trust, this.options.forwardedHost, scheme);
    this.lastHead = head;
    this.lastScheme = scheme;
    this.lastAnswer = answer;
    return answer;
  }
}
