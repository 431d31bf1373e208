// One client connection: requests taken one at a time from what arrived (intake.ts; pipelined ones
// wait their turn), each request body through its RequestBody, each response through its Responder
// into its Output, keep-alive, closing, and backpressure both ways. Timeouts: timeouts.ts.
// Must never call a runtime API (only its Transport) and never run two exchanges at once.

import type { ConnectionHandle, Transport } from "./transport.ts";
import type { BusyRequest, ServerContext, TrackedConnection } from "./context.ts";
import { Output } from "./output.ts";
import { type TimedConnection, T_DISCARD, T_EXCHANGE, T_HEAD, T_IDLE, type TimerKind, judge } from "./timeouts.ts";
import type { RequestHead } from "../http/request-head.ts";
import { BODY_NONE } from "../http/request-framing.ts";
import { EMPTY_INPUT } from "../wsgi/input.ts";
import { type BodyOwner, RequestBody } from "./request-body.ts";
import { Exchange } from "../wsgi/exchange.ts";
import { buildEnviron, type ConnectionFacts, type GatewaySettings } from "../wsgi/environ.ts";
import { ADDED, BAD_PROXY_HEADER, Intake } from "./intake.ts";
import { Responder, type ResponderOwner } from "./responder.ts";
import { type Forwarding, applyForwarding } from "../wsgi/forwarding.ts";
import { ClientDisconnected, HttpError, errorText } from "../errors.ts";

/** Pipelined bytes held while a request is being answered before the socket is paused. */
const BACKLOG_HIGH_WATER = 64 * 1024;

export class Connection implements ConnectionHandle, ResponderOwner, BodyOwner, TrackedConnection, TimedConnection {
  private readonly intake: Intake;
  private readonly output: Output;
  private readonly responder: Responder;
  exchange: Exchange | null = null;
  /** The request body being read (it outlives the exchange while its unread rest is discarded). */
  body: RequestBody | null = null;
  /** Answer nothing more; close once the current response is out. */
  private closeAfterResponse = false;
  /** Our side is finished (transport.close() called, or the socket is gone): send nothing more. */
  finished = false;
  /** The driver reported the socket closed. */
  gone = false;
  private readPaused = false;
  private inProcess = false;
  // Timer state, judged by timeouts.ts.
  timer: TimerKind = T_IDLE;
  deadline: number;
  lastProgressAt = 0;
  requests = 0;
  get facts(): ConnectionFacts {
    return this.intake.facts;
  }

  constructor(
    readonly ctx: ServerContext,
    private readonly transport: Transport,
    facts: ConnectionFacts,
    private readonly site: GatewaySettings,
  ) {
    this.intake = new Intake(ctx, facts);
    this.output = new Output(transport, ctx.options.schedule);
    this.responder = new Responder(this, this.output, transport);
    // A new connection must deliver its first request head within the head timeout.
    this.deadline = ctx.now + ctx.options.headTimeout;
  }

  // ---- ConnectionHandle (called by the driver)

  received(bytes: Uint8Array): void {
    if (this.finished) return;
    // The PROXY protocol header comes first; a bad one closes the connection unanswered.
    const added = this.intake.add(bytes);
    if (added === ADDED) this.process();
    else if (added === BAD_PROXY_HEADER) this.closeTransport();
  }

  writable(): void {
    this.output.writable();
    this.lastProgressAt = this.ctx.now; // also after close(): the client is still taking bytes
    if (this.exchange === null && this.intake.buf.length > 0 && !this.finished) this.process();
    else this.updateReading();
  }

  /**
   * The client will send nothing more. What it sent before is answered as if it had not said so:
   * every request that arrived complete, in order (loop() closes once none is left); a body still
   * incomplete fails with 400, and a head still incomplete is dropped.
   */
  peerFinished(): void {
    this.intake.finReceived = true;
    if (this.finished) return;
    if (this.intake.awaitingProxyHeader) return this.closeTransport();
    const body = this.body;
    if (body !== null && body.reading) this.bodyCutShort(body);
    if (this.exchange === null) this.process();
  }

  closed(): void {
    if (this.gone) return;
    this.gone = true;
    this.finished = true;
    this.output.close();
    const ex = this.exchange;
    this.exchange = null;
    this.body?.fail(new ClientDisconnected());
    if (ex !== null) this.responder.abort(ex);
    this.ctx.forget(this);
  }

  // ---- the request loop

