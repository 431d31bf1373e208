// One client connection: bytes in, requests out one at a time (pipelined ones wait their turn),
// the request body through its RequestBody, each response through the connection's ResponseWriter
// into its Output, keep-alive, and backpressure both ways. Timeouts are judged in timeouts.ts.
// Must never call a runtime API (only its Transport) and never run two exchanges at once.

import type { ConnectionHandle, Transport } from "./transport.ts";
import type { BusyRequest, ServerContext, TrackedConnection } from "./context.ts";
import { Output } from "./output.ts";
import { type TimedConnection, T_DISCARD, T_EXCHANGE, T_HEAD, T_IDLE, type TimerKind, judge } from "./timeouts.ts";
import { HeadScanner } from "../http/head-scanner.ts";
import type { RequestHead } from "../http/request-head.ts";
import { BODY_NONE } from "../http/request-framing.ts";
import { ResponseWriter } from "../http/response-writer.ts";
import { CONTINUE } from "../http/error-response.ts";
import { concat2 } from "../http/bytes.ts";
import { EMPTY_INPUT } from "../wsgi/input.ts";
import { type BodyOwner, RequestBody } from "./request-body.ts";
import { Exchange, type ExchangeHost } from "../wsgi/exchange.ts";
import type { ResponseStart } from "../wsgi/start-response.ts";
import { buildEnviron, type ConnectionFacts, type GatewaySettings } from "../wsgi/environ.ts";
import { BAD_HEADER, Peer } from "./peer.ts";
import { type Forwarding, applyForwarding } from "../wsgi/forwarding.ts";
import { ClientDisconnected, HttpError, errorText } from "../errors.ts";
import type { FileSource } from "../wsgi/file-wrapper.ts";
import { sendFileBody } from "./file-body.ts";

const EMPTY = new Uint8Array(0);
/** Pipelined bytes held while a request is being answered before the socket is paused. */
const BACKLOG_HIGH_WATER = 64 * 1024;
const NO_FIELDS: readonly string[] = Object.freeze([]);

export class Connection implements ConnectionHandle, ExchangeHost, BodyOwner, TrackedConnection, TimedConnection {
  private buf: Uint8Array = EMPTY; // received, not yet consumed
  private readonly scanner = new HeadScanner();
  private readonly output: Output;
  private readonly response: ResponseWriter;
  private head: RequestHead | null = null; // the request being answered
  /** The response fields the app gave for the request being answered (for the access log). */
  private responseFields: readonly string[] = NO_FIELDS;
  /** When the request being answered started (performance.now()), if the access log wants durations. */
  private startedAt = 0;
  exchange: Exchange | null = null;
  /** The request body being read (it outlives the exchange while its unread rest is discarded). */
  body: RequestBody | null = null;
  /** Answer nothing more; close once the current response is out. */
  private closeAfterResponse = false;
  /** Our side is finished (transport.close() called, or the socket is gone): send nothing more. */
  finished = false;
  /** The driver reported the socket closed. */
  gone = false;
  private peerSentFin = false;
  private readPaused = false;
  private inProcess = false;
  // Timer state, judged by timeouts.ts.
  timer: TimerKind = T_IDLE;
  deadline: number;
  lastProgressAt = 0;
  /** When the request being answered started (the coarse clock; for the watchdog's report). */
  private exchangeStartedAt = 0;
  requests = 0;
  /** Who the client is, and whether its forwarding headers count. */
  private readonly peer: Peer;

  get facts(): ConnectionFacts {
    return this.peer.facts;
  }

  constructor(
    readonly ctx: ServerContext,
    private readonly transport: Transport,
    facts: ConnectionFacts,
    private readonly site: GatewaySettings,
  ) {
    this.peer = new Peer(ctx, facts);
    this.output = new Output(transport, ctx.options.schedule);
    this.response = new ResponseWriter(this.output, ctx);
    // A new connection must deliver its first request head within the head timeout.
    this.deadline = ctx.now + ctx.options.headTimeout;
  }

  // ---- ConnectionHandle (called by the driver)

  received(bytes: Uint8Array): void {
    if (this.finished) return;
    this.buf = this.buf.length === 0 ? bytes : concat2(this.buf, bytes);
    if (this.peer.awaitingHeader) {
      // The PROXY protocol header comes first; a bad one closes the connection unanswered.
      const rest = this.peer.takeHeader(this.buf);
      if (rest === null) return;
      this.buf = rest.length === 0 ? EMPTY : rest;
      if (rest === BAD_HEADER) return this.closeTransport();
    }
    this.process();
  }

