// Listening addresses: `HOST:PORT`, `[IPV6]:PORT`, `unix:PATH` or `fd://N`, parsed into a Bind and printed
// back, and how long a unix socket path each OS can hold. Pure code shared by the library entry,
// the command line and the drivers. Must never resolve a name, touch a socket or ask which OS it runs on.

/** Where the server listens when no address is given. */
export const DEFAULT_BIND = "127.0.0.1:8888";

/** A listening address: a TCP host and port, a unix socket path, or an inherited listening socket. */
export type Bind = { kind: "tcp"; host: string; port: number } | { kind: "unix"; path: string } | { kind: "fd"; fd: number };

/** A listening address that cannot be parsed; the message names the problem. */
export class BindError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BindError";
  }
}

/** Parses `HOST:PORT`, `[IPV6]:PORT`, `unix:PATH` or `fd://N`. Throws BindError naming the problem. */
export function parseBind(text: string): Bind {
  if (text.startsWith("fd://")) {
    const fd = Number(text.slice(5));
    if (!/^\d+$/.test(text.slice(5)) || !Number.isSafeInteger(fd)) throw new BindError(`expected fd://N with N a file descriptor number, got ${JSON.stringify(text)}`);
    return { kind: "fd", fd };
  }
  if (text.startsWith("unix:")) {
    const path = text.slice(5);
    if (path === "") throw new BindError(`expected unix:PATH, got ${JSON.stringify(text)}`);
    return { kind: "unix", path };
  }
  let host: string;
  let portText: string;
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    if (close < 0 || text[close + 1] !== ":") throw new BindError(`expected [IPV6]:PORT, got ${JSON.stringify(text)}`);
    host = text.slice(1, close);
    portText = text.slice(close + 2);
    if (!/^[0-9A-Fa-f:.]+(%[\w.-]+)?$/.test(host) || !host.includes(":")) throw new BindError(`expected an IPv6 address inside [], got ${JSON.stringify(text)}`);
  } else {
    const colon = text.lastIndexOf(":");
    if (colon < 0) throw new BindError(`expected HOST:PORT, [IPV6]:PORT, unix:PATH or fd://N, got ${JSON.stringify(text)}`);
    host = text.slice(0, colon);
    portText = text.slice(colon + 1);
    if (host === "") throw new BindError(`missing host in ${JSON.stringify(text)} (for example 127.0.0.1${text})`);
    if (host.includes(":")) throw new BindError(`write an IPv6 address in brackets, like [::1]:8888, got ${JSON.stringify(text)}`);
    if (!/^[\w.-]+$/.test(host)) throw new BindError(`bad host ${JSON.stringify(host)} in ${JSON.stringify(text)}`);
  }
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) throw new BindError(`expected a port from 0 to 65535, got ${JSON.stringify(portText)} in ${JSON.stringify(text)}`);
  return { kind: "tcp", host, port };
}

/**
 * sun_path's size in bytes, terminating NUL included, by OS name (Node's `process.platform` names,
 * and Deno's where they differ): the longest unix socket path is one byte less.
 */
const SUN_PATH_BYTES: Readonly<Record<string, number>> = {
  linux: 108,
  android: 108,
  win32: 108,
  windows: 108,
  sunos: 108,
  solaris: 108,
  illumos: 108,
  darwin: 104,
  freebsd: 104,
  openbsd: 104,
  netbsd: 104,
  aix: 1023,
};

const encoder = new TextEncoder();

/**
 * Why `path`, exactly as the runtime hands it to the kernel, cannot name a unix socket on `os`; null
 * when it can, or when the OS is not in the table (the runtime then decides). `what` names the path
 * in the message.
 */
export function unixPathProblem(path: string, os: string, what = "the path"): string | null {
  const size = SUN_PATH_BYTES[os];
  if (size === undefined) return null;
  const bytes = encoder.encode(path).length;
  if (bytes < size) return null;
  return `${what} is ${bytes} bytes, longer than the ${size - 1} a unix socket path can have on ${os} (sun_path holds ${size} with the NUL)`;
}

/** The text form of a bind address: `127.0.0.1:8888`, `[::1]:8888`, `unix:/path` or `fd://3`. */
export function formatBind(bind: Bind): string {
  if (bind.kind === "unix") return `unix:${bind.path}`;
  if (bind.kind === "fd") return `fd://${bind.fd}`;
  return bind.host.includes(":") ? `[${bind.host}]:${bind.port}` : `${bind.host}:${bind.port}`;
}

/** The URL a listener reports: `http://HOST:PORT` (IPv6 in brackets; `https` with TLS) or `unix:PATH`. */
export function listenerUrl(bind: Bind, scheme = "http"): string {
  return bind.kind === "tcp" ? `${scheme}://${formatBind(bind)}` : formatBind(bind);
}
