// IP address text (IPv4 dotted quad, IPv6 in any RFC 4291 form, IPv4-mapped IPv6 as IPv4) to 16
// bytes and back to one canonical text (RFC 5952 for IPv6). Used for the addresses proxies send in
// Forwarded / X-Forwarded-For / PROXY headers and for the trusted-proxy list.
// Must never resolve a name, accept a zone index, or throw (null means "not an address").

/** An address as 16 bytes; IPv4 is stored IPv4-mapped (::ffff:a.b.c.d). */
export type IpBytes = Uint8Array;

const V4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const HEX_GROUP = /^[0-9A-Fa-f]{1,4}$/;

function parseV4(text: string, out: Uint8Array, at: number): boolean {
  const m = V4.exec(text);
  if (m === null) return false;
  for (let i = 0; i < 4; i++) {
    const part = m[i + 1]!;
    if (part.length > 1 && part[0] === "0") return false; // leading zeros: octal in some parsers
    const n = Number(part);
    if (n > 255) return false;
    out[at + i] = n;
  }
  return true;
}

function groups(text: string): number[] | null {
  if (text === "") return [];
  const out: number[] = [];
  for (const g of text.split(":")) {
    if (!HEX_GROUP.test(g)) return null;
    out.push(parseInt(g, 16));
  }
  return out;
}

function parseV6(text: string): IpBytes | null {
  // An IPv4 address may end the text (::ffff:1.2.3.4): it stands for the last two groups.
  const lastColon = text.lastIndexOf(":");
  if (text.indexOf(".", lastColon) !== -1) {
    const v4 = new Uint8Array(4);
    if (!parseV4(text.slice(lastColon + 1), v4, 0)) return null;
    text = `${text.slice(0, lastColon + 1)}${((v4[0]! << 8) | v4[1]!).toString(16)}:${((v4[2]! << 8) | v4[3]!).toString(16)}`;
  }
  const gap = text.indexOf("::");
  let words: number[];
  if (gap === -1) {
    const all = groups(text);
    if (all === null || all.length !== 8) return null;
    words = all;
  } else {
    if (text.indexOf("::", gap + 1) !== -1) return null;
    const left = groups(text.slice(0, gap));
    const right = groups(text.slice(gap + 2));
    if (left === null || right === null || left.length + right.length > 7) return null;
    words = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  }
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    out[2 * i] = words[i]! >> 8;
    out[2 * i + 1] = words[i]! & 0xff;
  }
  return out;
}

/** The 16 bytes of an IPv4 or IPv6 address (no brackets, no zone, no port), or null. */
export function parseIp(text: string): IpBytes | null {
  if (text.length === 0 || text.length > 45) return null;
  if (text.includes(":")) return parseV6(text);
  const out = new Uint8Array(16);
  out[10] = 0xff;
  out[11] = 0xff;
  return parseV4(text, out, 12) ? out : null;
}

/** True for an IPv4 address (stored IPv4-mapped). */
export function isV4(ip: IpBytes): boolean {
  for (let i = 0; i < 10; i++) if (ip[i] !== 0) return false;
  return ip[10] === 0xff && ip[11] === 0xff;
}

/** The canonical text: dotted quad for IPv4 (and IPv4-mapped IPv6), RFC 5952 for IPv6. */
export function formatIp(ip: IpBytes): string {
  if (isV4(ip)) return `${ip[12]}.${ip[13]}.${ip[14]}.${ip[15]}`;
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push((ip[2 * i]! << 8) | ip[2 * i + 1]!);
  // The longest run of two or more zero words (the first of equal runs) becomes "::".
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (ws: number[]): string => ws.map((w) => w.toString(16)).join(":");
  if (best === -1) return hex(words);
  return `${hex(words.slice(0, best))}::${hex(words.slice(best + bestLen))}`;
}

/** The canonical text of an address, or null when `text` is not one. */
export function canonicalIp(text: string): string | null {
  const ip = parseIp(text);
  return ip === null ? null : formatIp(ip);
}
