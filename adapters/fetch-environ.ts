// A tsgi environ from a fetch Request (for toFetch): PEP 3333's keys as docs/interface.md section 2
// gives them, from the Request's URL, method and headers, the host's connection info where it gives
// one, and wsgi.input fed from the Request's body stream only while the application waits for bytes.
// Must never read the body ahead of the application and never touch a runtime API.

import type { Environ, ErrorStream } from "../src/wsgi/types.ts";
import { EMPTY_INPUT, type InputOwner, RequestInput } from "../src/wsgi/input.ts";
import { fileWrapper } from "../src/wsgi/file-wrapper.ts";

const VERSION = Object.freeze([1, 0]) as unknown as [1, 0];

/** What every environ of one toFetch handler shares. */
export interface FetchGateway {
  readonly scriptName: string;
  readonly errors: ErrorStream;
  readonly runtime: string;
}

/** The runtime, from navigator.userAgent ("Bun/1.2", "Deno/2.1", "Node.js/22"); "" when it says none. */
export function runtimeName(): string {
  const ua = (globalThis as { navigator?: { userAgent?: unknown } }).navigator?.userAgent;
  if (typeof ua !== "string") return "node"; // Node 20 has no navigator
  if (ua.startsWith("Bun")) return "bun";
  if (ua.startsWith("Deno")) return "deno";
  if (ua.startsWith("Node")) return "node";
  return ua.split("/")[0]!.toLowerCase();
}

/** The peer as the host tells it: Deno.serve's info.remoteAddr, Bun.serve's server.requestIP(), or request.ip (srvx). */
export function peerOf(request: Request, info: unknown): { address: string; port: string } {
  const i = info as { remoteAddr?: { hostname?: unknown; port?: unknown }; requestIP?: (r: Request) => { address?: unknown; port?: unknown } | null } | null | undefined;
  let address: unknown;
  let port: unknown;
  if (i?.remoteAddr !== undefined) ({ hostname: address, port } = i.remoteAddr);
  else if (typeof i?.requestIP === "function") {
    const ip = i.requestIP(request);
    if (ip) ({ address, port } = ip);
  } else address = (request as { ip?: unknown }).ip;
  return { address: typeof address === "string" ? address : "", port: typeof port === "number" ? String(port) : "" };
}

/** A path's %XX escapes as bytes, each byte a Latin-1 character (PATH_INFO's convention). */
function decodePath(path: string): string {
  return path.includes("%") ? path.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))) : path;
}

/** Feeds a RequestInput from a body stream, one read at a time, only while the application waits. */
class StreamFeed implements InputOwner {
  input: RequestInput | null = null;
  private reading = false;
  constructor(private readonly reader: ReadableStreamDefaultReader<Uint8Array>) {}
  inputFirstRead(): void {}
  inputConsumed(): void {}
  inputWaiting(): void {
    if (!this.reading) this.pump();
  }
  private pump(): void {
    const input = this.input!;
    this.reading = true;
    this.reader.read().then(
      (r) => {
        this.reading = false;
        if (r.done) input.end();
        else {
          input.push(r.value);
          if (input.waiting) this.pump();
        }
      },
      (e: unknown) => {
        this.reading = false;
        input.fail(e);
      },
    );
  }
}

/** The environ of one request. */
export function environFrom(request: Request, info: unknown, g: FetchGateway): Environ {
  const url = new URL(request.url);
  const scheme = url.protocol.slice(0, -1);
  let path = decodePath(url.pathname);
  const root = g.scriptName;
  if (root !== "" && (path === root || path.startsWith(root + "/"))) path = path.slice(root.length);
  const peer = peerOf(request, info);
  let input = EMPTY_INPUT;
  if (request.body !== null) {
    const feed = new StreamFeed(request.body.getReader());
    input = feed.input = new RequestInput(feed);
  }
  const headers = request.headers;
  const env: Environ = {
    REQUEST_METHOD: request.method,
    SCRIPT_NAME: root,
    PATH_INFO: path,
    QUERY_STRING: url.search.slice(1),
    CONTENT_TYPE: headers.get("content-type") ?? "",
    CONTENT_LENGTH: headers.get("content-length") ?? "",
    SERVER_NAME: url.hostname.replace(/^\[(.*)\]$/, "$1"),
    SERVER_PORT: url.port !== "" ? url.port : scheme === "https" ? "443" : "80",
    SERVER_PROTOCOL: "HTTP/1.1",
    REMOTE_ADDR: peer.address,
    REMOTE_PORT: peer.port,
    "wsgi.version": VERSION,
    "wsgi.url_scheme": scheme,
    "wsgi.input": input,
    "wsgi.errors": g.errors,
    "wsgi.multithread": true,
    "wsgi.multiprocess": false,
    "wsgi.run_once": false,
    "wsgi.input_terminated": true,
    "wsgi.file_wrapper": fileWrapper,
    "tsgi.runtime": g.runtime,
    "tsgi.raw_uri": url.pathname + url.search,
    // The host gave the connection: no proxy of ours read forwarding headers, so the peer is the client as the host saw it.
    "tsgi.peer_addr": peer.address,
    "tsgi.peer_port": peer.port,
    // One process as far as tsgi knows: the host runs it.
    "tsgi.worker": 0,
    "tsgi.generation": 0,
  };
  headers.forEach((value, name) => {
    if (name === "content-type" || name === "content-length" || name.includes("_")) return;
    env[`HTTP_${name.toUpperCase().replaceAll("-", "_")}`] = value;
  });
  return env;
}
