// One client connection: bytes in, requests out one at a time (pipelined ones wait their turn),
// body bytes routed to wsgi.input, responses queued and coalesced into few writes, keep-alive,
// 100-continue, backpressure both ways, and the per-connection timeouts.
// Must never call a runtime API (only its Transport) and never run two exchanges at once.

import type { ConnectionHandle, Transport } from "./transport.ts";
import type { ServerContext } from "./context.ts";
import { BODY_CHUNKED, BODY_LENGTH, HeadScanner, parseHead } from "./head.ts";
import { type BodyReader, ChunkedReader, LengthReader } from "./body.ts";
import { EMPTY_INPUT, type InputOwner, RequestInput } from "./input.ts";
import type { InputStream } from "./types.ts";
import { Exchange, type ExchangeHost } from "./exchange.ts";
import { buildEnviron, type ConnectionFacts } from "./environ.ts";
import { errorResponse } from "./response.ts";
import { concat2, concatAll } from "./bytes.ts";
import { ApplicationTimeout, ClientDisconnected, HttpError, errorText } from "./errors.ts";

const EMPTY = new Uint8Array(0);
/** Unread body bytes held for the app before the socket is paused. */
const INPUT_HIGH_WATER = 64 * 1024;
/** Pipelined bytes held while a request is being answered before the socket is paused. */
const BACKLOG_HIGH_WATER = 64 * 1024;
/** Queued response bytes past which producers wait. */
const OUTPUT_HIGH_WATER = 64 * 1024;
/** Queued parts up to this many bytes in all are joined into one write. */
const COALESCE_MAX = 256 * 1024;
/** Parts at least this large are written as they are (no copy) when the transport can gather, or past COALESCE_MAX. */
const LARGE_PART = 16 * 1024;
/** An unread request body up to this size is read and discarded to keep the connection. */
const DRAIN_MAX = 64 * 1024;
const CONTINUE = new TextEncoder().encode("HTTP/1.1 100 Continue\r\n\r\n");

/** What the connection's timer is measuring. */
const T_IDLE = 0; // waiting for the first byte of a request
const T_HEAD = 1; // a request head is arriving
const T_EXCHANGE = 2; // the app is answering
const T_DRAIN = 3; // discarding an unread body after the response

export class Connection implements ConnectionHandle, ExchangeHost, InputOwner {
  private buf: Uint8Array = EMPTY; // received, not yet consumed
  private readonly scanner = new HeadScanner();
  private exchange: Exchange | null = null;
  private body: BodyReader | null = null; // the current request's body framing (outlives the exchange while draining)
  private input: RequestInput | null = null; // where body bytes go; null while draining
  private drained = 0;
  private expectContinue = false;
  private continueSent = false;
  private closing = false; // answer nothing more; close once the current response is out
  private ended = false; // the transport is ended or gone; send nothing more
  private peerEnded = false;
  private readPaused = false;
  private inProcess = false;
  private out: Uint8Array[] = [];
  private outBytes = 0;
  private flushQueued = false;
  private writeBlocked = false;
  private drainWaiters: (() => void)[] = [];
  private timer = T_IDLE;
  private deadline: number;
  private lastBodyAt = 0;
  private lastProgressAt = 0;
  private requests = 0;
  private readonly facts: ConnectionFacts;
  private readonly pushBody = (data: Uint8Array): void => this.input!.push(data);
  private readonly flushTask = (): void => {
    this.flushQueued = false;
    this.flush();
  };

  constructor(
    private readonly ctx: ServerContext,
    private readonly transport: Transport,
    remoteAddress: string,
    remotePort: number,
  ) {
    this.facts = { remoteAddress, remotePort: String(remotePort) };
    // A new connection must deliver its first request head within the head timeout.
    this.deadline = ctx.now + ctx.options.headTimeout;
  }

  // ---- ConnectionHandle (called by the driver)

  data(bytes: Uint8Array): void {
    if (this.ended) return;
    this.buf = this.buf.length === 0 ? bytes : concat2(this.buf, bytes);
    this.process();
  }

  drain(): void {
    this.writeBlocked = false;
    this.lastProgressAt = this.ctx.now; // also after end(): the client is still taking bytes
    this.wakeDrainWaiters();
    if (this.exchange === null && this.buf.length > 0 && !this.ended) this.process();
    else this.updateReading();
  }

  end(): void {
    this.peerEnded = true;
    if (this.ended) return;
    if (this.body !== null && !this.body.done) {
      this.input?.fail(new HttpError(400, "request body incomplete: the client closed its side"));
      this.closing = true;
    }
    if (this.exchange === null) this.process();
  }

