// The one place a connection's response bytes wait on their way to the transport: parts produced in
// one burst (a whole pipelined batch, an async generator yielding without real waits) are queued
// and handed over together once the burst is over, in a single write or writev; the queue's size
// and the transport's answer give backpressure to producers.
// Must never copy or reorder bytes (joining is the driver's: it knows its runtime's writes), and
// never write after close.

import type { Transport } from "./transport.ts";

/** Queued bytes past which producers wait. */
const HIGH_WATER = 64 * 1024;

export class Output {
  /** The part queued when it is the only one (most flushes have one); else all of them in `parts`. */
  private first: Uint8Array | null = null;
  private parts: Uint8Array[] | null = null;
  private bytes = 0;
  /** Holds in force (hold()): while any is, send() queues without scheduling; the holders flush or schedule. */
  private holds = 0;
  private flushScheduled = false;
  /** The transport refused more (write returned false) and has not said it is writable again. */
  private transportFull = false;
  private closed = false;
  private waiters: (() => void)[] | null = null;
  /** Made when first needed: a synchronous app's bytes are flushed by the connection, never scheduled. */
  private flushTask: (() => void) | null = null;

  constructor(
    private readonly transport: Transport,
    private readonly schedule: (task: () => void) => void,
  ) {}

  /** Queues bytes; they go out at the end of the current burst. */
  send(data: Uint8Array): void {
    if (this.closed) return;
    this.queue(data);
    if (this.holds === 0) this.scheduleFlush();
  }

  /**
   * A burst begins (the connection's loop, or an exchange's continuation): what is sent until the
   * matching release() waits for its holder instead of scheduling a flush of its own. Holds nest.
   */
  hold(): void {
    this.holds++;
  }

  /** The end of a hold. The connection's loop flushes itself after; unflushed bytes left by the last hold get the flush send() would have scheduled. */
  release(): void {
    if (--this.holds === 0 && this.first !== null) this.scheduleFlush();
  }

  /** Ends a hold without scheduling anything: the caller flushes now (or calls endBurst()). */
  releaseQuietly(): void {
    this.holds--;
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    this.schedule((this.flushTask ??= () => {
      this.flushScheduled = false;
      this.flush();
    }));
  }

  /** Queues bytes without scheduling their flush: the caller flushes (a last response before close). */
  queue(data: Uint8Array): void {
    if (this.closed) return;
    if (this.parts !== null) this.parts.push(data);
    else if (this.first === null) this.first = data;
    else this.parts = [this.first, data];
    this.bytes += data.length;
  }

  /** Bytes queued and not yet handed to the transport. */
  get queued(): number {
    return this.bytes;
  }

  /** The transport is full: nothing should be produced until writable(). */
  get full(): boolean {
    return this.transportFull;
  }

  /** Producers should wait (waitWritable) before producing more. */
  get blocked(): boolean {
    return this.transportFull || this.bytes > HIGH_WATER;
  }

  /**
   * The end of a burst: flushes now, unless a flush is already scheduled after the microtask queue
   * (bytes were queued from an async continuation), which then takes these bytes too: responses
   * completed in the same turn (a pipelined batch of async apps) leave in one write.
   */
  endBurst(): void {
    // Under an outer hold (an exchange's continuation), its release() takes these bytes.
    if (this.holds === 0 && !this.flushScheduled) this.flush();
  }

  /** Takes everything queued, to hand to the transport some other way (Transport.sendFile). */
  take(): Uint8Array[] {
    const first = this.first;
    if (first === null) return [];
    const parts = this.parts ?? [first];
    this.first = null;
    this.parts = null;
    this.bytes = 0;
    return parts;
  }

  /** Hands everything queued to the transport. */
  flush(): void {
    const first = this.first;
    if (first === null || this.closed) return;
    const parts = this.parts;
    this.first = null;
    this.parts = null;
    this.bytes = 0;
    const ok = parts === null ? this.transport.write(first) : this.transport.writev(parts);
    if (!ok) this.transportFull = true;
  }

  /** Flushes, then resolves once the transport can take more (at once if it can). */
  waitWritable(): Promise<void> {
    this.flush();
    if (!this.transportFull || this.closed) return Promise.resolve();
    return new Promise<void>((resolve) => (this.waiters ??= []).push(resolve));
  }

  /** The transport can take more again. */
  writable(): void {
    this.transportFull = false;
    this.wake();
  }

  /** Nothing more will be written: queued bytes are dropped and waiting producers released. */
  close(): void {
    this.closed = true;
    this.first = null;
    this.parts = null;
    this.bytes = 0;
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    if (waiters === null) return;
    this.waiters = null;
    for (const w of waiters) w();
  }
}
