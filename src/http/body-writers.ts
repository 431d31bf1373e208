// Response-body writers (RFC 9112 sections 6-7), one per framing, chosen once when the head is
// fixed: each turns body chunks into wire bytes and knows when the body is complete. They keep no
// state of their own (a response's progress is its BodyState), so one of each serves every response.
// Must never send a byte its framing does not allow (nothing past a Content-Length, nothing for
// HEAD/204/304) and never touch a transport: bytes go to a ByteSink.

import { encodeLatin1 } from "./bytes.ts";

/** Where a writer puts wire bytes (the connection's output queue). */
export interface ByteSink {
  send(data: Uint8Array): void;
}

/** The progress of one response body. */
export interface BodyState {
  /** Body bytes handed to the sink so far (framing bytes not counted). */
  sent: number;
  /** Content-Length framing: bytes still to send. */
  remaining: number;
  /** Chunked framing: chunks sent so far. */
  chunks: number;
  /** Chunked framing: the server's size-line cache. */
  readonly sizeLines: ChunkSizeLines;
}

export interface BodyWriter {
  /**
   * Sends one non-empty chunk. Returns false, sending nothing, when the chunk does not fit the
   * framing (it would go past the Content-Length): the response is then broken.
   */
  write(s: BodyState, chunk: Uint8Array, sink: ByteSink): boolean;
  /** The body is complete: sends its end marker. Returns false when it fell short of its length. */
  finish(s: BodyState, sink: ByteSink): boolean;
}

/** Content-Length framing: exactly `remaining` more bytes. */
export const LENGTH_WRITER: BodyWriter = Object.freeze({
  write(s: BodyState, chunk: Uint8Array, sink: ByteSink): boolean {
    // Withhold the whole chunk: the client then sees a short body, not a plausible one.
    if (chunk.length > s.remaining) return false;
    s.remaining -= chunk.length;
    s.sent += chunk.length;
    sink.send(chunk);
    return true;
  },
  finish: (s: BodyState): boolean => s.remaining === 0,
});

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
export const CHUNKED_WRITER: BodyWriter = Object.freeze({
  write(s: BodyState, chunk: Uint8Array, sink: ByteSink): boolean {
    sink.send(s.sizeLines.get(chunk.length, s.chunks++ > 0));
    sink.send(chunk);
    s.sent += chunk.length;
    return true;
  },
  finish(s: BodyState, sink: ByteSink): boolean {
    sink.send(s.chunks > 0 ? CRLF_LAST_CHUNK : LAST_CHUNK);
    return true;
  },
});

/** Close-delimited framing (HTTP/1.0, length unknown): bytes as they are; the close ends the body. */
export const CLOSE_WRITER: BodyWriter = Object.freeze({
  write(s: BodyState, chunk: Uint8Array, sink: ByteSink): boolean {
    s.sent += chunk.length;
    sink.send(chunk);
    return true;
  },
  finish: (): boolean => true,
});

/** No body on the wire (HEAD, 204, 304): chunks are discarded; the length is not held to. */
export const NO_BODY_WRITER: BodyWriter = Object.freeze({
  write: (): boolean => true,
  finish: (): boolean => true,
});
