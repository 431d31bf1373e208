// Response heads as bytes (RFC 9112 section 4, RFC 9110 section 5): the status line and the
// application's fields encoded once, then completed per response with the fields the server adds
// (framing, Connection, Date, Server) and the empty line.
// Must never validate an application's arguments (the gateway did) or decide framing (see
// response-framing.ts); it only writes what it is given.

import { type Slab, writeLatin1 } from "./bytes.ts";

/** The fields the server adds to one response head; null (or -1) leaves one out. */
export interface AddedFields {
  /** A Content-Length the server computed, or -1. */
  readonly contentLength: number;
  /** `Transfer-Encoding: chunked` or null. */
  readonly framing: Uint8Array | null;
  /** `Connection: close` / `Connection: keep-alive` or null. */
  readonly connection: Uint8Array | null;
  /** Date and/or Server lines, or null. */
  readonly server: Uint8Array | null;
}

/** The last head built from one status line and field list, and what was added to it. */
interface BuiltHead {
  contentLength: number;
  framing: Uint8Array | null;
  connection: Uint8Array | null;
  server: Uint8Array | null;
  head: Uint8Array;
}

/** A status line with the application's fields, encoded; heads built from it are remembered here. */
export interface HeadPrefix {
  /** "HTTP/1.1 <status>\r\n" and the application's field lines, as bytes. */
  readonly prefix: Uint8Array;
  /** The last complete head built from this prefix (see buildHead). */
  last: BuiltHead | null;
}

/** "HTTP/1.1 <status>\r\n" and one "name: value\r\n" per field, as Latin-1 bytes. */
export function encodePrefix(status: string, fields: readonly (readonly [string, string])[]): Uint8Array {
  let text = "HTTP/1.1 " + status + "\r\n";
  for (let i = 0; i < fields.length; i++) text += fields[i]![0] + ": " + fields[i]![1] + "\r\n";
  const out = new Uint8Array(text.length);
  writeLatin1(text, out, 0);
  return out;
}

const CONTENT_LENGTH = new TextEncoder().encode("Content-Length: ");

/**
 * A complete head followed by `tail` bytes of room the caller fills (a small known body):
 * the prefix, then the added fields in the order Content-Length, framing, Connection, Date/Server,
 * then the empty line.
 */
export function buildHead(p: HeadPrefix, add: AddedFields, tail: number, slab: Slab): Uint8Array {
  // The same prefix answered the same way (the Date line's bytes change once a second) gives the
  // same head: copy the one built last time instead of building it again.
  const last = p.last;
  if (
    last !== null && last.contentLength === add.contentLength && last.framing === add.framing &&
    last.connection === add.connection && last.server === add.server
  ) {
    const head = last.head;
    const out = slab.alloc(head.length + tail);
    out.set(head, 0);
    return out;
  }
  const prefix = p.prefix;
  const digits = add.contentLength >= 0 ? String(add.contentLength) : "";
  const n =
    prefix.length + (add.contentLength >= 0 ? CONTENT_LENGTH.length + digits.length + 2 : 0) +
    (add.framing?.length ?? 0) + (add.connection?.length ?? 0) + (add.server?.length ?? 0) + 2;
  const out = new Uint8Array(n + tail);
  out.set(prefix, 0);
  let o = prefix.length;
  if (add.contentLength >= 0) {
    out.set(CONTENT_LENGTH, o);
    o += CONTENT_LENGTH.length;
    for (let i = 0; i < digits.length; i++) out[o++] = digits.charCodeAt(i);
    out[o++] = 13;
    out[o++] = 10;
  }
  for (const field of [add.framing, add.connection, add.server]) {
    if (field !== null) {
      out.set(field, o);
      o += field.length;
    }
  }
  out[o++] = 13;
  out[o] = 10;
  p.last = { contentLength: add.contentLength, framing: add.framing, connection: add.connection, server: add.server, head: out.slice(0, n) };
  return out;
}
