// Byte helpers for the hot path: Latin-1 and UTF-8 conversion and concatenation.
// Must never use a runtime's own buffer type (Buffer, Deno APIs): plain Uint8Array only.

const utf8 = new TextEncoder();

// Small byte arrays are cut from a shared slab: one allocation of backing store per SLAB bytes
// instead of one per array (allocating a backing store costs far more than the object). A region is
// never handed out twice, so a view someone keeps stays valid; the slab is freed with its last view.
const SLAB = 64 * 1024;
const SLAB_MAX_ITEM = 4096;
let slab = new Uint8Array(SLAB);
let slabUsed = 0;

/**
 * A zero-filled array of n bytes (small ones from the slab, even the smallest: on Deno every
 * new Uint8Array costs ~166 ns, a slab view ~15 ns; on Node and Bun the two cost about the same).
 */
export function allocBytes(n: number): Uint8Array {
  if (n > SLAB_MAX_ITEM || n === 0) return new Uint8Array(n);
  if (slabUsed + n > SLAB) {
    slab = new Uint8Array(SLAB);
    slabUsed = 0;
  }
  const out = slab.subarray(slabUsed, slabUsed + n);
  slabUsed += (n + 7) & ~7;
  return out;
}
const ASCII_ONLY = /^[\x00-\x7f]*$/;

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

/** One array holding all `parts` in order; `total` is the sum of their lengths. */
export function concatAll(parts: readonly Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = allocBytes(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
