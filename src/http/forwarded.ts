// What proxies claim about a request, read from its fields: RFC 7239 `Forwarded` (elements of
// for/by/proto/host pairs, quoted strings, IPv6 nodes in brackets) and the de-facto
// X-Forwarded-For / -Proto / -Host / -Port. Pure syntax: whether to believe them is decided in
// src/server/forwarding.ts, and only for a trusted peer.
// Must never decide trust, never touch environ, and never throw anything but HttpError(400).

import { TCHAR } from "./chars.ts";
import { validHost } from "./host.ts";
import { canonicalIp } from "./ip-address.ts";
import { HttpError } from "../errors.ts";

/** One hop as a proxy reported it. */
export interface ForwardedNode {
  /** The address in canonical form; null for `unknown` or an obfuscated identifier (`_hidden`). */
  readonly addr: string | null;
  /** Its port ("" when none was given or it is obfuscated). */
  readonly port: string;
}

/** One element of `Forwarded`: what one proxy said about the request it received. */
export interface ForwardedElement {
  /** The client the proxy received from; null when the element has no for=. */
  readonly for: ForwardedNode | null;
  /** The scheme, lower-cased; null when absent. */
  readonly proto: string | null;
  /** The Host the proxy received; null when absent. */
  readonly host: string | null;
}

/** Everything the forwarding fields of one head say; each part null when its field is absent. */
export interface ProxyClaims {
  /** `Forwarded`, leftmost element first (the nearest proxy's last). */
  readonly forwarded: readonly ForwardedElement[] | null;
  /** X-Forwarded-For, leftmost first. */
  readonly forwardedFor: readonly ForwardedNode[] | null;
  /** X-Forwarded-Proto, -Host and -Port as lists, leftmost first. */
  readonly forwardedProto: readonly string[] | null;
  readonly forwardedHost: readonly string[] | null;
  readonly forwardedPort: readonly string[] | null;
}

function bad(what: string): HttpError {
  return new HttpError(400, `malformed ${what} header`);
}

const OBFUSCATED = /^_[A-Za-z0-9._-]+$/;
const PORT = /^\d{1,5}$/;
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*$/;

function validPort(p: string): boolean {
  return PORT.test(p) && Number(p) <= 65535;
}

/** The node with its port checked: digits up to 65535, or obfuscated (kept as ""). */
function withPort(addr: string | null, port: string | null): ForwardedNode | null {
  if (port === null) return { addr, port: "" };
  if (OBFUSCATED.test(port)) return { addr, port: "" };
  return validPort(port) ? { addr, port } : null;
}

/**
 * A node: `192.0.2.1`, `192.0.2.1:80`, `[2001:db8::1]`, `[2001:db8::1]:80`, `unknown`, `_hidden`
 * (with `:port` or `:_obfport`). `bareV6` also accepts an IPv6 address without brackets (and
 * then without a port), as X-Forwarded-For carries it.
 */
export function parseNode(text: string, bareV6: boolean): ForwardedNode | null {
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    if (close === -1) return null;
    const name = text.slice(1, close);
    const rest = text.slice(close + 1);
    if (rest !== "" && rest[0] !== ":") return null;
    // Brackets hold IPv6 only.
    if (!name.includes(":")) return null;
    const addr = canonicalIp(name);
    return addr === null ? null : withPort(addr, rest === "" ? null : rest.slice(1));
  }
  const colon = text.indexOf(":");
  if (colon !== -1 && text.indexOf(":", colon + 1) !== -1) {
    if (!bareV6) return null;
    const addr = canonicalIp(text);
    return addr === null ? null : { addr, port: "" };
  }
  const name = colon === -1 ? text : text.slice(0, colon);
  const port = colon === -1 ? null : text.slice(colon + 1);
  if (name === "unknown" || OBFUSCATED.test(name)) return withPort(null, port);
  const addr = canonicalIp(name);
  return addr === null ? null : withPort(addr, port);
}

/** Splits a list on commas outside quoted strings, trimming spaces; empty elements are skipped (RFC 9110 5.6.1). */
function splitList(value: string, what: string): string[] {
  const out: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (quoted) {
      if (c === 0x5c) i++;
      else if (c === 0x22) quoted = false;
    } else if (c === 0x22) quoted = true;
    else if (c === 0x2c) {
      const part = value.slice(start, i).trim();
      if (part !== "") out.push(part);
      start = i + 1;
    }
  }
  if (quoted) throw bad(what);
  const part = value.slice(start).trim();
  if (part !== "") out.push(part);
  return out;
}

