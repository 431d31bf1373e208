// One response at a time on a connection, as bytes: fixes status, framing and persistence when the
// head goes out (response-framing.ts), builds the head (response-head.ts), then hands each body
// chunk to the body writer chosen for that framing (body-writers.ts).
// Must never decide when the head goes out (the gateway does, from the application's actions) and
// never touch a transport: bytes go to a ByteSink.

import { type Slab, copyParts } from "./bytes.ts";
import { type AddedFields, type HeadPrefix, buildHead } from "./response-head.ts";
import {
  FRAMING_CHUNKED, FRAMING_LENGTH, FRAMING_NONE, TRANSFER_ENCODING_CHUNKED,
  connectionField, persists, responseFraming,
} from "./response-framing.ts";
import {
  type BodyState, type BodyWriter, type ByteSink, type ChunkSizeLines,
  CHUNKED_WRITER, CLOSE_WRITER, LENGTH_WRITER, NO_BODY_WRITER,
} from "./body-writers.ts";

/** What the head of a response says, as the gateway accepted it from the application. */
export interface ResponseHead extends HeadPrefix {
  readonly code: number;
  /** The application's Content-Length, or -1. */
  readonly contentLength: number;
  readonly hasDate: boolean;
  readonly hasServer: boolean;
}

/** What the response needs to know of its request. */
export interface RequestFacts {
  readonly method: string;
  readonly minor: number;
  /** The client lets the connection persist. */
  readonly keepAlive: boolean;
}

/** What the server shares with every response: memory, caches and its own fields. */
export interface ResponseResources {
  readonly slab: Slab;
  readonly sizeLines: ChunkSizeLines;
  /** The Date and/or Server lines the server adds now, or null for neither. */
  serverFields(withDate: boolean, withServer: boolean): Uint8Array | null;
}

/** A known body up to this size is copied into the head's buffer; a larger one follows the head uncopied. */
const INLINE_BODY = 16 * 1024;

export class ResponseWriter implements AddedFields, BodyState {
  /** Status code of the response (0 until its head is fixed). */
  code = 0;
  /** The connection persists after this response (decided with the head). */
  keepAlive = false;
  /** The body writer chosen for this response's framing. */
  private body: BodyWriter = NO_BODY_WRITER;
  // BodyState: the body's progress.
  sent = 0;
  remaining = 0;
  chunks = 0;
  readonly sizeLines: ChunkSizeLines;
  // AddedFields: what the server adds to the head being built (kept here: no object per response).
  contentLength = -1;
  framing: Uint8Array | null = null;
  connection: Uint8Array | null = null;
  server: Uint8Array | null = null;

  constructor(
    private readonly sink: ByteSink,
    private readonly resources: ResponseResources,
  ) {
    this.sizeLines = resources.sizeLines;
  }

  /** Body bytes sent so far. */
  get bytesSent(): number {
    return this.sent;
  }

  /**
   * Fixes the response and queues its head. `known` is the whole body when it was known before
   * this moment (its length `knownLength`, which the caller checked against the application's own
   * Content-Length), else null and -1. A small known body goes out in the head's buffer.
   */
  start(head: ResponseHead, request: RequestFacts, known: readonly Uint8Array[] | null, knownLength: number, serverAllowsKeepAlive: boolean): void {
    const isHead = request.method === "HEAD";
    const framing = responseFraming(head.code, head.contentLength, knownLength, request.minor);
    const keepAlive = persists(request.keepAlive, framing, isHead, serverAllowsKeepAlive);
    this.code = head.code;
    this.keepAlive = keepAlive;
    this.contentLength = framing === FRAMING_LENGTH && head.contentLength < 0 ? knownLength : -1;
    this.framing = framing === FRAMING_CHUNKED ? TRANSFER_ENCODING_CHUNKED : null;
    this.connection = connectionField(request.minor, keepAlive);
    this.server = this.resources.serverFields(!head.hasDate, !head.hasServer);
    const sendsBody = !isHead && framing !== FRAMING_NONE;
    const inline = sendsBody && known !== null && knownLength <= INLINE_BODY ? knownLength : 0;
    const bytes = buildHead(head, this, inline, this.resources.slab);
    if (inline > 0) copyParts(known!, known!.length, bytes, bytes.length - inline);
    this.sink.send(bytes);
    this.sent = inline;
    this.chunks = 0;
    if (!sendsBody) this.body = NO_BODY_WRITER;
    else if (framing === FRAMING_LENGTH) {
      this.body = LENGTH_WRITER;
      this.remaining = (head.contentLength >= 0 ? head.contentLength : knownLength) - inline;
    } else this.body = framing === FRAMING_CHUNKED ? CHUNKED_WRITER : CLOSE_WRITER;
    if (known !== null && inline === 0) for (let i = 0; i < known.length; i++) this.write(known[i]!);
  }

  /** One non-empty body chunk; false (nothing sent) when it does not fit the framing. */
  write(chunk: Uint8Array): boolean {
    return this.body.write(this, chunk, this.sink);
  }

  /** Whether the next `size` bytes are exactly the rest of a Content-Length body (so a driver may send them itself). */
  awaits(size: number): boolean {
    return this.body === LENGTH_WRITER && this.remaining === size && size > 0;
  }

  /** `n` body bytes went out without passing through here (a file the driver sent itself, see awaits()). */
  sentElsewhere(n: number): void {
    this.remaining -= n;
    this.sent += n;
  }

  /** The body is complete; false when it fell short of its Content-Length. */
  finish(): boolean {
    return this.body.finish(this, this.sink);
  }

  /** Sends a complete response the server made itself (an error) instead of the application's. */
  replace(code: number, bytes: Uint8Array): void {
    this.code = code;
    this.keepAlive = false;
    this.body = NO_BODY_WRITER;
    this.sent = 0;
    this.sink.send(bytes);
  }
}