  private gone = false; // the driver reported the socket closed

  closed(): void {
    if (this.gone) return;
    this.gone = true;
    this.ended = true;
    this.out = [];
    this.outBytes = 0;
    const ex = this.exchange;
    this.exchange = null;
    this.input?.fail(new ClientDisconnected());
    ex?.abort();
    this.wakeDrainWaiters();
    this.ctx.forget(this);
  }

  // ---- the request loop

  private process(): void {
    if (this.inProcess) return;
    this.inProcess = true;
    try {
      this.loop();
      this.inProcess = false;
      this.flush();
      this.updateReading();
    } catch (e) {
      // A bug, not bad input (that is an HttpError handled in loop): lose this connection, not the process.
      this.inProcess = false;
      this.ctx.options.log(`tsgi: internal error, connection dropped: ${errorText(e)}`);
      this.destroy();
    }
  }

  private loop(): void {
    while (!this.ended) {
      if (this.exchange === null && this.closing) {
        this.shutdownSocket();
        return;
      }
      if (this.body !== null) {
        if (!this.body.done) {
          if (this.buf.length === 0 || !this.feedBody()) break;
          if (!this.body.done) break;
        }
        this.input?.end();
        this.body = null;
        if (this.exchange === null) this.input = null;
      }
      if (this.exchange !== null) break; // the app is answering; later requests wait
      if (this.timer === T_EXCHANGE || this.timer === T_DRAIN) this.setTimer(T_IDLE, this.ctx.options.keepAliveTimeout);
      if (this.buf.length === 0 && !this.scanner.started) {
        if (this.peerEnded) this.shutdownSocket();
        break;
      }
      // The client is not taking our responses: answer nothing more until it does (drain() resumes).
      if (this.outBytes > OUTPUT_HIGH_WATER) this.flush();
      if (this.writeBlocked) break;
      if (!this.nextRequest()) break;
    }
  }

  /** Parses and starts the next request if its head is complete; false when more bytes are needed. */
  private nextRequest(): boolean {
    const limits = this.ctx.options;
    const lastHead = this.ctx.lastHead;
    let head = lastHead.match(this.buf);
    let end: number;
    if (head !== null) end = lastHead.length;
    else {
      try {
        end = this.scanner.scan(this.buf, this.buf.length, limits);
        if (end === -1) {
          if (this.peerEnded) this.shutdownSocket();
          else if (this.scanner.started && this.timer === T_IDLE && this.requests > 0) this.setTimer(T_HEAD, limits.headTimeout);
          return false;
        }
        head = parseHead(this.buf, this.scanner.start, end, limits);
      } catch (e) {
        this.reject(e);
        return false;
      }
      if (this.scanner.start === 0) lastHead.remember(this.buf, end, head);
    }
    this.buf = end === this.buf.length ? EMPTY : this.buf.subarray(end);
    this.scanner.reset();
    this.requests++;
    this.continueSent = false;
    this.expectContinue = head.expectContinue;
    let input: InputStream;
    if (head.bodyKind === BODY_LENGTH || head.bodyKind === BODY_CHUNKED) {
      this.body = head.bodyKind === BODY_LENGTH ? new LengthReader(head.bodyLength) : new ChunkedReader(limits, head.fieldCount);
      const reader = new RequestInput(this);
      this.input = reader;
      input = reader;
      this.lastBodyAt = this.ctx.now;
      // The body is fed by loop() once the app runs, so what happens never depends on how the bytes arrived.
    } else input = EMPTY_INPUT;
    const ex = new Exchange(this, head, buildEnviron(head, this.facts, input, this.ctx.errors, this.ctx.options));
    this.exchange = ex;
    this.setTimer(T_EXCHANGE, 0);
    this.lastProgressAt = this.ctx.now;
    ex.run(this.ctx.app);
    return true;
  }

  /** Feeds buffered bytes to the body reader; false when the body is malformed (the connection closes). */
  private feedBody(): boolean {
    const body = this.body!;
    const buf = this.buf;
    try {
      const next = this.input !== null ? body.feed(buf, 0, buf.length, this.pushBody) : body.feed(buf, 0, buf.length, discard);
      this.buf = next === buf.length ? EMPTY : buf.subarray(next);
      this.lastBodyAt = this.lastProgressAt = this.ctx.now;
      if (this.input === null) {
        this.drained += next;
        if (this.drained > DRAIN_MAX && !body.done) {
          this.shutdownSocket();
          return false;
        }
      }
    } catch (e) {
      // A malformed or oversized body: the app's reads fail with the status; nothing more is read.
      this.buf = EMPTY;
      this.closing = true;
      if (this.exchange === null) this.shutdownSocket(); // draining after the response: nothing more to say
      else this.input?.fail(e);
      this.input = null;
      this.body = null;
      return false;
    }
    return true;
  }

