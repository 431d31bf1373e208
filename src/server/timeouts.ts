// The per-connection timeouts: what a connection is waiting for (its timer kind) and what happens
// when that wait is over (head, body, keep-alive, response progress, and a client that stops
// reading). Judged on the server's coarse ticker, never with a timer per connection.
// Must never act on a connection except through TimedConnection, and never fire twice for one wait.

import type { ServerContext } from "./context.ts";
import type { ConnectionFacts } from "../wsgi/environ.ts";
import type { Exchange } from "../wsgi/exchange.ts";
import type { RequestBody } from "./request-body.ts";
import { ApplicationTimeout, HttpError } from "../errors.ts";

/** Waiting for the first byte of a request (keep-alive idle, or a new connection). */
export const T_IDLE = 0;
/** A request head is arriving. */
export const T_HEAD = 1;
/** The app is answering. */
export const T_EXCHANGE = 2;
/** Discarding an unread request body after the response. */
export const T_DISCARD = 3;
export type TimerKind = typeof T_IDLE | typeof T_HEAD | typeof T_EXCHANGE | typeof T_DISCARD;

/** What the timeouts read and do on a connection. */
export interface TimedConnection {
  readonly ctx: ServerContext;
  readonly facts: ConnectionFacts;
  readonly timer: TimerKind;
  readonly deadline: number;
  readonly lastProgressAt: number;
  readonly requests: number;
  readonly gone: boolean;
  readonly finished: boolean;
  readonly exchange: Exchange | null;
  readonly body: RequestBody | null;
  /** Bytes of a request head have arrived. */
  readonly headStarted: boolean;
  /** The transport refused more and has not said it is writable again. */
  readonly transportFull: boolean;
  setTimer(kind: TimerKind, ms: number): void;
  /** Answers `status` (the server's own error response) and closes. */
  refuse(status: number, detail: string): void;
  failBody(error: HttpError): void;
  failExchange(error: Error): void;
  closeTransport(): void;
  abort(): void;
}

/**
 * Called on each tick with the current time. Returns whether a timeout acted (an error response, a
 * close, a failed exchange): the server bounds how many of those one slice of its ticker does.
 */
export function judge(c: TimedConnection, now: number): boolean {
  if (c.gone) return false;
  const o = c.ctx.options;
  if (c.finished) {
    // Closing, but the client is not taking the last bytes: give up after the response timeout.
    if (!stalled(c, now)) return false;
    dropStalledClient(c);
    return true;
  }
  switch (c.timer) {
    case T_IDLE:
      if (c.transportFull) {
        // A response is still on its way to the client: its progress is what is timed.
        if (!stalled(c, now)) return false;
        dropStalledClient(c);
        return true;
      }
      if (c.headStarted) {
        // The first byte of a head arrived: for the first request the deadline from accept stands.
        c.setTimer(T_HEAD, c.requests > 0 ? o.headTimeout : c.deadline - c.ctx.now);
        return false;
      }
      if (now < c.deadline) return false;
      c.closeTransport();
      return true;
    case T_HEAD:
      if (now < c.deadline) return false;
      c.refuse(408, "request head not received in time");
      return true;
    case T_DISCARD:
      if (c.body === null || !c.body.reading) return false;
      if (now - c.body.lastArrival < o.bodyTimeout) return false;
      c.closeTransport();
      return true;
    case T_EXCHANGE: {
      if (c.exchange === null) return false;
      const body = c.body;
      if (body !== null && body.appWaiting) {
        // The app waits for the client: only the body timeout applies.
        if (now - body.lastArrival < o.bodyTimeout) return false;
        c.failBody(new HttpError(408, "request body not received in time"));
        return true;
      }
      if (!stalled(c, now)) return false;
      // A client that stopped reading cannot be sent anything more; an app that stopped producing fails.
      if (c.transportFull) dropStalledClient(c);
      else c.failExchange(new ApplicationTimeout(o.responseTimeout));
      return true;
    }
  }
}

/** No progress (app output, client reading, body bytes) for the response timeout; never when it is 0. */
function stalled(c: TimedConnection, now: number): boolean {
  const limit = c.ctx.options.responseTimeout;
  return limit > 0 && now - c.lastProgressAt >= limit;
}

/** Closes a connection whose client has taken none of our bytes for the response timeout. */
function dropStalledClient(c: TimedConnection): void {
  c.ctx.options.log(`tsgi: error: ${c.facts.remoteAddress}:${c.facts.remotePort} read nothing for ${c.ctx.options.responseTimeout} ms; connection closed`);
  c.abort();
}
