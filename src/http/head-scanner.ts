// Finds where a request head ends in a byte buffer (RFC 9112 section 2), resuming across calls as
// bytes arrive, and enforces the line-ending rules and size limits while scanning so an endless
// head is refused early. Must never decode a byte, and never throw anything but HttpError.

import { CR, LF } from "./chars.ts";
import type { HeadLimits } from "./limits.ts";
import { HttpError } from "../errors.ts";

export class HeadScanner {
  /** Where the head starts (after ignored empty lines). */
  start = 0;
  private pos = 0;
  private lineStart = 0;
  private lines = 0;
  /** True once any byte of the request line was seen (leading CRLFs do not count). */
  started = false;

  reset(): void {
    this.start = 0;
    this.pos = 0;
    this.lineStart = 0;
    this.lines = 0;
    this.started = false;
  }

  /**
   * Scans buf[0, len) from where the last call stopped. Returns the index just past the head's final
   * CRLF CRLF, or -1 when more bytes are needed. Throws HttpError (400, 414, 431).
   * The limits are checked so that the answer never depends on where a read happened to end: a line
   * is first judged as a partial line would have been, then as a complete one.
   */
  scan(buf: Uint8Array, len: number, limits: HeadLimits): number {
    let pos = this.pos;
    while (pos < len) {
      const lf = buf.indexOf(LF, pos);
      if (lf === -1 || lf >= len) break;
      this.partialLimits(lf, limits);
      if (lf === this.lineStart || buf[lf - 1] !== CR) throw new HttpError(400, "line ending without CR (bare LF)");
      const lineLen = lf - 1 - this.lineStart;
      if (lineLen === 0) {
        if (this.lines === 0) {
          // An empty line before the request line is ignored (RFC 9112 section 2.2); it still counts toward the head size.
          this.start = lf + 1;
          this.lineStart = lf + 1;
          pos = lf + 1;
          continue;
        }
        this.pos = lf + 1;
        return lf + 1;
      }
      if (this.lines === 0 && lineLen > limits.maxRequestLine) throw new HttpError(414, "request line too long");
      this.started = true;
      this.lines++;
      if (this.lines - 1 > limits.maxHeaderCount) throw new HttpError(431, "too many header fields");
      if (lf + 1 > limits.maxHeadSize) throw new HttpError(431, "request head too large");
      this.lineStart = lf + 1;
      pos = lf + 1;
    }
    this.pos = len;
    if (len > this.lineStart) this.started = true;
    this.partialLimits(len, limits);
    return -1;
  }

  /** The limits as they apply to the bytes before `end` when the current line is not finished. */
  private partialLimits(end: number, limits: HeadLimits): void {
    // One byte of slack for a CR whose LF has not arrived; two for the final empty line.
    if (this.lines === 0 && end - this.lineStart > limits.maxRequestLine + 1) throw new HttpError(414, "request line too long");
    if (end > limits.maxHeadSize + 2) throw new HttpError(431, "request head too large");
  }
}