  /** Refuses the request: an error response, then close without reading further. */
  private reject(e: unknown): void {
    const err = e instanceof HttpError ? e : new HttpError(400, "bad request");
    if (!(e instanceof HttpError)) this.ctx.options.log(`tsgi: error: unexpected parser failure: ${String(e)}`);
    this.buf = EMPTY;
    this.closing = true;
    this.sendError(err.status, err.detail);
    this.shutdownSocket();
  }

  // ---- ExchangeHost

  send(data: Uint8Array): void {
    if (this.ended) return;
    this.out.push(data);
    this.outBytes += data.length;
    if (!this.inProcess && !this.flushQueued) {
      this.flushQueued = true;
      this.ctx.options.schedule(this.flushTask);
    }
  }

  get blocked(): boolean {
    return this.writeBlocked || this.outBytes > OUTPUT_HIGH_WATER;
  }

  waitDrain(): Promise<void> {
    this.flush();
    if (!this.writeBlocked || this.ended) return Promise.resolve();
    return new Promise<void>((resolve) => this.drainWaiters.push(resolve));
  }

  canKeepAlive(): boolean {
    if (this.closing || this.ctx.shuttingDown || this.peerEnded) return false;
    const body = this.body;
    if (body === null || body.done) return true;
    if (this.expectContinue && !this.continueSent) return false;
    return body instanceof LengthReader ? body.left <= DRAIN_MAX : true;
  }

  serverFields(withDate: boolean, withServer: boolean): Uint8Array | null {
    return this.ctx.serverFields(withDate, withServer);
  }

  progress(): void {
    this.lastProgressAt = this.ctx.now;
  }

  sendError(status: number, detail: string, isHead = false): void {
    this.send(errorResponse(status, detail, this.ctx.dateLine() + this.ctx.serverLine, isHead));
  }

  log(line: string): void {
    this.ctx.options.log(line);
  }

  exchangeDone(ex: Exchange): void {
    if (this.exchange !== ex) return;
    this.exchange = null;
    this.ctx.logAccess(ex, this.facts);
    if (!ex.keepAlive || ex.broken) this.closing = true;
    if (this.body !== null && !this.body.done && !this.closing) {
      // The app did not read its whole body: read and discard the rest, or give up on the connection.
      if (this.expectContinue && !this.continueSent) this.closing = true;
      else {
        this.input?.fail(new ClientDisconnected());
        this.input = null;
        this.drained = 0;
        this.setTimer(T_DRAIN, 0);
      }
    } else if (this.body === null) this.input = null;
    if (this.ctx.shuttingDown) this.closing = true;
    this.process();
  }

  // ---- InputOwner

  inputFirstRead(): void {
    if (this.expectContinue && !this.continueSent && this.exchange !== null && !this.exchange.committed && !this.ended) {
      this.continueSent = true;
      this.send(CONTINUE);
      this.flush();
    }
  }

  inputConsumed(): void {
    if (this.readPaused) this.updateReading();
  }

  inputWaiting(): void {
    this.lastBodyAt = this.ctx.now;
    if (this.readPaused) this.updateReading();
  }

  // ---- output and flow control

  private flush(): void {
    if (this.outBytes === 0 || this.ended) return;
    const parts = this.out;
    const total = this.outBytes;
    this.out = [];
    this.outBytes = 0;
    let ok: boolean;
    if (parts.length === 1) ok = this.transport.write(parts[0]!);
    else if (total <= COALESCE_MAX && (this.transport.writev === undefined || !hasLargePart(parts))) {
      ok = this.transport.write(concatAll(parts, total));
    } else {
      // Small parts are joined into batches; large ones go out as they are (no copy).
      const out: Uint8Array[] = [];
      let batch: Uint8Array[] = [];
      let batchBytes = 0;
      for (const p of parts) {
        if (p.length >= LARGE_PART) {
          if (batchBytes > 0) out.push(concatAll(batch, batchBytes));
          batch = [];
          batchBytes = 0;
          out.push(p);
        } else {
          batch.push(p);
          batchBytes += p.length;
          if (batchBytes >= COALESCE_MAX) {
            out.push(concatAll(batch, batchBytes));
            batch = [];
            batchBytes = 0;
          }
        }
      }
      if (batchBytes > 0) out.push(concatAll(batch, batchBytes));
      if (out.length === 1) ok = this.transport.write(out[0]!);
      else if (this.transport.writev !== undefined) ok = this.transport.writev(out);
      else {
        ok = true;
        for (const b of out) ok = this.transport.write(b);
      }
    }
    if (!ok) this.writeBlocked = true;
  }

