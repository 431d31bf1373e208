// Whose forwarding headers (and PROXY protocol headers) count: the `--forwarded-allow-ips` list of
// addresses and CIDR ranges, `*` for all. A peer on a unix socket (no address) is always trusted:
// only processes on this machine can reach it. Parsed once per server.
// Must never resolve a name and never throw after construction.

import { type IpBytes, isV4, parseIp } from "../http/ip-address.ts";

/** The list's default: the loopback addresses. */
export const DEFAULT_ALLOW_IPS = "127.0.0.1,::1";

/** A bad entry in the list; the message names it. */
export class TrustListError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TrustListError";
  }
}

interface Range {
  readonly bytes: IpBytes;
  /** Prefix length over the 16 bytes (an IPv4 /n is 96 + n). */
  readonly bits: number;
}

function inRange(ip: IpBytes, r: Range): boolean {
  const whole = r.bits >> 3;
  for (let i = 0; i < whole; i++) if (ip[i] !== r.bytes[i]) return false;
  const rest = r.bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (ip[whole]! & mask) === (r.bytes[whole]! & mask);
}

export class TrustedProxies {
  private readonly all: boolean;
  private readonly ranges: readonly Range[];
  /** The last address asked about and the answer (the same proxies ask again and again). */
  private lastAddr = "";
  private lastAnswer = true;

  /** `list`: comma-separated addresses and CIDR ranges, or `*`. Throws TrustListError. */
  constructor(list: string) {
    const items = list
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "");
    this.all = items.includes("*");
    const ranges: Range[] = [];
    for (const item of items) {
      if (item === "*") continue;
      const slash = item.indexOf("/");
      const addrText = slash === -1 ? item : item.slice(0, slash);
      const ip = parseIp(addrText.startsWith("[") && addrText.endsWith("]") ? addrText.slice(1, -1) : addrText);
      if (ip === null) throw new TrustListError(`${JSON.stringify(item)} is not an IP address or CIDR range`);
      const v4 = isV4(ip) && !addrText.includes(":");
      const max = v4 ? 32 : 128;
      let bits = max;
      if (slash !== -1) {
        const text = item.slice(slash + 1);
        bits = Number(text);
        if (!/^\d{1,3}$/.test(text) || bits > max) throw new TrustListError(`${JSON.stringify(item)}: expected a prefix length from 0 to ${max}`);
      }
      ranges.push({ bytes: ip, bits: v4 ? 96 + bits : bits });
    }
    this.ranges = ranges;
  }

  /** Whether `addr` (as a runtime reports a peer, or canonical) is trusted; "" (a unix socket peer) always is. */
  trusts(addr: string): boolean {
    if (addr === "" || this.all) return true;
    if (addr === this.lastAddr) return this.lastAnswer;
    const ip = parseIp(addr);
    const answer = ip !== null && this.ranges.some((r) => inRange(ip, r));
    this.lastAddr = addr;
    this.lastAnswer = answer;
    return answer;
  }
}
