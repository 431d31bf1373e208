// Unit tests of the Deno driver's write path with a fake Deno.Conn whose writes complete only when
// the test says so (and may be partial): chunks queued behind a pending write, joined in staging
// buffers that are reused once written, must reach the wire whole, once and in order.
// These run under Node (vitest) against runtimes/deno/sockets.ts's DenoConnection: only the fake conn is
// Deno-shaped. The integration tests cover the real driver on Deno; this covers the orders of
// completion they cannot force. It must never wait on time: each step settles microtasks only.
import { describe, expect, test } from "vitest";
import { DenoConnection, type DenoConn, sharedState } from "../../runtimes/deno/sockets.ts";
import { settle } from "./fake.ts";

/** A Deno.Conn whose writes the test completes: accept(n) lets the kernel take n bytes of the oldest pending write. */
class FakeConn implements DenoConn {
  readonly remoteAddr = { transport: "tcp", hostname: "127.0.0.1", port: 1 };
  wire: number[] = [];
  private pending: { bytes: Uint8Array; resolve: (n: number) => void }[] = [];
  read(): Promise<number | null> {
    return new Promise<number | null>(() => {});
  }
  write(p: Uint8Array): Promise<number> {
    return new Promise<number>((resolve) => this.pending.push({ bytes: p, resolve }));
  }
  closeWrite(): Promise<void> {
    return Promise.resolve();
  }
  close(): void {}
  get writes(): number {
    return this.pending.length;
  }
  /** The kernel takes up to n bytes of the oldest pending write (all of it by default); resolves it. */
  async accept(n = Infinity): Promise<void> {
    const w = this.pending.shift();
    if (w === undefined) throw new Error("no write is pending");
    const k = Math.min(n, w.bytes.length);
    for (let i = 0; i < k; i++) this.wire.push(w.bytes[i]!);
    w.resolve(k);
    await settle();
  }
  /** Accepts whole writes until none is pending. */
  async acceptAll(): Promise<void> {
    while (this.writes > 0) await this.accept();
  }
}

/** n bytes of a pattern unique to `seed`. */
function pattern(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 7 + seed * 13) % 251;
  return out;
}

function joined(parts: Uint8Array[]): number[] {
  return parts.flatMap((p) => [...p]);
}

function open(): { conn: FakeConn; t: DenoConnection; drains: () => number } {
  const conn = new FakeConn();
  const t = new DenoConnection(conn, sharedState(() => {}));
  let drains = 0;
  t.handle = { received() {}, writable: () => drains++, peerFinished() {}, closed() {} };
  return { conn, t, drains: () => drains };
}

describe("Deno driver writes (fake conn)", () => {
  test("writes queued behind a pending one, some partial, reach the wire once and in order", async () => {
    const { conn, t } = open();
    const parts = [pattern(1000, 1), pattern(3000, 2), pattern(10, 3), pattern(20_000, 4), pattern(500, 5)];
    t.write(parts[0]!);
    t.write(parts[1]!);
    t.write(parts[2]!);
    t.writev([parts[3]!, parts[4]!]);
    expect(conn.writes).toBe(1); // one write in flight; the rest queued behind it
    await conn.accept(300); // partial: the rest of the first chunk goes next
    await conn.accept();
    expect(conn.writes).toBe(1); // the four queued chunks leave joined in one write
    await conn.accept(7000);
    await conn.acceptAll();
    expect(conn.wire).toEqual(joined(parts));
  });

  test("a queue larger than a staging buffer leaves in several joined writes, in order", async () => {
    const { conn, t } = open();
    const parts = [pattern(100, 1), ...Array.from({ length: 6 }, (_, i) => pattern(50_000 + i, i + 2))];
    for (const p of parts) t.write(p);
    await conn.accept();
    let writes = 0;
    while (conn.writes > 0) {
      writes++;
      await conn.accept();
    }
    expect(writes).toBeGreaterThan(1);
    expect(writes).toBeLessThan(6);
    expect(conn.wire).toEqual(joined(parts));
  });

  test("staging buffers are reused only once written: two connections and partial writes", async () => {
    const a = open();
    const b = open();
    const wantA: Uint8Array[] = [];
    const wantB: Uint8Array[] = [];
    for (let round = 0; round < 5; round++) {
      const pa = [pattern(200, round), pattern(70_000, round + 10)];
      const pb = [pattern(300, round + 20), pattern(40_000, round + 30)];
      wantA.push(...pa);
      wantB.push(...pb);
      a.t.writev(pa); // staged: nothing in flight on a
      b.t.writev(pb); // staged in another buffer while a's is still being written
      await a.conn.accept(1000); // a's write is partial: its buffer must stay untouched
      b.t.writev([pattern(10, 99)]);
      wantB.push(pattern(10, 99));
      await b.conn.acceptAll();
      await a.conn.acceptAll();
    }
    expect(a.conn.wire).toEqual(joined(wantA));
    expect(b.conn.wire).toEqual(joined(wantB));
  });

  test("write() reports backpressure above the mark and drain() follows once all is written", async () => {
    const { conn, t, drains } = open();
    expect(t.write(pattern(40_000, 1))).toBe(true);
    expect(t.write(pattern(40_000, 2))).toBe(false);
    await conn.accept();
    expect(drains()).toBe(0);
    await conn.acceptAll();
    expect(drains()).toBe(1);
  });
});
