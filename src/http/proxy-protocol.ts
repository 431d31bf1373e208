// HAProxy's PROXY protocol header (https://www.haproxy.org/download/2.9/doc/proxy-protocol.txt),
// which a proxy sends once, before anything else on a connection, to say whose connection it
// relays: version 1 (one text line, `PROXY TCP4 src dst sport dport\r\n`) and version 2 (binary:
// a 12-byte signature, version/command, family, length, addresses, TLVs that are skipped).
// Must never read past the header, decide trust (the connection does, from its peer), or throw
// anything but ProxyProtocolError.

import { formatIp, parseIp } from "./ip-address.ts";

/** Which versions a listener accepts. */
export type ProxyProtocolMode = "off" | "v1" | "v2" | "auto";

/** What the header says: the relayed client, or (LOCAL, UNKNOWN, UNSPEC) nothing: the peer speaks for itself. */
export type ProxyHeader = { readonly local: false; readonly srcAddr: string; readonly srcPort: number } | { readonly local: true };

/** A header that is missing or malformed: the connection is closed without a response. */
export class ProxyProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProxyProtocolError";
  }
}

/** The longest version 1 line, CRLF included. */
const V1_MAX = 107;
const V1_PREFIX = [0x50, 0x52, 0x4f, 0x58, 0x59, 0x20]; // "PROXY "
const V2_SIGNATURE = [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a];
const LOCAL: ProxyHeader = Object.freeze({ local: true });

/** Whether buf starts with (as much as it has of) `sig`: 1 yes, 0 not yet known, -1 no. */
function startsWith(buf: Uint8Array, sig: readonly number[]): number {
  const n = Math.min(buf.length, sig.length);
  for (let i = 0; i < n; i++) if (buf[i] !== sig[i]) return -1;
  return n === sig.length ? 1 : 0;
}

const PORT = /^(?:0|[1-9]\d{0,4})$/;

function v1(buf: Uint8Array): { header: ProxyHeader; length: number } | null {
  let end = -1;
  for (let i = 0; i + 1 < Math.min(buf.length, V1_MAX); i++) {
    if (buf[i] === 0x0d && buf[i + 1] === 0x0a) {
      end = i;
      break;
    }
  }
  if (end === -1) {
    if (buf.length >= V1_MAX) throw new ProxyProtocolError("PROXY v1 line longer than 107 bytes");
    for (let i = 0; i < buf.length; i++) if (buf[i]! < 0x20 && buf[i] !== 0x0d) throw new ProxyProtocolError("PROXY v1 line with a control character");
    return null;
  }
  let line = "";
  for (let i = 0; i < end; i++) {
    const c = buf[i]!;
    if (c < 0x20 || c > 0x7e) throw new ProxyProtocolError("PROXY v1 line with a byte that is not printable ASCII");
    line += String.fromCharCode(c);
  }
  const parts = line.split(" ");
  const length = end + 2;
  if (parts[1] === "UNKNOWN") return { header: LOCAL, length };
  if (parts.length !== 6) throw new ProxyProtocolError("PROXY v1 line without its six fields");
  const [, proto, src, dst, sport, dport] = parts as [string, string, string, string, string, string];
  if (proto !== "TCP4" && proto !== "TCP6") throw new ProxyProtocolError(`PROXY v1 protocol ${JSON.stringify(proto)}`);
  const v6 = proto === "TCP6";
  for (const addr of [src, dst]) {
    if (addr.includes(":") !== v6 || parseIp(addr) === null) throw new ProxyProtocolError(`PROXY v1 ${proto} address ${JSON.stringify(addr)}`);
  }
  for (const port of [sport, dport]) {
    if (!PORT.test(port) || Number(port) > 65535) throw new ProxyProtocolError(`PROXY v1 port ${JSON.stringify(port)}`);
  }
  return { header: { local: false, srcAddr: formatIp(parseIp(src)!), srcPort: Number(sport) }, length };
}

function v2(buf: Uint8Array): { header: ProxyHeader; length: number } | null {
  if (buf.length < 16) return null;
  const verCmd = buf[12]!;
  if (verCmd >> 4 !== 2) throw new ProxyProtocolError(`PROXY v2 version ${verCmd >> 4}`);
  const cmd = verCmd & 0x0f;
  if (cmd > 1) throw new ProxyProtocolError(`PROXY v2 command ${cmd}`);
  const family = buf[13]!;
  const bodyLength = (buf[14]! << 8) | buf[15]!;
  const length = 16 + bodyLength;
  if (buf.length < length) return null;
  if (cmd === 0) return { header: LOCAL, length }; // LOCAL: the proxy's own connection (a health check)
  const af = family >> 4;
  const transport = family & 0x0f;
  if (af === 0 || af === 3) return { header: LOCAL, length }; // UNSPEC, or AF_UNIX: no address to give
  if ((af !== 1 && af !== 2) || (transport !== 1 && transport !== 2)) throw new ProxyProtocolError(`PROXY v2 family 0x${family.toString(16)}`);
  const size = af === 1 ? 4 : 16;
  if (bodyLength < 2 * size + 4) throw new ProxyProtocolError("PROXY v2 addresses longer than the header");
  const ip = new Uint8Array(16);
  if (af === 1) {
    ip[10] = 0xff;
    ip[11] = 0xff;
    ip.set(buf.subarray(16, 20), 12);
  } else ip.set(buf.subarray(16, 32));
  const portAt = 16 + 2 * size;
  return { header: { local: false, srcAddr: formatIp(ip), srcPort: (buf[portAt]! << 8) | buf[portAt + 1]! }, length };
}

/**
 * The PROXY header at the start of `buf`, and its length; null when more bytes are needed.
 * Throws ProxyProtocolError when the bytes are not a header `mode` accepts.
 */
export function parseProxyHeader(buf: Uint8Array, mode: ProxyProtocolMode): { header: ProxyHeader; length: number } | null {
  if (mode !== "v2") {
    const s = startsWith(buf, V1_PREFIX);
    if (s === 1) return v1(buf);
    if (s === 0) return null; // as far as it goes, the start of a v1 line (or nothing yet)
  }
  if (mode !== "v1") {
    const s = startsWith(buf, V2_SIGNATURE);
    if (s === 1) return v2(buf);
    if (s === 0) return null;
  }
  throw new ProxyProtocolError(`no PROXY ${mode === "auto" ? "" : `${mode} `}header`);
}
