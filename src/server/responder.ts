// The response side of one connection, as its Exchange sees it (ExchangeHost): the connection's
// ResponseWriter (it extends it, so a connection has one object for both) sends the head, body
// chunks and error responses into its Output; it keeps what the access log and the watchdog need of
// the request being answered.
// Must never decide whether the connection stays open or read request bytes (connection.ts does).

import type { BusyRequest, ServerContext } from "./context.ts";
import type { Output } from "./output.ts";
import type { Transport } from "./transport.ts";
import { sendFileBody } from "./file-body.ts";
import type { FileSource } from "../wsgi/file-wrapper.ts";
import { ResponseWriter } from "../http/response-writer.ts";
import { CONTINUE } from "../http/error-response.ts";
import type { RequestHead } from "../http/request-head.ts";
import type { Exchange } from "../wsgi/exchange.ts";
import type { ExchangeHost } from "../wsgi/exchange-host.ts";
import { SettleRoute } from "../wsgi/settle-route.ts";
import type { ResponseStart } from "../wsgi/start-response.ts";

const NO_FIELDS: readonly string[] = Object.freeze([]);

/** What the responder needs of its connection. */
export interface ResponderOwner {
  readonly ctx: ServerContext;
  /** When a response last made progress (the response timeout). */
  lastProgressAt: number;
  /** Whether the connection may stay open after the response whose head is being sent. */
  mayKeepAlive(): boolean;
  exchangeDone(ex: Exchange): void;
}

export class Responder extends ResponseWriter implements ExchangeHost<Exchange> {
  /** The request being answered. */
  head: RequestHead | null = null;
  /** The response fields the app gave (for the access log). */
  private fields: readonly string[] = NO_FIELDS;
  /** When the request started (performance.now()), if the access log wants durations. */
  private startedAt = 0;
  /** When the request started on the coarse clock (the watchdog's report). */
  private startedAtCoarse = 0;
  /** Where the app's Promise settles (ExchangeHost). */
  readonly settles = new SettleRoute();

  constructor(
    private readonly owner: ResponderOwner,
    private readonly output: Output,
    /** Only for sendFile (a file body the driver sends itself, file-body.ts); bytes go through `output`. */
    private readonly transport: Transport,
  ) {
    super(output, owner.ctx);
  }

  /** A new request is being answered. */
  begin(head: RequestHead): void {
    const ctx = this.owner.ctx;
    this.head = head;
    this.code = 0;
    this.fields = NO_FIELDS;
    if (ctx.accessTimed) this.startedAt = performance.now();
    this.startedAtCoarse = ctx.now;
  }

  /** Runs the app for `ex` now, or when --limit-concurrency has a slot for it (admission.ts: it may wait, or be answered 503). */
  run(ex: Exchange): void {
    const ctx = this.owner.ctx;
    if (ctx.admission === null) ex.run(ctx.app);
    else ctx.admission.enter(ex, this);
  }

  /** The client is gone: the exchange stops, and its slot (or its place in the queue) is given up. */
  abort(ex: Exchange): void {
    ex.abort();
    this.owner.ctx.admission?.leave(ex);
  }

  /** 100 Continue, at once: the app has started reading a body the client waits to send. */
  sendContinue(): void {
    this.output.send(CONTINUE);
    this.output.flush();
  }

  /** The access-log line of the exchange that just ended. */
  logAccess(ex: Exchange): void {
    this.owner.ctx.logAccess(ex.environ, this.code, this.bytesSent, this.fields, this.startedAt);
  }

  busyWith(): BusyRequest | null {
    const head = this.head;
    return head === null ? null : { method: head.method, path: head.path, startedAt: this.startedAtCoarse };
  }

  // ---- ExchangeHost

  sendHead(start: ResponseStart, known: readonly Uint8Array[] | null, knownLength: number): void {
    this.fields = start.fields;
    this.start(start, this.head!, known, knownLength, this.owner.mayKeepAlive());
  }

  sendBody(chunk: Uint8Array): boolean {
    return this.write(chunk);
  }

  endBody(): boolean {
    return this.finish();
  }

  takesFile(file: FileSource): boolean {
    const t = this.transport;
    return t.sendFile !== undefined && (t.canSendFile === undefined || t.canSendFile(file.size));
  }

  sendFile(file: FileSource): Promise<boolean> | null {
    const o = this.owner.ctx.options;
    const head = this.head!;
    return sendFileBody(this.transport, this.output, this, file, o.debug ? (text) => o.log(`tsgi: debug: ${head.method} ${head.rawTarget}: ${text}`) : null);
  }

  get blocked(): boolean {
    return this.output.blocked;
  }

  waitWritable(): Promise<void> {
    return this.output.waitWritable();
  }

  progress(): void {
    this.owner.lastProgressAt = this.owner.ctx.now;
  }

  sendError(status: number, detail: string): void {
    this.fields = NO_FIELDS;
    this.replace(status, this.owner.ctx.errorResponse(status, detail, this.head!.method === "HEAD"));
  }

  log(line: string): void {
    this.owner.ctx.options.log(line);
  }

  holdOutput(): void {
    this.output.hold();
  }

  releaseOutput(): void {
    this.output.release();
  }

  exchangeDone(ex: Exchange): void {
    this.owner.ctx.admission?.leave(ex); // its slot goes to the oldest waiting request
    this.owner.exchangeDone(ex);
  }
}
