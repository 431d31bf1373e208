// The repeated-head cache: the last head a server parsed, as the bytes it came from. Clients resend
// the same head on a keep-alive connection, so a request whose bytes repeat it exactly reuses the
// parse (the parse depends only on the bytes and the server's fixed limits).
// Must never copy (the bytes are a view of the driver's buffer, which drivers never reuse), never
// hand out a mutable result, and never let its timing tell how much of a head matched.

/** Heads longer than this are not remembered (comparing them would cost more than it saves). */
const MAX_REMEMBERED = 2048;

export class RepeatedHead<T> {
  private bytes: Uint8Array | null = null;
  private head: T | null = null;

  /** The parse of the remembered head when buf starts with its bytes, else null. */
  match(buf: Uint8Array): T | null {
    const known = this.bytes;
    if (known === null) return null;
    const n = known.length;
    if (buf.length < n) return null;
    // No early exit: how long a miss takes must not tell a client how much of another client's
    // head it guessed.
    let diff = 0;
    for (let i = 0; i < n; i++) diff |= buf[i]! ^ known[i]!;
    return diff === 0 ? this.head : null;
  }

  /** The length in bytes of the remembered head. */
  get length(): number {
    return this.bytes === null ? 0 : this.bytes.length;
  }

  /** Remembers buf[0, end) as the bytes of `head`. */
  remember(buf: Uint8Array, end: number, head: T): void {
    if (end > MAX_REMEMBERED) return;
    this.bytes = buf.subarray(0, end);
    this.head = head;
  }
}
