// What a trusted proxy changes in the environ of one request: the client's address and port
// (REMOTE_ADDR, REMOTE_PORT), the scheme (wsgi.url_scheme) and, with --forwarded-host, the host
// and port (SERVER_NAME, SERVER_PORT). The socket peer stays in tsgi.peer_addr.
// Must never parse a header or decide trust (src/http and src/server do).

import type { Environ } from "./types.ts";

/** The environ values a trusted proxy's headers set; null leaves a value as the socket gave it. */
export interface Forwarding {
  readonly remoteAddr: string | null;
  readonly remotePort: string | null;
  readonly urlScheme: string | null;
  readonly serverName: string | null;
  readonly serverPort: string | null;
}

export function applyForwarding(env: Environ, f: Forwarding): void {
  if (f.remoteAddr !== null) env.REMOTE_ADDR = f.remoteAddr;
  if (f.remotePort !== null) env.REMOTE_PORT = f.remotePort;
  if (f.urlScheme !== null) env["wsgi.url_scheme"] = f.urlScheme;
  if (f.serverName !== null) env.SERVER_NAME = f.serverName;
  if (f.serverPort !== null) env.SERVER_PORT = f.serverPort;
}
