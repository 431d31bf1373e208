// Interning of short byte strings: the same header names, values and paths recur on every request,
// so decoding them once and reusing the string saves most of the head's decoding work.
// Must never grow without bound (each table is a fixed-size, direct-mapped cache) and never be
// shared between servers (the parser that owns a table creates it).

import { latin1 } from "./bytes.ts";

/** Strings longer than this are decoded every time. */
const MAX_LEN = 64;

/** A fixed-size cache from byte strings to a value derived from them. */
export class InternTable<T> {
  private readonly bytes: (Uint8Array | null)[];
  private readonly values: T[];
  private readonly mask: number;

  /** `size` must be a power of two. */
  constructor(
    size: number,
    private readonly derive: (text: string) => T,
  ) {
    this.mask = size - 1;
    this.bytes = new Array<Uint8Array | null>(size).fill(null);
    this.values = new Array<T>(size);
  }

  /** The value for buf[start, end), derived from its Latin-1 text on a miss. */
  get(buf: Uint8Array, start: number, end: number): T {
    const n = end - start;
    if (n > MAX_LEN) return this.derive(latin1(buf, start, end));
    let h = n;
    for (let i = start; i < end; i++) h = (Math.imul(h, 31) + buf[i]!) | 0;
    const slot = (h ^ (h >>> 15)) & this.mask;
    const known = this.bytes[slot];
    if (known !== null && known !== undefined && known.length === n) {
      let i = 0;
      while (i < n && known[i] === buf[start + i]) i++;
      if (i === n) return this.values[slot]!;
    }
    const value = this.derive(latin1(buf, start, end));
    this.bytes[slot] = buf.slice(start, end);
    this.values[slot] = value;
    return value;
  }
}

const identity = (s: string): string => s;

/** A table of interned Latin-1 strings (header values, methods, paths). */
export function stringTable(size: number): InternTable<string> {
  return new InternTable<string>(size, identity);
}
