// Where a connection arrived, as the app sees it: each listener's own settings (SERVER_NAME,
// SERVER_PORT, wsgi.url_scheme, made once when the listener opens and shared by its connections),
// and a connection's facts from what the driver learned on accept (empty address and port on a unix
// socket; an IPv4 peer of a dual-stack socket as plain IPv4).
// Must never name a runtime API or parse HTTP.

import type { ConnectionFacts, GatewaySettings } from "../wsgi/environ.ts";
import type { CoreOptions } from "./options.ts";
import type { PeerInfo } from "./transport.ts";

/** What a listener tells the core about itself: where it listens and whether it speaks TLS. */
export interface SiteAddress {
  /** environ SERVER_NAME: the listening host (the socket's path on a unix socket). */
  readonly serverName: string;
  /** environ SERVER_PORT: the real port; "" on a unix socket. */
  readonly serverPort: string;
  /** A unix socket: peers have no address or port. */
  readonly unix?: boolean;
  /** TLS: wsgi.url_scheme "https", HTTPS "on". */
  readonly tls?: boolean;
}

/** The settings every environ of one listener shares. */
export interface Site extends GatewaySettings {
  readonly unix: boolean;
}

/** A listener's Site from the server's options and its address. */
export function makeSite(o: CoreOptions, address: SiteAddress): Site {
  return {
    scriptName: o.scriptName,
    serverName: address.serverName,
    serverPort: address.serverPort,
    urlScheme: address.tls === true ? "https" : o.urlScheme,
    https: address.tls === true,
    multiprocess: o.multiprocess,
    runtime: o.runtime,
    worker: o.worker,
    generation: o.generation,
    unix: address.unix === true,
  };
}

const UNIX_FACTS: ConnectionFacts = Object.freeze({ remoteAddress: "", remotePort: "", peerAddress: "", peerPort: "", peerCert: null });

/** The facts of a connection accepted on `site`. */
export function connectionFacts(site: Site, peer: PeerInfo): ConnectionFacts {
  if (site.unix) return UNIX_FACTS;
  let addr = peer.remoteAddress;
  // An IPv4 client of a dual-stack ([::]) listener: the runtime reports ::ffff:a.b.c.d.
  if (addr.startsWith("::ffff:") && addr.includes(".")) addr = addr.slice(7);
  const port = String(peer.remotePort);
  return { remoteAddress: addr, remotePort: port, peerAddress: addr, peerPort: port, peerCert: peer.peerCert ?? null };
}
