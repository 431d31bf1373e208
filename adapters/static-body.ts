// The bodies tsgi/static sends, as file-like objects for wsgi.file_wrapper: one byte range of an
// open file (the whole file is the range 0..size-1), and several ranges as multipart/byteranges
// (RFC 9110 14.6). Each says its size, so the response has a Content-Length, and a single range
// says its path and offset, so a server may send it without reading it (see src/wsgi/file-wrapper.ts).
// Must never read ahead of what is pulled, never hand out a buffer twice, and never leave the
// file open once closed.

import type { FileLike } from "../src/wsgi/types.ts";
import type { ByteRange } from "./static-ranges.ts";
import type { LazyFile } from "./static-files.ts";

const EMPTY = new Uint8Array(0);
const encoder = new TextEncoder();

/** Reads `size` bytes of `fh` from `offset`, a block at a time; fewer if the file shrank. */
export class FileRange implements FileLike {
  private pos: number;
  private left: number;
  readonly path: string;

  constructor(
    private readonly fh: LazyFile,
    readonly offset: number,
    readonly size: number,
  ) {
    this.pos = offset;
    this.left = size;
    this.path = fh.path;
  }

  async read(size: number): Promise<Uint8Array> {
    if (this.left === 0) return EMPTY;
    const want = Math.min(size, this.left);
    const buf = new Uint8Array(want);
    const bytesRead = await this.fh.read(buf, want, this.pos);
    if (bytesRead === 0) {
      this.left = 0; // the file shrank: the body ends short, and the server closes the connection
      return EMPTY;
    }
    this.pos += bytesRead;
    this.left -= bytesRead;
    return bytesRead === want ? buf : buf.subarray(0, bytesRead);
  }

  close(): Promise<void> {
    return this.fh.close();
  }
}

/** A boundary that cannot occur in the part headers (the file's bytes may contain anything; RFC 2046 asks only that it be unlikely). */
export function newBoundary(): string {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return "tsgi-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** multipart/byteranges of `ranges` of `fh` (`total` bytes in the file), with the part headers RFC 9110 14.6 asks for. */
export class MultipartRanges implements FileLike {
  /** Each piece: part-header bytes, or a range to read. */
  private readonly pieces: (Uint8Array | ByteRange)[] = [];
  readonly size: number;
  private index = 0;
  private done = 0; // bytes of the current range already read
  private closed = false;

  constructor(
    private readonly fh: LazyFile,
    ranges: readonly ByteRange[],
    total: number,
    contentType: string,
    boundary: string,
  ) {
    let size = 0;
    ranges.forEach((r, i) => {
      const head = encoder.encode(`${i === 0 ? "" : "\r\n"}--${boundary}\r\nContent-Type: ${contentType}\r\nContent-Range: bytes ${r.first}-${r.last}/${total}\r\n\r\n`);
      this.pieces.push(head, r);
      size += head.length + (r.last - r.first + 1);
    });
    const tail = encoder.encode(`\r\n--${boundary}--\r\n`);
    this.pieces.push(tail);
    this.size = size + tail.length;
  }

  async read(size: number): Promise<Uint8Array> {
    while (!this.closed && this.index < this.pieces.length) {
      const piece = this.pieces[this.index]!;
      if (piece instanceof Uint8Array) {
        this.index++;
        return piece;
      }
      const length = piece.last - piece.first + 1;
      const want = Math.min(size, length - this.done);
      if (want === 0) {
        this.index++;
        this.done = 0;
        continue;
      }
      const buf = new Uint8Array(want);
      const bytesRead = await this.fh.read(buf, want, piece.first + this.done);
      if (bytesRead === 0) return EMPTY; // the file shrank: end short
      this.done += bytesRead;
      return bytesRead === want ? buf : buf.subarray(0, bytesRead);
    }
    return EMPTY;
  }

  close(): Promise<void> {
    this.closed = true;
    return this.fh.close();
  }
}
