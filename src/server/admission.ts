// --limit-concurrency: at most `limit` requests of one server in the app at once; up to `backlog`
// more wait in a FIFO queue (their exchanges are made but not started, so later pipelined requests
// of the same connection wait behind them, in order); beyond that a request is answered at once by
// a small built-in app: 503 with Retry-After, through the ordinary exchange, so the connection stays
// usable and an unread request body is discarded by the usual rules. Owned by the ServerCore, which
// makes one only when the limit is on (a connection's Responder checks for null, nothing more, when
// it is off: responder.ts run, abort, exchangeDone).
// Must never touch a connection or a transport: it starts exchanges (and restarts a started one's
// progress clock through its WaitingHost), nothing else.

import type { Application, Body, Environ, StartResponse } from "../wsgi/types.ts";
import type { Exchange } from "../wsgi/exchange.ts";

/** What a waiting request's connection is told when its request starts: its progress clock restarts. */
export interface WaitingHost {
  progress(): void;
}

/** The Retry-After of a refused request, in seconds: requests of an app are usually short. */
export const RETRY_AFTER_SECONDS = 1;
const REFUSAL_BODY = "server busy: too many requests, retry later\n";
const REFUSAL_HEADERS: [string, string][] = [
  ["Content-Type", "text/plain; charset=utf-8"],
  ["Retry-After", String(RETRY_AFTER_SECONDS)],
];

/** The app that answers a request the server has no room for. */
const refuse: Application = (_environ: Environ, startResponse: StartResponse): Body => {
  startResponse("503 Service Unavailable", REFUSAL_HEADERS);
  return [REFUSAL_BODY];
};

export class Admission {
  /** Exchanges started through this admission and not yet done. */
  private readonly running = new Set<Exchange>();
  /** Exchanges waiting for a slot with their connections, oldest first (a Map keeps insertion order and deletes in O(1)). */
  private readonly waiting = new Map<Exchange, WaitingHost>();
  /** Exchanges refused so far (503). */
  refused = 0;
  /** Set when the server gives up on its connections (the end of a graceful stop): nothing more starts. */
  private stopped = false;
  /** Set while pump() starts waiting exchanges: a slot freed meanwhile is filled by that same loop. */
  private pumping = false;

  constructor(
    private readonly app: Application,
    readonly limit: number,
    readonly backlog: number,
  ) {}

  /** Requests in the app now. */
  get active(): number {
    return this.running.size;
  }

  /** Requests waiting for a slot. */
  get queued(): number {
    return this.waiting.size;
  }

  /**
   * A request is ready to run: it runs now, waits in the queue, or is refused (503) at once. The
   * wait counts toward the response timeout of `host`; when the request starts, its clock restarts.
   */
  enter(ex: Exchange, host: WaitingHost): void {
    if (this.running.size < this.limit && this.waiting.size === 0) {
      this.running.add(ex);
      ex.run(this.app);
    } else if (this.waiting.size < this.backlog) {
      this.waiting.set(ex, host);
      this.pump(); // a slot may be free while others wait (never in practice: pump() fills it)
    } else {
      this.refused++;
      ex.run(refuse);
    }
  }

  /**
   * The exchange is over (done, failed, or its client gone): its slot frees and the oldest waiting
   * request starts; a waiting one leaves the queue without ever running.
   */
  leave(ex: Exchange): void {
    if (this.running.delete(ex)) this.pump();
    else this.waiting.delete(ex);
  }

  /** Nothing waiting starts any more (the server is about to close every connection). */
  stop(): void {
    this.stopped = true;
  }

  /** Starts waiting exchanges while slots are free, oldest first. */
  private pump(): void {
    if (this.pumping || this.stopped) return;
    this.pumping = true;
    try {
      while (this.running.size < this.limit && this.waiting.size > 0) {
        const [next, host] = this.waiting.entries().next().value as [Exchange, WaitingHost];
        this.waiting.delete(next);
        if (next.done) continue; // failed while waiting (its response timed out): nothing to run
        this.running.add(next);
        host.progress();
        next.run(this.app);
      }
    } finally {
      this.pumping = false;
    }
  }
}
