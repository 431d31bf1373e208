// Request-body readers (RFC 9112 sections 6-7): incremental readers for Content-Length and chunked
// bodies. They hand out slices of the input (no copies) and stop exactly at the body's end.
// Must never read past the body, and never throw anything but HttpError for bad input.

import { FIELD_VALUE, HEX_VALUE, TCHAR, CR, LF } from "./chars.ts";
import { latin1 } from "./bytes.ts";
import type { HeadLimits } from "./limits.ts";
import { HttpError } from "../errors.ts";

/** Receives each piece of body data, a view into the input buffer. */
export type BodySink = (data: Uint8Array) => void;

export interface BodyReader {
  /** The whole body (and for chunked, its trailer section) has been read. */
  readonly done: boolean;
  /** Body bytes delivered so far. */
  readonly received: number;
  /**
   * Consumes body bytes from buf[pos, len), passing data to `sink`; returns the index just past what
   * it consumed (bytes after the body's end are left alone). Throws HttpError for a malformed body.
   */
  feed(buf: Uint8Array, pos: number, len: number, sink: BodySink): number;
}

/** A body of known length. */
export class LengthReader implements BodyReader {
  received = 0;
  private remaining: number;
  constructor(length: number) {
    this.remaining = length;
  }
  get done(): boolean {
    return this.remaining === 0;
  }
  /** Bytes of the body not yet received. */
  get left(): number {
    return this.remaining;
  }
  feed(buf: Uint8Array, pos: number, len: number, sink: BodySink): number {
    const n = Math.min(this.remaining, len - pos);
    if (n <= 0) return pos;
    this.remaining -= n;
    this.received += n;
    sink(buf.subarray(pos, pos + n));
    return pos + n;
  }
}

const S_LINE = 0; // a chunk-size line
const S_DATA = 1;
const S_DATA_CR = 2;
const S_DATA_LF = 3;
const S_TRAILER = 4; // trailer field lines, then the final empty line
const S_DONE = 5;

/** Longest chunk-size line (size and extensions) accepted. */
const MAX_SIZE_LINE = 4096;
/** chunk-ext after the size: *( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ] ) */
const CHUNK_EXT =
  /^(?:[ \t]*;[ \t]*[!#$%&'*+\-.^_`|~0-9A-Za-z]+(?:[ \t]*=[ \t]*(?:[!#$%&'*+\-.^_`|~0-9A-Za-z]+|"(?:[\t \x21\x23-\x5b\x5d-\x7e\x80-\xff]|\\[\t \x21-\x7e\x80-\xff])*"))?)*$/;

/** A chunked body, with chunk extensions (validated, ignored) and trailer fields (validated, dropped). */
export class ChunkedReader implements BodyReader {
  received = 0;
  private state = S_LINE;
  private remaining = 0;
  private line = "";
  private trailerBytes = 0;
  private trailerCount: number;
  /** `fieldCount`: the head's fields, which trailer fields add to for maxHeaderCount. */
  constructor(
    private readonly limits: HeadLimits,
    fieldCount = 0,
  ) {
    this.trailerCount = fieldCount;
  }

  get done(): boolean {
    return this.state === S_DONE;
  }

  feed(buf: Uint8Array, pos: number, len: number, sink: BodySink): number {
    while (pos < len) {
      switch (this.state) {
        case S_DATA: {
          const n = Math.min(this.remaining, len - pos);
          this.remaining -= n;
          this.received += n;
          sink(buf.subarray(pos, pos + n));
          pos += n;
          if (this.remaining === 0) this.state = S_DATA_CR;
          break;
        }
        case S_DATA_CR:
          if (buf[pos] !== CR) throw new HttpError(400, "chunk data not followed by CRLF");
          pos++;
          this.state = S_DATA_LF;
          break;
        case S_DATA_LF:
          if (buf[pos] !== LF) throw new HttpError(400, "chunk data not followed by CRLF");
          pos++;
          this.state = S_LINE;
          break;
        case S_LINE:
        case S_TRAILER: {
          const lf = buf.indexOf(LF, pos);
          const stop = lf === -1 || lf >= len ? len : lf;
          const max = this.state === S_LINE ? MAX_SIZE_LINE : this.limits.maxHeadSize;
          if (this.line.length + (stop - pos) > max) {
            throw this.state === S_LINE ? new HttpError(400, "chunk-size line too long") : new HttpError(431, "trailer section too large");
          }
          this.line += latin1(buf, pos, stop);
          if (stop === len) return len;
          pos = lf + 1;
          const line = this.line;
          this.line = "";
          if (line.length === 0 || line.charCodeAt(line.length - 1) !== CR) throw new HttpError(400, "line ending without CR (bare LF) in chunked body");
          if (this.state === S_LINE) this.sizeLine(line.slice(0, -1));
          else this.trailerLine(line.slice(0, -1));
          if ((this.state as number) === S_DONE) return pos;
          break;
        }
        default:
          return pos;
      }
    }
    return pos;
  }

  private sizeLine(line: string): void {
    let i = 0;
    let size = 0;
    // Leading zeros do not count (RFC 9112 section 7.1: a long numeral is still a size); a size of
    // more than 16 significant hex digits is larger than any body limit: 413, before it overflows.
    let digits = 0;
    while (i < line.length) {
      const v = HEX_VALUE[line.charCodeAt(i)]!;
      if (v === 255 || line.charCodeAt(i) > 0xff) break;
      if (digits > 0 || v !== 0) digits++;
      if (digits > 16) throw new HttpError(413, "request body too large");
      size = size * 16 + v;
      i++;
    }
    if (i === 0) throw new HttpError(400, "malformed chunk size");
    if (i < line.length && !CHUNK_EXT.test(line.slice(i))) throw new HttpError(400, "malformed chunk extension");
    if (this.received + size > this.limits.maxBodySize) throw new HttpError(413, "request body too large");
    if (size === 0) this.state = S_TRAILER;
    else {
      this.remaining = size;
      this.state = S_DATA;
    }
  }

  private trailerLine(line: string): void {
    if (line.length === 0) {
      this.state = S_DONE;
      return;
    }
    this.trailerBytes += line.length + 2;
    if (++this.trailerCount > this.limits.maxHeaderCount) throw new HttpError(431, "too many header and trailer fields");
    if (this.trailerBytes > this.limits.maxHeadSize) throw new HttpError(431, "trailer section too large");
    let i = 0;
    while (i < line.length && TCHAR[line.charCodeAt(i)] === 1) i++;
    if (i === 0 || line.charCodeAt(i) !== 0x3a) throw new HttpError(400, "malformed trailer field");
    for (i++; i < line.length; i++) {
      const c = line.charCodeAt(i);
      if (c > 0xff || FIELD_VALUE[c] !== 1) throw new HttpError(400, "invalid character in trailer field");
    }
  }
}
