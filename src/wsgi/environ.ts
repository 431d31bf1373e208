// Builds the PEP 3333 environ for one request from its parsed head, the connection's facts and the
// server's settings. Must never parse bytes (the HTTP layer did) and never add a key that is not in
// docs/interface.md.

import type { Environ, ErrorStream, InputStream } from "./types.ts";
import type { RequestHead } from "../http/request-head.ts";
import { fileWrapper } from "./file-wrapper.ts";

const VERSION = Object.freeze([1, 0]) as unknown as [1, 0];

/** Per-connection facts that every environ of that connection shares. */
export interface ConnectionFacts {
  readonly remoteAddress: string;
  readonly remotePort: string;
  /** The socket's peer (tsgi.peer_addr); differs from remoteAddress after a PROXY protocol header. */
  readonly peerAddress: string;
  /** The socket peer's port (tsgi.peer_port); "" on a unix socket. */
  readonly peerPort: string;
  /** The subject of the client's TLS certificate, when it sent one (tsgi.peer_cert). */
  readonly peerCert: string | null;
}

/** What the server tells every environ: where it listens and how it runs. */
export interface GatewaySettings {
  readonly scriptName: string;
  readonly serverName: string;
  readonly serverPort: string;
  readonly urlScheme: string;
  /** The connection is TLS: HTTPS "on", and tsgi.peer_cert when the client sent a certificate. */
  readonly https?: boolean;
  readonly multiprocess: boolean;
  readonly runtime: string;
  readonly worker: number;
  readonly generation: number;
}

export function buildEnviron(head: RequestHead, facts: ConnectionFacts, input: InputStream, errors: ErrorStream, o: GatewaySettings): Environ {
  let path = head.path;
  const root = o.scriptName;
  if (root !== "" && (path === root || path.startsWith(root + "/"))) path = path.slice(root.length);
  const env: Environ = {
    REQUEST_METHOD: head.method,
    SCRIPT_NAME: root,
    PATH_INFO: path,
    QUERY_STRING: head.query,
    CONTENT_TYPE: head.contentType,
    CONTENT_LENGTH: head.contentLength,
    SERVER_NAME: o.serverName,
    SERVER_PORT: o.serverPort,
    SERVER_PROTOCOL: head.protocol,
    REMOTE_ADDR: facts.remoteAddress,
    REMOTE_PORT: facts.remotePort,
    "wsgi.version": VERSION,
    "wsgi.url_scheme": o.urlScheme,
    "wsgi.input": input,
    "wsgi.errors": errors,
    "wsgi.multithread": true,
    "wsgi.multiprocess": o.multiprocess,
    "wsgi.run_once": false,
    "wsgi.input_terminated": true,
    "wsgi.file_wrapper": fileWrapper,
    "tsgi.runtime": o.runtime,
    "tsgi.raw_uri": head.rawTarget,
    "tsgi.peer_addr": facts.peerAddress,
    "tsgi.peer_port": facts.peerPort,
    "tsgi.worker": o.worker,
    "tsgi.generation": o.generation,
  };
  if (o.https === true) {
    env.HTTPS = "on";
    if (facts.peerCert !== null) env["tsgi.peer_cert"] = facts.peerCert;
  }
  const names = head.names;
  const values = head.values;
  for (let i = 0; i < names.length; i++) env[names[i]!] = values[i]!;
  return env;
}