  /** Pause reading when nobody is taking the bytes; resume when someone is. */
  private updateReading(): void {
    if (this.ended) return;
    const input = this.input;
    const pause =
      (input !== null && !input.ended && input.buffered >= INPUT_HIGH_WATER && !input.waiting) ||
      ((this.exchange !== null || this.writeBlocked) && (this.body === null || this.body.done) && this.buf.length > BACKLOG_HIGH_WATER);
    if (pause !== this.readPaused) {
      this.readPaused = pause;
      if (pause) this.transport.pauseReading();
      else this.transport.resumeReading();
    }
  }

  private wakeDrainWaiters(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of waiters) w();
  }

  /** Sends what is queued, then closes. */
  private shutdownSocket(): void {
    if (this.ended) return;
    this.flush();
    this.ended = true;
    this.lastProgressAt = this.ctx.now;
    this.transport.end();
  }

  // ---- timeouts (driven by the server's ticker)

  private setTimer(kind: number, ms: number): void {
    this.timer = kind;
    this.deadline = this.ctx.now + ms;
  }

  /** Called periodically with the current time; closes or fails what has waited too long. */
  tick(now: number): void {
    if (this.gone) return;
    const o = this.ctx.options;
    if (this.ended) {
      // Ended, but the client is not taking the last bytes: give up after the response timeout.
      if (this.stalled(now)) this.dropStalledClient();
      return;
    }
    switch (this.timer) {
      case T_IDLE:
        if (this.writeBlocked) {
          // A response is still on its way to the client: its progress is what is timed.
          if (this.stalled(now)) this.dropStalledClient();
          return;
        }
        if (this.scanner.started || this.buf.length > 0) {
          // The first byte of a head arrived: for the first request the deadline from accept stands.
          if (this.requests > 0) this.setTimer(T_HEAD, o.headTimeout);
          else this.timer = T_HEAD;
          return;
        }
        if (now >= this.deadline) this.shutdownSocket();
        return;
      case T_HEAD:
        if (now >= this.deadline) this.reject(new HttpError(408, "request head not received in time"));
        return;
      case T_DRAIN:
        if (this.body === null || this.body.done) return;
        if (now - this.lastBodyAt >= o.bodyTimeout) this.shutdownSocket();
        return;
      case T_EXCHANGE: {
        const ex = this.exchange;
        if (ex === null) return;
        const input = this.input;
        if (input !== null && input.waiting) {
          // The app waits for the client: only the body timeout applies.
          if (now - this.lastBodyAt >= o.bodyTimeout) {
            this.closing = true;
            input.fail(new HttpError(408, "request body not received in time"));
            this.input = null;
            this.body = null;
            this.buf = EMPTY;
          }
          return;
        }
        if (this.stalled(now)) {
          if (this.writeBlocked) {
            this.dropStalledClient(); // the client stopped reading: nothing more can be delivered
            return;
          }
          this.closing = true;
          ex.fail(new ApplicationTimeout(o.responseTimeout));
        }
        return;
      }
    }
  }

  /** No progress (app output, client reading, body bytes) for the response timeout; never when it is 0. */
  private stalled(now: number): boolean {
    const limit = this.ctx.options.responseTimeout;
    return limit > 0 && now - this.lastProgressAt >= limit;
  }

  /** Closes a connection whose client has taken none of our bytes for the response timeout. */
  private dropStalledClient(): void {
    this.ctx.options.log(`tsgi: error: ${this.facts.remoteAddress}:${this.facts.remotePort} read nothing for ${this.ctx.options.responseTimeout} ms; connection closed`);
    this.destroy();
  }

  /** Graceful shutdown: close now if idle, otherwise after the current response. */
  shutdown(): void {
    if (this.ended) return;
    this.closing = true;
    if (this.exchange === null) this.process();
  }

  /** End of the grace period: close regardless. */
  destroy(): void {
    if (this.gone) return;
    this.transport.destroy();
    this.closed();
  }
}

function discard(): void {}

function hasLargePart(parts: readonly Uint8Array[]): boolean {
  for (const p of parts) if (p.length >= LARGE_PART) return true;
  return false;
}
