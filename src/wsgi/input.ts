// wsgi.input (PEP 3333 "input and error streams"): the request body as an async, file-like stream
// fed by the connection.
// Must never read past the body's end, and never hold more than the app asked for plus one
// high-water mark of unread bytes (the connection pauses the socket above it).

import type { InputStream } from "./types.ts";

const EMPTY = new Uint8Array(0);

/**
 * `input[READ_SOME](max)`: the bytes that have arrived (at most `max`, and never across two received
 * pieces, so never a copy), waiting only until at least one byte is there; empty at the end. Not part
 * of the interface: adapters that turn the body into a stream (adapters/from-fetch.ts) use it when
 * the input has it, so each piece is passed on as it arrives instead of waiting for a block.
 */
export const READ_SOME: unique symbol = Symbol("tsgi.readSome");

/** What the stream tells its connection. */
export interface InputOwner {
  /** The app read for the first time (time for a 100 Continue). */
  inputFirstRead(): void;
  /** The app took bytes; the connection may resume reading. */
  inputConsumed(): void;
  /** The app is now waiting for body bytes that have not arrived (body timeout starts). */
  inputWaiting(): void;
}

interface Waiter {
  resolve: () => void;
  reject: (e: unknown) => void;
}

export class RequestInput implements InputStream {
  private chunks: Uint8Array[] = [];
  private head = 0; // index of the first unread chunk
  /** Unread bytes held. */
  buffered = 0;
  /** The body is complete: no more push(). */
  ended = false;
  private error: unknown = null;
  private waiter: Waiter | null = null;
  /** The waiting read is satisfied once this many bytes are buffered (Infinity: only at the end). */
  private wanted = 0;
  private started = false;

  constructor(private readonly owner: InputOwner) {}

  /** The connection delivers body bytes (a view it will not reuse). */
  push(data: Uint8Array): void {
    if (data.length === 0) return;
    this.chunks.push(data);
    this.buffered += data.length;
    if (this.buffered >= this.wanted) this.wake();
  }

  /** The body is complete. */
  end(): void {
    this.ended = true;
    this.wake();
  }

  /** The body cannot be completed (malformed, too large, timed out, client gone). Reads reject. */
  fail(error: unknown): void {
    if (this.ended || this.error !== null) return;
    this.error = error;
    const w = this.waiter;
    this.waiter = null;
    if (w !== null) w.reject(error);
  }

  /** True while the app is blocked in a read waiting for bytes (the connection must keep reading). */
  get waiting(): boolean {
    return this.waiter !== null;
  }

  private wake(): void {
    const w = this.waiter;
    if (w !== null) {
      this.waiter = null;
      w.resolve();
    }
  }

  /** Waits until `wanted` bytes are buffered, the body ends, or it fails. */
  private wait(wanted: number): Promise<void> {
    if (this.error !== null) return Promise.reject(this.error);
    if (this.waiter !== null) return Promise.reject(new TypeError("wsgi.input: another read is still waiting; await it before reading again"));
    this.wanted = wanted;
    return new Promise<void>((resolve, reject) => {
      this.waiter = { resolve, reject };
      this.owner.inputWaiting();
    });
  }

  private begin(): void {
    if (!this.started) {
      this.started = true;
      this.owner.inputFirstRead();
    }
  }

  /** Removes and returns up to n buffered bytes (n <= buffered). */
  private take(n: number): Uint8Array {
    if (n === 0) return EMPTY;
    const first = this.chunks[this.head]!;
    let out: Uint8Array;
    if (first.length > n) {
      out = first.subarray(0, n);
      this.chunks[this.head] = first.subarray(n);
    } else if (first.length === n) {
      out = first;
      this.chunks[this.head++] = EMPTY;
    } else {
      out = new Uint8Array(n);
      let o = 0;
      while (o < n) {
        const c = this.chunks[this.head]!;
        const k = Math.min(c.length, n - o);
        out.set(k === c.length ? c : c.subarray(0, k), o);
        o += k;
        if (k === c.length) this.chunks[this.head++] = EMPTY;
        else this.chunks[this.head] = c.subarray(k);
      }
    }
    if (this.head > 32 && this.head * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
    this.buffered -= n;
    this.owner.inputConsumed();
    return out;
  }

  /** Index (relative to unread data) just past the first "\n", or -1. */
  private lineEnd(limit: number): number {
    let offset = 0;
    for (let c = this.head; c < this.chunks.length && offset < limit; c++) {
      const chunk = this.chunks[c]!;
      const at = chunk.indexOf(10);
      if (at !== -1) return Math.min(offset + at + 1, limit);
      offset += chunk.length;
    }
    return -1;
  }

  async read(size?: number): Promise<Uint8Array> {
    this.begin();
    if (size === undefined || size === null || size < 0) {
      while (!this.ended) await this.wait(Infinity);
      return this.take(this.buffered);
    }
    if (size === 0) return EMPTY;
    while (this.buffered < size && !this.ended) await this.wait(size);
    return this.take(Math.min(size, this.buffered));
  }

  async [READ_SOME](max: number): Promise<Uint8Array> {
    this.begin();
    while (this.buffered === 0 && !this.ended) await this.wait(1);
    if (this.buffered === 0) return EMPTY;
    return this.take(Math.min(this.chunks[this.head]!.length, max));
  }

  async readline(size?: number): Promise<Uint8Array> {
    this.begin();
    const limit = size === undefined || size === null || size < 0 ? Infinity : size;
    if (limit === 0) return EMPTY;
    for (;;) {
      const end = this.lineEnd(limit);
      if (end !== -1) return this.take(end);
      if (this.buffered >= limit) return this.take(limit);
      if (this.ended) return this.take(this.buffered);
      await this.wait(0); // any new byte may complete the line
    }
  }

  async readlines(hint?: number): Promise<Uint8Array[]> {
    const lines: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const line = await this.readline();
      if (line.length === 0) return lines;
      lines.push(line);
      total += line.length;
      if (hint !== undefined && hint > 0 && total >= hint) return lines;
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (;;) {
      const line = await this.readline();
      if (line.length === 0) return;
      yield line;
    }
  }
}

/** The input of a request without a body: stateless and frozen, so one instance serves them all. */
class EmptyInput implements InputStream {
  read(): Promise<Uint8Array> {
    return Promise.resolve(EMPTY);
  }
  readline(): Promise<Uint8Array> {
    return Promise.resolve(EMPTY);
  }
  readlines(): Promise<Uint8Array[]> {
    return Promise.resolve([]);
  }
  [READ_SOME](): Promise<Uint8Array> {
    return Promise.resolve(EMPTY);
  }
  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {}
}

export const EMPTY_INPUT: InputStream = Object.freeze(new EmptyInput());
