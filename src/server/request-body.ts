// The body of the request being answered: its framing reader feeding wsgi.input, the 100 Continue
// it may be waiting for, and the rest the application left unread, discarded after the response
// to keep the connection (or not, when too much is left).
// Must never read past the body's end, and never feed the application after its exchange ended.

import type { RequestHead } from "../http/request-head.ts";
import { BODY_LENGTH } from "../http/request-framing.ts";
import type { HeadLimits } from "../http/limits.ts";
import { type BodyReader, ChunkedReader, LengthReader } from "../http/body-readers.ts";
import { type InputOwner, RequestInput } from "../wsgi/input.ts";
import { ClientDisconnected } from "../errors.ts";

/** Unread body bytes held for the app before the socket is paused. */
const INPUT_HIGH_WATER = 64 * 1024;
/** An unread request body up to this size is read and discarded to keep the connection. */
const DISCARD_MAX = 64 * 1024;

/** What the body tells its connection. */
export interface BodyOwner {
  /** The app read wsgi.input for the first time (time for a 100 Continue). */
  bodyFirstRead(body: RequestBody): void;
  /** The app took bytes, or waits for some: reading may have to resume. */
  bodyDemand(): void;
  readonly now: number;
}

function discard(): void {}

export class RequestBody implements InputOwner {
  /** The body's framing; null once the body is complete (or failed). */
  private reader: BodyReader | null;
  /** wsgi.input; null once the app is done with it (what still arrives is discarded) or it failed. */
  input: RequestInput | null;
  readonly expectsContinue: boolean;
  continueSent = false;
  private discarded = 0;
  /** When body bytes last arrived, or the app last started waiting for some. */
  lastArrival: number;
  private readonly push = (data: Uint8Array): void => this.input!.push(data);

  constructor(
    head: RequestHead,
    limits: HeadLimits,
    private readonly owner: BodyOwner,
  ) {
    this.reader = head.bodyKind === BODY_LENGTH ? new LengthReader(head.bodyLength) : new ChunkedReader(limits, head.fieldCount);
    this.input = new RequestInput(this);
    this.expectsContinue = head.expectContinue;
    this.lastArrival = owner.now;
  }

  /** Body bytes are still to come from the client. */
  get reading(): boolean {
    return this.reader !== null;
  }

  /** The app is blocked in a read waiting for bytes. */
  get appWaiting(): boolean {
    return this.input !== null && this.input.waiting;
  }

  /** The app holds this many unread bytes without reading: stop reading the socket. */
  get wantsPause(): boolean {
    const input = this.input;
    return input !== null && !input.ended && input.buffered >= INPUT_HIGH_WATER && !input.waiting;
  }

  /**
   * Feeds buf[0, buf.length) to the reader; returns the index past what it consumed (bytes after the
   * body's end are left). Throws HttpError for a malformed or oversized body.
   */
  feed(buf: Uint8Array): number {
    const reader = this.reader!;
    const next = reader.feed(buf, 0, buf.length, this.input !== null ? this.push : discard);
    this.lastArrival = this.owner.now;
    if (this.input === null) this.discarded += next;
    if (reader.done) {
      this.reader = null;
      this.input?.end();
    }
    return next;
  }

  /** Discarding has gone past what is worth reading to keep the connection. */
  get discardedTooMuch(): boolean {
    return this.reader !== null && this.discarded > DISCARD_MAX;
  }

  /** Whether the connection can be kept after the response: nothing left, or little enough to discard. */
  get keepable(): boolean {
    const reader = this.reader;
    if (reader === null) return true;
    if (this.expectsContinue && !this.continueSent) return false;
    return reader instanceof LengthReader ? reader.left <= DISCARD_MAX : true;
  }

  /**
   * The app's exchange is over. The rest of the body, if any, is discarded as it arrives; returns
   * false when it cannot be (the client waits for a 100 Continue that never came): then the
   * connection must close.
   */
  exchangeEnded(): boolean {
    if (this.reader !== null && this.expectsContinue && !this.continueSent) return false;
    if (this.reader !== null) this.input?.fail(new ClientDisconnected());
    this.input = null;
    this.discarded = 0;
    return true;
  }

  /** The body cannot be completed: the app's reads fail with `error`; nothing more is read. */
  fail(error: unknown): void {
    this.input?.fail(error);
    this.input = null;
    this.reader = null;
  }

  // ---- InputOwner

  inputFirstRead(): void {
    this.owner.bodyFirstRead(this);
  }

  inputConsumed(): void {
    this.owner.bodyDemand();
  }

  inputWaiting(): void {
    this.lastArrival = this.owner.now;
    this.owner.bodyDemand();
  }
}