  private process(): void {
    if (this.inProcess) return;
    this.inProcess = true;
    this.output.hold();
    try {
      this.loop();
    } catch (e) {
      // A bug, not bad input (that is an HttpError handled in loop): lose this connection, not the process.
      this.ctx.options.log(`tsgi: internal error, connection dropped: ${errorText(e)}`);
      this.abort();
    }
    this.inProcess = false;
    this.output.releaseQuietly();
    if (this.exchange === null) this.output.flush(); // nothing more can join this burst
    else this.output.endBurst();
    this.updateReading();
  }

  private loop(): void {
    while (!this.finished) {
      if (this.exchange === null && this.closeAfterResponse) {
        this.closeTransport();
        return;
      }
      const body = this.body;
      if (body !== null) {
        if (body.reading) {
          if (this.intake.buf.length > 0 && !this.feedBody(body)) break;
          if (body.reading) {
            // A body that began after the client's FIN will never be complete.
            if (this.intake.finReceived) this.bodyCutShort(body);
            break;
          }
        }
        if (this.exchange === null) this.body = null;
      }
      if (this.exchange !== null) break; // the app is answering; later requests wait
      if (this.timer === T_EXCHANGE || this.timer === T_DISCARD) this.setTimer(T_IDLE, this.ctx.options.keepAliveTimeout);
      if (this.intake.empty) {
        if (this.intake.finReceived) this.closeTransport();
        break;
      }
      // The client is not taking our responses: answer nothing more until it does (writable() resumes).
      if (this.output.blocked) this.output.flush();
      if (this.output.full) break;
      if (!this.nextRequest()) break;
    }
  }

  /** Parses and starts the next request if its head is complete; false when more bytes are needed. */
  private nextRequest(): boolean {
    const ctx = this.ctx;
    let head: RequestHead | null;
    let forwarding: Forwarding | null = null;
    try {
      head = this.intake.nextHead(ctx.parser, ctx.options);
      if (head !== null && head.forwarded) forwarding = this.intake.forwarding(ctx, head, this.site.urlScheme);
    } catch (e) {
      this.reject(e);
      return false;
    }
    if (head === null) {
      if (this.intake.finReceived) this.closeTransport();
      else if (this.intake.started && this.timer === T_IDLE && this.requests > 0) this.setTimer(T_HEAD, ctx.options.headTimeout);
      return false;
    }
    this.requests++;
    ctx.requestsStarted++;
    // The body is fed by loop() once the app runs, so what happens never depends on how the bytes arrived.
    const body = head.bodyKind === BODY_NONE ? null : new RequestBody(head, ctx.options, this);
    this.body = body;
    const input = body === null ? EMPTY_INPUT : body.input!;
    this.responder.begin(head);
    const env = buildEnviron(head, this.intake.facts, input, ctx.errors, this.site);
    if (forwarding !== null) applyForwarding(env, forwarding);
    const ex = new Exchange(this.responder, head, env, ctx.starts);
    this.exchange = ex;
    this.setTimer(T_EXCHANGE, 0);
    this.lastProgressAt = ctx.now;
    this.responder.run(ex); // now, or once --limit-concurrency has a slot (admission.ts)
    return true;
  }

  /** Feeds buffered bytes to the request body; false when it is malformed or not worth reading (the connection closes). */
  private feedBody(body: RequestBody): boolean {
    if (!this.intake.feed(body)) {
      // Malformed or oversized: the app's reads fail with the status (feed() said so); nothing more is read.
      this.closeAfterResponse = true;
      this.body = null;
      if (this.exchange === null) this.closeTransport(); // discarding after the response: nothing more to say
      return false;
    }
    this.lastProgressAt = this.ctx.now;
    if (!body.discardedTooMuch) return true;
    this.closeTransport();
    return false;
  }

  /** Refuses the request: an error response, then close without reading further. */
  reject(e: unknown): void {
    if (this.intake.awaitingProxyHeader) return this.closeTransport(); // the PROXY header did not come in time: no answer
    const err = e instanceof HttpError ? e : new HttpError(400, "bad request");
    if (!(e instanceof HttpError)) this.ctx.options.log(`tsgi: error: unexpected parser failure: ${String(e)}`);
    this.refuse(err.status, err.detail);
  }

  /** reject() without an error object (a timeout: no stack to capture, thousands may expire at once). */
  refuse(status: number, detail: string): void {
    this.intake.clear();
    this.closeAfterResponse = true;
    this.output.queue(this.ctx.errorResponse(status, detail, false)); // closeTransport flushes it
    this.closeTransport();
  }