  writable(): void {
    this.output.writable();
    this.lastProgressAt = this.ctx.now; // also after close(): the client is still taking bytes
    if (this.exchange === null && this.buf.length > 0 && !this.finished) this.process();
    else this.updateReading();
  }

  /**
   * The client will send nothing more. What it sent before is answered as if it had not said so:
   * every request that arrived complete, in order (loop() closes once none is left); a body still
   * incomplete fails with 400, and a head still incomplete is dropped.
   */
  peerFinished(): void {
    this.peerSentFin = true;
    if (this.finished) return;
    if (this.peer.awaitingHeader) return this.closeTransport();
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
    ex?.abort();
    this.ctx.forget(this);
  }

  // ---- the request loop

  private process(): void {
    if (this.inProcess) return;
    this.inProcess = true;
    this.output.holding = true;
    try {
      this.loop();
    } catch (e) {
      // A bug, not bad input (that is an HttpError handled in loop): lose this connection, not the process.
      this.ctx.options.log(`tsgi: internal error, connection dropped: ${errorText(e)}`);
      this.abort();
    }
    this.inProcess = false;
    this.output.holding = false;
    this.output.endBurst();
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
          if (this.buf.length > 0 && !this.feedBody(body)) break;
          if (body.reading) {
            // A body that began after the client's FIN will never be complete.
            if (this.peerSentFin) this.bodyCutShort(body);
            break;
          }
        }
        if (this.exchange === null) this.body = null;
      }
      if (this.exchange !== null) break; // the app is answering; later requests wait
      if (this.timer === T_EXCHANGE || this.timer === T_DISCARD) this.setTimer(T_IDLE, this.ctx.options.keepAliveTimeout);
      if (this.buf.length === 0 && !this.scanner.started) {
        if (this.peerSentFin) this.closeTransport();
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
    const parser = ctx.parser;
    let head = parser.repeated.match(this.buf);
    let end: number;
    if (head !== null) end = parser.repeated.length;
    else {
      try {
        end = this.scanner.scan(this.buf, this.buf.length, ctx.options);
        if (end === -1) {
          if (this.peerSentFin) this.closeTransport();
          else if (this.scanner.started && this.timer === T_IDLE && this.requests > 0) this.setTimer(T_HEAD, ctx.options.headTimeout);
          return false;
        }
        head = parser.parse(this.buf, this.scanner.start, end);
      } catch (e) {
        this.reject(e);
        return false;
      }
      if (this.scanner.start === 0) parser.repeated.remember(this.buf, end, head);
    }
    let forwarding: Forwarding | null = null;
    if (head.forwarded) {
      try {
        forwarding = this.peer.forwarding(head, this.site.urlScheme);
      } catch (e) {
        this.reject(e);
        return false;
      }
    }
    this.buf = end === this.buf.length ? EMPTY : this.buf.subarray(end);
    this.scanner.reset();
    this.requests++;
    ctx.requestsStarted++;
    // The body is fed by loop() once the app runs, so what happens never depends on how the bytes arrived.
    const body = head.bodyKind === BODY_NONE ? null : new RequestBody(head, ctx.options, this);
    this.body = body;
    const input = body === null ? EMPTY_INPUT : body.input!;
    this.head = head;
    this.response.code = 0;
    this.responseFields = NO_FIELDS;
    if (ctx.accessTimed) this.startedAt = performance.now();
    const env = buildEnviron(head, this.peer.facts, input, ctx.errors, this.site);
    if (forwarding !== null) applyForwarding(env, forwarding);
    const ex = new Exchange(this, head, env, ctx.starts);
    this.exchange = ex;
    this.setTimer(T_EXCHANGE, 0);
    this.lastProgressAt = this.exchangeStartedAt = ctx.now;
    ex.run(ctx.app);
    return true;
  }

  /** Feeds buffered bytes to the request body; false when it is malformed or not worth reading (the connection closes). */
  private feedBody(body: RequestBody): boolean {
    const buf = this.buf;
    try {
      const next = body.feed(buf);
      this.buf = next === buf.length ? EMPTY : buf.subarray(next);
      this.lastProgressAt = this.ctx.now;
      if (body.discardedTooMuch) {
        this.closeTransport();
        return false;
      }
    } catch (e) {
      // A malformed or oversized body: the app's reads fail with the status; nothing more is read.
      this.buf = EMPTY;
      this.closeAfterResponse = true;
      body.fail(e);
      this.body = null;
      if (this.exchange === null) this.closeTransport(); // discarding after the response: nothing more to say
      return false;
    }
    return true;
  }

  /** Refuses the request: an error response, then close without reading further. */
  reject(e: unknown): void {
    if (this.peer.awaitingHeader) return this.closeTransport(); // the PROXY header did not come in time: no answer
    const err = e instanceof HttpError ? e : new HttpError(400, "bad request");
    if (!(e instanceof HttpError)) this.ctx.options.log(`tsgi: error: unexpected parser failure: ${String(e)}`);
    this.refuse(err.status, err.detail);
  }

  /** reject() without an error object (a timeout: no stack to capture, thousands may expire at once). */
  refuse(status: number, detail: string): void {
    this.buf = EMPTY;
    this.closeAfterResponse = true;
    this.output.queue(this.ctx.errorResponse(status, detail, false)); // closeTransport flushes it
    this.closeTransport();
  }

  // ---- ExchangeHost

  sendHead(start: ResponseStart, known: readonly Uint8Array[] | null, knownLength: number): void {
    this.responseFields = start.fields;
    this.response.start(start, this.head!, known, knownLength, this.mayKeepAlive());
  }

  sendBody(chunk: Uint8Array): boolean {
    return this.response.write(chunk);
  }

  endBody(): boolean {
    return this.response.finish();
  }

  get sendsFiles(): boolean {
    return this.transport.sendFile !== undefined;
  }

  sendFile(file: FileSource): Promise<boolean> | null {
    return sendFileBody(this.transport, this.output, this.response, file, this.ctx.options.log, `${this.head!.method} ${this.head!.rawTarget}`);
  }

  get blocked(): boolean {
    return this.output.blocked;
  }

  waitWritable(): Promise<void> {
    return this.output.waitWritable();
  }

  progress(): void {
    this.lastProgressAt = this.ctx.now;
  }

  sendError(status: number, detail: string): void {
    this.responseFields = NO_FIELDS;
    this.response.replace(status, this.ctx.errorResponse(status, detail, this.head!.method === "HEAD"));
  }

  log(line: string): void {
    this.ctx.options.log(line);
  }

  exchangeDone(ex: Exchange): void {
    if (this.exchange !== ex) return;
    this.exchange = null;
    const response = this.response;
    this.ctx.logAccess(ex.environ, response.code, response.bytesSent, this.responseFields, this.startedAt);
    if (!response.keepAlive || ex.broken) this.closeAfterResponse = true;
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
  private mayKeepAlive(): boolean {
    if (this.closeAfterResponse || this.ctx.shuttingDown) return false;
    if (this.peerSentFin && this.buf.length === 0) return false;
    return this.body === null || this.body.keepable;
  }

  // ---- BodyOwner

  get now(): number {
    return this.ctx.now;
  }

  bodyFirstRead(body: RequestBody): void {
    if (body.expectsContinue && !body.continueSent && this.exchange !== null && !this.exchange.headersSent && !this.finished) {
      body.continueSent = true;
      this.output.send(CONTINUE);
      this.output.flush();
    }
  }

  bodyDemand(): void {
    if (this.readPaused) this.updateReading();
  }

  // ---- flow control and closing

  /** Pause reading when nobody is taking the bytes; resume when someone is. */
  private updateReading(): void {
    if (this.finished) return;
    const body = this.body;
    const pause =
      (body !== null && body.wantsPause) ||
      ((this.exchange !== null || this.output.full) && (body === null || !body.reading) && this.buf.length > BACKLOG_HIGH_WATER);
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
    this.buf = EMPTY;
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
    return this.scanner.started || this.buf.length > 0;
  }

  get transportFull(): boolean {
    return this.output.full;
  }

  tick(now: number): boolean {
    return judge(this, now);
  }

  busyWith(): BusyRequest | null {
    const head = this.head;
    if (this.exchange === null || head === null) return null;
    return { method: head.method, path: head.path, startedAt: this.exchangeStartedAt };
  }

  /** Graceful stop: close now if idle, otherwise after the current response. */
  closeWhenIdle(): void {
    if (this.finished) return;
    // Accepted but not used yet: its first request may be on the way (the client connected just
    // before the listener closed, and no client retries on a new connection). It is answered with
    // Connection: close (shuttingDown); the head timeout closes a connection that sends nothing.
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
