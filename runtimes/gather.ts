// How a driver turns the parts the core hands it (Transport.writev) into the fewest writes its
// runtime can make: runs of small parts joined into one buffer, large parts passed uncopied where
// the runtime gathers them itself; and the staging buffers that runtimes without a gathered write
// join into and reuse. The only place response bytes are joined.
// Must never reorder bytes or reuse a buffer before the runtime has finished writing it.

import { type Slab, copyParts } from "../src/http/bytes.ts";

/** Parts at least this large are written as they are (no copy) when the runtime can gather. */
const LARGE_PART = 16 * 1024;
/** A joined run of small parts is at most this long. */
const RUN_MAX = 256 * 1024;

/**
 * `parts` joined into one buffer from `slab` (or a fresh one) when they are all small and fit in
 * one run (the common case: a pipelined batch, a streamed burst); else null.
 */
export function joinedIfSmall(parts: readonly Uint8Array[], slab: Slab): Uint8Array | null {
  let total = 0;
  for (let i = 0; i < parts.length; i++) {
    const n = parts[i]!.length;
    if (n >= LARGE_PART) return null;
    total += n;
  }
  if (total > RUN_MAX) return null;
  const out = slab.alloc(total);
  copyParts(parts, parts.length, out);
  return out;
}

/**
 * `parts` as buffers to write in order: each run of small parts joined into one buffer from
 * `slab` (or a fresh one), each large part as it is.
 */
export function joinRuns(parts: readonly Uint8Array[], slab: Slab): Uint8Array[] {
  const out: Uint8Array[] = [];
  let runStart = 0;
  let runBytes = 0;
  const endRun = (end: number): void => {
    if (end - runStart === 1) out.push(parts[runStart]!);
    else if (end > runStart) {
      const joined = slab.alloc(runBytes);
      let o = 0;
      for (let i = runStart; i < end; i++) {
        joined.set(parts[i]!, o);
        o += parts[i]!.length;
      }
      out.push(joined);
    }
    runBytes = 0;
  };
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (p.length >= LARGE_PART) {
      endRun(i);
      out.push(p);
      runStart = i + 1;
    } else {
      if (runBytes + p.length > RUN_MAX) {
        endRun(i);
        runStart = i;
      }
      runBytes += p.length;
    }
  }
  endRun(parts.length);
  return out;
}

/** Largest join into one staging buffer. */
export const STAGING_MAX = 128 * 1024;
const STAGING_STEP = 16 * 1024;
/** Kept buffers, in bytes and in number (bounds the search for one that fits). */
const POOL_BYTES = 4 * 1024 * 1024;
const POOL_COUNT = 64;

/**
 * Reusable staging buffers for runtimes without a gathered write (Bun, Deno): a fresh array costs
 * more to allocate and zero than the copy (Deno: 2.3 vs 0.5 us for 64 KiB). Buffers are sized to
 * the need in 16 KiB steps and kept, within bounds, for the next joins. One pool per listener.
 */
export class StagingPool {
  private readonly kept: Uint8Array[] = [];
  private keptBytes = 0;

  /** A buffer of at least `total` bytes (at most STAGING_MAX): a kept one that fits, or a new one. */
  take(total: number): Uint8Array {
    const kept = this.kept;
    for (let i = kept.length - 1; i >= 0; i--) {
      const buf = kept[i]!;
      if (buf.length >= total) {
        kept[i] = kept[kept.length - 1]!;
        kept.pop();
        this.keptBytes -= buf.length;
        return buf;
      }
    }
    return new Uint8Array(Math.ceil(total / STAGING_STEP) * STAGING_STEP);
  }

  /** A buffer whose write is done: kept for the next join while the pool has room. */
  release(buf: Uint8Array): void {
    if (this.keptBytes + buf.length > POOL_BYTES || this.kept.length >= POOL_COUNT) return;
    this.kept.push(buf);
    this.keptBytes += buf.length;
  }

  /** The first `count` of `parts` (`total` bytes, at most STAGING_MAX) joined in a staging buffer. */
  join(parts: readonly Uint8Array[], count: number, total: number): Uint8Array {
    const buf = this.take(total);
    copyParts(parts, count, buf);
    return buf;
  }
}

/** How many leading parts fit in one staging buffer together, and their size. */
export function fitsStaging(parts: readonly Uint8Array[]): { count: number; bytes: number } {
  let count = 0;
  let bytes = 0;
  while (count < parts.length && bytes + parts[count]!.length <= STAGING_MAX) bytes += parts[count++]!.length;
  return { count, bytes };
}