  // ---- ResponderOwner

  exchangeDone(ex: Exchange): void {
    if (this.exchange !== ex) return;
    this.exchange = null;
    this.responder.logAccess(ex);
    if (!this.responder.keepAlive || ex.broken) this.closeAfterResponse = true;
    const body = this.body;
    if (body !== null && !this.closeAfterResponse) {
      // The app may have left part of its body unread: discard the rest, or give up on the connection.
      if (!body.exchangeEnded()) this.closeAfterResponse = true;
      else if (body.reading) this.setTimer(T_DISCARD, 0);
      else this.body = null;
    }
    if (this.ctx.shuttingDown) this.closeAfterResponse = true;
    this.process();
  }

  /**
   * Whether the connection may stay open after this response (request body state, shutdown). After
   * the client's FIN, only while bytes that may hold more requests are buffered: a response that
   * said Connection: close would make the client stop reading before the answers to those.
   */
  mayKeepAlive(): boolean {
    if (this.closeAfterResponse || this.ctx.shuttingDown) return false;
    if (this.intake.finReceived && this.intake.buf.length === 0) return false;
    return this.body === null || this.body.keepable;
  }

  // ---- BodyOwner

  get now(): number {
    return this.ctx.now;
  }

  bodyFirstRead(body: RequestBody): void {
    if (body.expectsContinue && !body.continueSent && this.exchange !== null && !this.exchange.headersSent && !this.finished) {
      body.continueSent = true;
      this.responder.sendContinue();
    }
  }

  bodyDemand(): void {
    if (this.readPaused) this.updateReading();
  }

  // ---- flow control and closing

  /** Pause reading when nobody is taking the bytes; resume when someone is. The usual case (nothing to change) is decided first. */
  private updateReading(): void {
    if (this.finished || (this.body === null && !this.readPaused && this.intake.buf.length <= BACKLOG_HIGH_WATER)) return;
    const body = this.body;
    const pause =
      (body !== null && body.wantsPause) ||
      ((this.exchange !== null || this.output.full) && (body === null || !body.reading) && this.intake.buf.length > BACKLOG_HIGH_WATER);
    if (pause !== this.readPaused) {
      this.readPaused = pause;
      if (pause) this.transport.pauseReading();
      else this.transport.resumeReading();
    }
  }

  /** Sends what is queued, then closes our side (FIN). */
  closeTransport(): void {
    if (this.finished) return;
    this.output.flush();
    this.output.close();
    this.finished = true;
    this.lastProgressAt = this.ctx.now;
    this.transport.close();
  }

  /** The client's FIN came before the end of the request body: its read fails with 400, and we close after. */
  private bodyCutShort(body: RequestBody): void {
    body.fail(new HttpError(400, "request body incomplete: the client closed its side"));
    this.closeAfterResponse = true;
  }

  /** The request body stopped arriving while the app waits for it: its read fails, and we close after. */
  failBody(error: HttpError): void {
    this.closeAfterResponse = true;
    this.body?.fail(error);
    this.body = null;
    this.intake.clear();
  }

  /** The app made no progress: its exchange fails, and we close after the error response. */
  failExchange(error: Error): void {
    this.closeAfterResponse = true;
    this.exchange?.fail(error);
  }

  setTimer(kind: TimerKind, ms: number): void {
    this.timer = kind;
    this.deadline = this.ctx.now + ms;
  }

  get headStarted(): boolean {
    return this.intake.headStarted;
  }

  get transportFull(): boolean {
    return this.output.full;
  }

  tick(now: number): boolean {
    return judge(this, now);
  }

  busyWith(): BusyRequest | null {
    return this.exchange === null ? null : this.responder.busyWith();
  }

  /** Graceful stop: close now if idle, otherwise after the current response. */
  closeWhenIdle(): void {
    if (this.finished) return;
    // Unused yet: its first request may be on the way (no client retries on a new connection). It is
    // answered with Connection: close (shuttingDown); the head timeout closes one that sends nothing.
    if (this.requests === 0 && !this.headStarted) return;
    this.closeAfterResponse = true;
    if (this.exchange === null) this.process();
  }

  /** Close now, dropping anything queued. */
  abort(): void {
    if (this.gone) return;
    this.transport.abort();
    this.closed();
  }
}
