// Response-body writers (RFC 9112 sections 6-7), one per framing, chosen once when the head is
// fixed: each turns body chunks into wire bytes and knows when the body is complete.
// Must never send a byte its framing does not allow (nothing past a Content-Length, nothing for
// HEAD/204/304) and never touch a transport: bytes go to a ByteSink.

import { encodeLatin1 } from "./bytes.ts";

/** Where a writer puts wire bytes (the connection's output queue). */
export interface ByteSink {
  send(data: Uint8Array): void;
}

export interface BodyWriter {
  /** Body bytes handed to the sink so far (framing bytes not counted). */
  readonly sent: number;
  /**
   * Sends one non-empty chunk. Returns false, sending nothing, when the chunk does not fit the
   * framing (it would go past the Content-Length): the response is then broken.
   */
  write(chunk: Uint8Array, sink: ByteSink): boolean;
  /** The body is complete: sends its end marker. Returns false when it fell short of its length. */
  finish(sink: ByteSink): boolean;
}

/** Content-Length framing: exactly `length` bytes. */
export class LengthWriter implements BodyWriter {
  sent = 0;
  private remaining = 0;

  reset(length: number, alreadySent: number): this {
    this.remaining = length - alreadySent;
    this.sent = alreadySent;
    return this;
  }

  write(chunk: Uint8Array, sink: ByteSink): boolean {
    // Withhold the whole chunk: the client then sees a short body, not a plausible one.
    if (chunk.length > this.remaining) return false;
    this.remaining -= chunk.length;
    this.sent += chunk.length;
    sink.send(chunk);
    return true;
  }

  finish(): boolean {
    return this.remaining === 0;
  }
}

/** Chunk-size lines, kept per server: streams mostly repeat one chunk size. */
export class ChunkSizeLines {
  private readonly lines = new Map<number, Uint8Array>();

  /** "<hex>\r\n" for the first chunk, "\r\n<hex>\r\n" (closing the previous chunk's data) after it. */
  get(size: number, afterChunk: boolean): Uint8Array {
    const key = afterChunk ? -size - 1 : size;
    let line = this.lines.get(key);
    if (line === undefined) {
      line = encodeLatin1((afterChunk ? "\r\n" : "") + size.toString(16) + "\r\n");
      if (this.lines.size >= 64) this.lines.clear();
      this.lines.set(key, line);
    }
    return line;
  }
}

const LAST_CHUNK = encodeLatin1("0\r\n\r\n");
const CRLF_LAST_CHUNK = encodeLatin1("\r\n0\r\n\r\n");

/**
 * Chunked framing. The CRLF that ends a chunk's data goes out with the next size line (or the last
 * chunk): two parts per chunk instead of three, and a body cut short ends right after its data.
 */
export class ChunkedWriter implements BodyWriter {
  sent = 0;
  private chunks = 0;

  constructor(private readonly sizeLines: ChunkSizeLines) {}

  reset(): this {
    this.sent = 0;
    this.chunks = 0;
    return this;
  }

  write(chunk: Uint8Array, sink: ByteSink): boolean {
    sink.send(this.sizeLines.get(chunk.length, this.chunks++ > 0));
    sink.send(chunk);
    this.sent += chunk.length;
    return true;
  }

  finish(sink: ByteSink): boolean {
    sink.send(this.chunks > 0 ? CRLF_LAST_CHUNK : LAST_CHUNK);
    return true;
  }
}

/** Close-delimited framing (HTTP/1.0, length unknown): bytes as they are; the close ends the body. */
export class CloseWriter implements BodyWriter {
  sent = 0;

  reset(): this {
    this.sent = 0;
    return this;
  }

  write(chunk: Uint8Array, sink: ByteSink): boolean {
    this.sent += chunk.length;
    sink.send(chunk);
    return true;
  }

  finish(): boolean {
    return true;
  }
}

/** No body on the wire (HEAD, 204, 304): chunks are discarded; the length is not held to. */
export const NO_BODY: BodyWriter = Object.freeze({
  sent: 0,
  write: () => true,
  finish: () => true,
});
