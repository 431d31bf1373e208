// The body an application returned (PEP 3333 "the application object must return an iterable"):
// pulled chunk by chunk (a synchronous iterator in a loop, an asynchronous one as each result
// arrives) while its taker wants more, and closed exactly once: its close(), or else the
// iterator's return() when iteration stopped early.
// Must never pull while the output is full, and never call close() twice or throw from it.

import { isThenable, toBytes } from "./chunks.ts";

/** What the chunks go to (the exchange). */
export interface ChunkTaker {
  /** Pulling stops once this is false. */
  readonly running: boolean;
  /** One non-empty chunk; false: stop pulling. */
  chunk(bytes: Uint8Array): boolean;
  /** The body ended. */
  ended(): void;
  /** The body threw, or yielded something that is not a chunk. */
  failed(error: unknown): void;
  /** The output is full: wait for waitWritable() before pulling more. */
  readonly blocked: boolean;
  waitWritable(): Promise<void>;
  /** Runs a continuation so that nothing it throws becomes an unhandled rejection. */
  guard(fn: () => void): void;
  /** The body's close() threw or rejected (it is logged; nothing else changes). */
  closeFailed(error: unknown): void;
}

export class AppBody {
  private iter: Iterator<unknown> | AsyncIterator<unknown> | null = null;
  private iterDone = false;
  private closed = false;
  /** Continuations, made when first needed (a synchronous body needs none). */
  private pumpTask: (() => void) | null = null;
  private stepTask: ((r: IteratorResult<unknown>) => void) | null = null;
  private failTask: ((e: unknown) => void) | null = null;

  constructor(
    private readonly body: object,
    private readonly taker: ChunkTaker,
  ) {}

  /** Starts pulling an iterable or async iterable; false when the body is neither. Throws what the iterator's creation throws. */
  pull(): boolean {
    const body = this.body as Partial<Iterable<unknown> & AsyncIterable<unknown>>;
    const sync = body[Symbol.iterator];
    const async = body[Symbol.asyncIterator];
    if (typeof sync === "function") this.iter = sync.call(body);
    else if (typeof async === "function") this.iter = async.call(body);
    else return false;
    this.pump();
    return true;
  }

  /** The body was taken whole (an Array): nothing is left to iterate. */
  takenWhole(): void {
    this.iterDone = true;
  }

  /** Pulls until the body ends, the taker stops, or the output is full. */
  private pump(): void {
    const it = this.iter!;
    const taker = this.taker;
    for (;;) {
      if (!taker.running) return;
      let r: IteratorResult<unknown> | PromiseLike<IteratorResult<unknown>>;
      try {
        r = it.next();
      } catch (e) {
        taker.failed(e);
        return;
      }
      if (isThenable(r)) {
        this.stepTask ??= (res) => taker.guard(() => {
          if (this.step(res)) this.pump();
        });
        r.then(this.stepTask, (this.failTask ??= (e) => taker.guard(() => taker.failed(e))));
        return;
      }
      if (!this.step(r)) return;
    }
  }

  /** Takes one iterator result; true when the next one should be pulled now. */
  private step(r: IteratorResult<unknown>): boolean {
    const taker = this.taker;
    if (!taker.running) return false;
    if (r.done) {
      this.iterDone = true;
      taker.ended();
      return false;
    }
    let bytes: Uint8Array;
    try {
      bytes = toBytes(r.value);
    } catch (e) {
      taker.failed(e);
      return false;
    }
    if (bytes.length === 0) return true;
    if (!taker.chunk(bytes)) return false;
    if (taker.blocked) {
      taker.waitWritable().then((this.pumpTask ??= () => taker.guard(() => this.pump())));
      return false;
    }
    return true;
  }

  /** Calls the body's close() (or the iterator's return() when it stopped early), once. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const body = this.body as { close?: unknown };
    try {
      let r: unknown;
      if (typeof body.close === "function") r = (body.close as () => unknown)();
      else if (this.iter !== null && !this.iterDone && typeof this.iter.return === "function") r = this.iter.return();
      if (isThenable(r)) r.then(undefined, (e: unknown) => this.taker.closeFailed(e));
    } catch (e) {
      this.taker.closeFailed(e);
    }
  }
}
