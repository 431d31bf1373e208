// The contract between an Exchange (exchange.ts) and the connection it runs on: what the exchange
// asks of its host (head, body chunks, errors, backpressure, the end) and what it knows of its
// request. Types only; src/server/responder.ts implements it. Must never contain behaviour.

import type { ResponseStart } from "./start-response.ts";
import type { FileSource } from "./file-wrapper.ts";
import type { SettleRoute } from "./settle-route.ts";

/** What an exchange needs from its connection (`E`: the exchange, handed back when it is done). */
export interface ExchangeHost<E> {
  /**
   * The headers are sent now. `known` is the whole body when it was known before this moment
   * (an Array, or an empty body), with its length; else null and -1.
   */
  sendHead(start: ResponseStart, known: readonly Uint8Array[] | null, knownLength: number): void;
  /** One non-empty chunk under the framing sendHead fixed; false (nothing sent) when it does not fit. */
  sendBody(chunk: Uint8Array): boolean;
  /** The body is complete; false when it fell short of its Content-Length. */
  endBody(): boolean;
  /** The outgoing buffer is full: wait for waitWritable() before producing more. */
  readonly blocked: boolean;
  /** Flushes and resolves once the transport can take more (at once if it can). */
  waitWritable(): Promise<void>;
  /** The app made progress (produced a chunk); restarts the response timeout. */
  progress(): void;
  /** An error response instead of the application's (the headers were not sent). */
  sendError(status: number, detail: string): void;
  /** Whether sendFile(file) would be taken: asked before the headers go out, so a file the host will not send is pulled with its head joined to the first chunk. */
  takesFile(file: FileSource): boolean;
  /** sendFile(file), once the headers went out with a Content-Length of file.size, sends it (null: cannot); whether all went out. */
  sendFile(file: FileSource): Promise<boolean> | null;
  /** The exchange is over: success, app error, or abort. Called once. */
  exchangeDone(ex: E): void;
  log(line: string): void;
  /** An async continuation (the app's Promise settled) begins / ends: what it sends leaves at its end. */
  holdOutput(): void;
  releaseOutput(): void;
  /** The connection's route for the app's Promise (one callback pair per connection). */
  readonly settles: SettleRoute;
}

/** What the exchange knows of its request besides environ. */
export interface RequestLabel {
  readonly method: string;
  readonly rawTarget: string;
}
