// The response body fromNodeHandler returns to the server: an async iterator fed by res.write() and
// res.end(). A chunk written while the server waits goes to it at once; others queue, and the queue's
// size is what makes res.write() return false (node:http's high-water mark). The server pulls only as
// the connection takes bytes, so a slow client fills the queue and holds the handler back through
// 'drain' (called by the response when the queue empties).
// Must never copy a chunk, never drop one, and never let a pending next() hang after close().

/** What the body tells the response about: a chunk taken, the end taken, the server done with it. */
export interface BodyEvents {
  _taken(queued: number): void;
  _finished(): void;
  _closed(cut: boolean): void;
}

export type WriteCallback = (err?: Error | null) => void;

/** node:http's writableHighWaterMark (16 KiB): write() returns false once this much waits. */
export const RESPONSE_HIGH_WATER = 16 * 1024;

const DONE: IteratorResult<Uint8Array> = Object.freeze({ done: true, value: undefined });

export class NodeBody implements AsyncIterableIterator<Uint8Array> {
  /** Bytes queued, not yet taken by the server. */
  queued = 0;
  /** res.end() was called: nothing more comes. */
  ended = false;
  /** The server was given the end (the response is complete). */
  done = false;
  /** The server is done with the body (close() was called). */
  closed = false;
  private chunks: Uint8Array[] = [];
  private callbacks: (WriteCallback | undefined)[] = [];
  private head = 0;
  private failure: Error | null = null;
  private waiting: { resolve: (r: IteratorResult<Uint8Array>) => void; reject: (e: Error) => void } | null = null;

  constructor(private readonly events: BodyEvents) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Queues a chunk (or hands it to a waiting server); false once the queue is at its mark. */
  push(chunk: Uint8Array, callback: WriteCallback | undefined): boolean {
    const waiting = this.waiting;
    if (waiting !== null) {
      this.waiting = null;
      waiting.resolve({ done: false, value: chunk });
      if (callback !== undefined) queueMicrotask(() => callback());
      return true;
    }
    this.chunks.push(chunk);
    this.callbacks.push(callback);
    this.queued += chunk.length;
    return this.queued < RESPONSE_HIGH_WATER;
  }

  /** No more chunks come. */
  end(): void {
    this.ended = true;
    const waiting = this.waiting;
    if (waiting !== null) {
      this.waiting = null;
      this.done = true;
      waiting.resolve(DONE);
      this.events._finished();
    }
  }

  /** The response cannot complete: the server's next pull rejects (it logs and closes the connection). */
  fail(err: Error): void {
    if (this.failure !== null || this.done) return;
    this.failure = err;
    const waiting = this.waiting;
    if (waiting !== null) {
      this.waiting = null;
      waiting.reject(err);
    }
  }

  /** Everything queued, as an Array (the whole body, for a response ended before the server asked). */
  takeAll(): Uint8Array[] {
    const chunks = this.head === 0 ? this.chunks : this.chunks.slice(this.head);
    for (let i = this.head; i < this.callbacks.length; i++) {
      const cb = this.callbacks[i];
      if (cb !== undefined) queueMicrotask(() => cb());
    }
    this.chunks = [];
    this.callbacks = [];
    this.head = 0;
    this.queued = 0;
    return chunks;
  }

  next(): Promise<IteratorResult<Uint8Array>> {
    const chunks = this.chunks;
    if (this.head < chunks.length) {
      const i = this.head++;
      const chunk = chunks[i]!;
      const cb = this.callbacks[i];
      if (this.head === chunks.length) {
        this.chunks = [];
        this.callbacks = [];
        this.head = 0;
      }
      this.queued -= chunk.length;
      if (cb !== undefined) queueMicrotask(() => cb());
      this.events._taken(this.queued);
      return Promise.resolve({ done: false, value: chunk });
    }
    if (this.failure !== null) return Promise.reject(this.failure);
    if (this.ended || this.closed) {
      if (!this.done && this.ended) {
        this.done = true;
        this.events._finished();
      }
      return Promise.resolve(DONE);
    }
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }

  /** The server is done with the body: cut short when the handler had not ended it, or it failed. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const waiting = this.waiting;
    if (waiting !== null) {
      this.waiting = null;
      waiting.resolve(DONE);
    }
    this.events._closed(!this.done || this.failure !== null);
  }
}
