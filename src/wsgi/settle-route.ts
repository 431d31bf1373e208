// One callback pair per connection for the Promises its async apps return: each Promise settles into
// the exchange that handed it over, with no closures made per request. One Promise at a time goes
// this way (a connection runs one exchange at a time); while one is still out (its exchange ended
// first: client gone, timeout), the next exchange makes its own callbacks.
// Must never deliver a settlement to any exchange but the one whose Promise it is, and never take a
// thenable that might call back twice (only a Promise whose then() is Promise.prototype.then).

const PROMISE_THEN = Promise.prototype.then;

/** What a settlement is delivered to: an Exchange. */
export interface Settling {
  settled(value: unknown, failed: boolean): void;
}

export class SettleRoute {
  /** Whose Promise is out through this route's callbacks. */
  private waiting: Settling | null = null;
  private readonly fulfilled = (value: unknown): void => this.deliver(value, false);
  private readonly rejected = (error: unknown): void => this.deliver(error, true);

  /**
   * Has `p` settle into `to` through this route; false when it cannot (a Promise is already out, or
   * `p` is no native Promise): the caller makes its own callbacks. Throws what then() throws.
   */
  take(p: PromiseLike<unknown>, to: Settling): boolean {
    if (this.waiting !== null || p.then !== PROMISE_THEN) return false;
    this.waiting = to;
    try {
      (p as Promise<unknown>).then(this.fulfilled, this.rejected);
    } catch (e) {
      this.waiting = null; // a species constructor that throws: nothing was registered
      throw e;
    }
    return true;
  }

  private deliver(value: unknown, failed: boolean): void {
    const to = this.waiting;
    this.waiting = null; // free before delivering: the next exchange may start inside settled()
    if (to !== null) to.settled(value, failed);
  }
}