/** A token or a quoted string (its quoted-pairs undone) at value[i...]; returns it and where it ended. */
function pairValue(value: string, i: number): [string, number] {
  if (value.charCodeAt(i) === 0x22) {
    let out = "";
    for (i++; i < value.length; i++) {
      const c = value.charCodeAt(i);
      if (c === 0x22) return [out, i + 1];
      if (c === 0x5c) {
        i++;
        if (i >= value.length) break;
      }
      out += value[i];
    }
    throw bad("Forwarded");
  }
  const start = i;
  while (i < value.length && value.charCodeAt(i) <= 0xff && TCHAR[value.charCodeAt(i)] === 1) i++;
  if (i === start) throw bad("Forwarded");
  return [value.slice(start, i), i];
}

/** One `Forwarded` element: pairs separated by ";", each parameter at most once (RFC 7239 section 4). */
function parseElement(text: string): ForwardedElement {
  let forNode: ForwardedNode | null = null;
  let proto: string | null = null;
  let host: string | null = null;
  const seen = new Set<string>();
  let i = 0;
  const n = text.length;
  while (i < n) {
    while (i < n && (text[i] === " " || text[i] === "\t")) i++;
    if (text[i] === ";") {
      i++;
      continue;
    }
    const nameStart = i;
    while (i < n && text.charCodeAt(i) <= 0xff && TCHAR[text.charCodeAt(i)] === 1) i++;
    if (i === nameStart || text[i] !== "=") throw bad("Forwarded");
    const name = text.slice(nameStart, i).toLowerCase();
    if (seen.has(name)) throw bad("Forwarded");
    seen.add(name);
    let value: string;
    [value, i] = pairValue(text, i + 1);
    while (i < n && (text[i] === " " || text[i] === "\t")) i++;
    if (i < n && text[i] !== ";") throw bad("Forwarded");
    if (name === "for") {
      forNode = parseNode(value, false);
      if (forNode === null) throw bad("Forwarded");
    } else if (name === "proto") {
      if (!SCHEME.test(value)) throw bad("Forwarded");
      proto = value.toLowerCase();
    } else if (name === "host") {
      if (value === "" || !validHost(value)) throw bad("Forwarded");
      host = value;
    } else if (name === "by") {
      if (parseNode(value, false) === null) throw bad("Forwarded");
    }
    // Other parameters are extensions (RFC 7239 section 5.5): allowed, not used.
  }
  if (seen.size === 0) throw bad("Forwarded");
  return { for: forNode, proto, host };
}

/** `Forwarded` field value(s), joined with ", ". */
export function parseForwarded(value: string): ForwardedElement[] {
  const elements = splitList(value, "Forwarded").map(parseElement);
  if (elements.length === 0) throw bad("Forwarded");
  return elements;
}

/** X-Forwarded-For: addresses (IPv6 bare or in brackets, with an optional port) or `unknown`. */
export function parseForwardedFor(value: string): ForwardedNode[] {
  const nodes = splitList(value, "X-Forwarded-For").map((t) => {
    const node = parseNode(t, true);
    if (node === null) throw bad("X-Forwarded-For");
    return node;
  });
  if (nodes.length === 0) throw bad("X-Forwarded-For");
  return nodes;
}

function parseSimpleList(value: string, what: string, valid: (t: string) => boolean): string[] {
  const items = splitList(value, what);
  if (items.length === 0 || !items.every(valid)) throw bad(what);
  return items;
}

const FIELDS = ["HTTP_FORWARDED", "HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST", "HTTP_X_FORWARDED_PORT"] as const;

/** The claims of a head's fields (environ keys and values, as the parser keeps them). Throws HttpError(400) when one is malformed. */
export function proxyClaims(names: readonly string[], values: readonly string[]): ProxyClaims {
  const found: (string | null)[] = [null, null, null, null, null];
  for (let i = 0; i < names.length; i++) {
    const k = FIELDS.indexOf(names[i] as (typeof FIELDS)[number]);
    if (k !== -1) found[k] = values[i]!;
  }
  const [fwd, xff, proto, host, port] = found;
  return {
    forwarded: fwd === null ? null : parseForwarded(fwd),
    forwardedFor: xff === null ? null : parseForwardedFor(xff),
    forwardedProto: proto === null ? null : parseSimpleList(proto, "X-Forwarded-Proto", (t) => SCHEME.test(t)).map((t) => t.toLowerCase()),
    forwardedHost: host === null ? null : parseSimpleList(host, "X-Forwarded-Host", validHost),
    forwardedPort: port === null ? null : parseSimpleList(port, "X-Forwarded-Port", validPort),
  };
}

/** A Host value split into its name (IPv6 without brackets) and port ("" when none). */
export function splitHost(host: string): { name: string; port: string } {
  if (host.startsWith("[")) {
    const close = host.indexOf("]");
    return { name: host.slice(1, close), port: host.slice(close + 2) };
  }
  const colon = host.indexOf(":");
  return colon === -1 ? { name: host, port: "" } : { name: host.slice(0, colon), port: host.slice(colon + 1) };
}
