// Byte helpers for the hot path: Latin-1 and UTF-8 conversion, joining, and a slab allocator for
// small arrays. Must never use a runtime's own buffer type (Buffer, Deno APIs): plain Uint8Array
// only, and never keep state at module level (a Slab belongs to whoever creates it).

const utf8 = new TextEncoder();
const ASCII_ONLY = /^[\x00-\x7f]*$/;

/** Backing store per slab. */
const SLAB_SIZE = 64 * 1024;
/** Arrays larger than this get their own backing store. */
const SLAB_MAX_ITEM = 4096;

/**
 * Small byte arrays cut from a shared backing store: one allocation per SLAB_SIZE bytes instead of
 * one per array (allocating a backing store costs far more than the view: on Deno every
 * new Uint8Array costs ~166 ns, a slab view ~15 ns; on Node and Bun about the same). A region is
 * never handed out twice, so a view someone keeps stays valid; a slab is freed with its last view.
 */
export class Slab {
  private store = new ArrayBuffer(SLAB_SIZE);
  private used = 0;

  /** A zero-filled array of n bytes nobody else will write. */
  alloc(n: number): Uint8Array {
    if (n > SLAB_MAX_ITEM || n === 0) return new Uint8Array(n);
    if (this.used + n > SLAB_SIZE) {
      this.store = new ArrayBuffer(SLAB_SIZE);
      this.used = 0;
    }
    // A view made on the store itself: cheaper than subarray() of a Uint8Array (Node, Deno).
    const out = new Uint8Array(this.store, this.used, n);
    this.used += (n + 7) & ~7;
    return out;
  }
}

/** The bytes [start, end) of `buf` as a Latin-1 string (one char per byte), as PEP 3333 carries them. */
export function latin1(buf: Uint8Array, start: number, end: number): string {
  const n = end - start;
  if (n <= 0) return "";
  if (n < 1024) {
    return String.fromCharCode.apply(null, buf.subarray(start, end) as unknown as number[]);
  }
  let s = "";
  for (let i = start; i < end; i += 1024) {
    s += String.fromCharCode.apply(null, buf.subarray(i, Math.min(end, i + 1024)) as unknown as number[]);
  }
  return s;
}

/** Encodes a string whose chars are all <= 0xFF as Latin-1 into `out` at `offset`; returns the new offset. */
export function writeLatin1(s: string, out: Uint8Array, offset: number): number {
  if (ASCII_ONLY.test(s)) {
    return offset + utf8.encodeInto(s, out.subarray(offset)).written;
  }
  for (let i = 0; i < s.length; i++) out[offset + i] = s.charCodeAt(i);
  return offset + s.length;
}

/** A string as Latin-1 bytes (chars must be <= 0xFF). */
export function encodeLatin1(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  writeLatin1(s, out, 0);
  return out;
}

/** A string as UTF-8 bytes. Short ASCII strings are copied by hand: cheaper than a native call. */
export function encodeUtf8(s: string): Uint8Array {
  const n = s.length;
  if (n <= 64) {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7f) return utf8.encode(s);
      out[i] = c;
    }
    return out;
  }
  return utf8.encode(s);
}

/** One array holding `a` followed by `b`. */
export function concat2(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** Copies the first `count` of `parts` in order into `out` from offset `at` (0 if omitted); returns the offset past them. */
export function copyParts(parts: readonly Uint8Array[], count: number, out: Uint8Array, at = 0): number {
  let o = at;
  for (let i = 0; i < count; i++) {
    const p = parts[i]!;
    out.set(p, o);
    o += p.length;
  }
  return o;
}
