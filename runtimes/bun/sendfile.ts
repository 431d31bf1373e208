// The Bun driver's zero-copy file path: sendfile(2) from libc through bun:ffi, on the socket's own
// file descriptor (Bun.listen sockets have `fd`; their write() refuses a Bun.file, "File blob not
// supported yet", and Bun.write to the socket's fd fails with EAGAIN once the socket is full). When
// sendfile cannot go on (EAGAIN: the socket is full), the next piece of the file is read and written
// the ordinary way, which makes Bun report the socket writable again (drain); then sendfile goes on.
// Linux only, plain TCP or unix sockets only (TLS must encrypt in user space).
// Must never write while bytes queued before it are unsent, and never hold the event loop for
// more than a few MiB at a time.

import { closeSync, openSync, readSync } from "node:fs";
import type { FileSent, FileToSend } from "../../src/server/transport.ts";

/** libc's sendfile(out_fd, in_fd, off_t *offset, count), or null where it cannot be loaded. */
export type Sendfile = (out: number, input: number, offset: BigInt64Array, count: number) => number;

/** The bytes of one sendfile call, and between yields to the event loop. */
const SLICE = 4 * 1024 * 1024;
/** A piece written the ordinary way when the socket is full (it arms Bun's drain callback). */
const PIECE = 16 * 1024;

/** Loads sendfile(2) from libc (Linux only); null when it cannot (another OS, no bun:ffi). */
export async function loadSendfile(): Promise<Sendfile | null> {
  if (process.platform !== "linux") return null;
  try {
    const { dlopen, FFIType, ptr } = await import("bun:ffi");
    type Lib = { symbols: { sendfile: (...args: unknown[]) => number | bigint } };
    const load = (name: string): Lib | null => {
      try {
        return dlopen(name, { sendfile: { args: [FFIType.i32, FFIType.i32, FFIType.ptr, FFIType.u64], returns: FFIType.i64 } }) as unknown as Lib;
      } catch {
        return null;
      }
    };
    const lib = load("libc.so.6") ?? load("libc.so"); // glibc, then musl
    if (lib === null) return null;
    const fn = lib.symbols.sendfile;
    return (out, input, offset, count) => Number(fn(out, input, ptr(offset), count));
  } catch {
    return null;
  }
}

/** What the file pump needs from its connection. */
export interface FileSink {
  /** The connection can still send. */
  readonly open: boolean;
  /** Ordinary write (Transport.write). */
  write(data: Uint8Array): boolean;
  /** Ordinary gathered write (Transport.writev). */
  writev(parts: readonly Uint8Array[]): boolean;
  /** Bytes are queued, waiting for the socket (drained() then waits for Bun's drain). */
  readonly backlogged: boolean;
  /** Resolves once nothing queued is left unsent (at once if nothing is), or the socket closed. */
  drained(): Promise<void>;
}

/** Sends `queued`, then `file` to the socket `fd` with sendfile, pieces written through `sink` when the socket is full. */
export async function pumpFile(sendfile: Sendfile, fd: number, sink: FileSink, file: FileToSend, queued: readonly Uint8Array[]): Promise<FileSent> {
  let sent = 0;
  let direct = 0;
  let input: number;
  if (queued.length > 0) sink.writev(queued);
  try {
    input = openSync(file.path, "r");
  } catch {
    return { sent, direct, how: "sendfile(2)" }; // the head went: the response ends short
  }
  const offset = new BigInt64Array([BigInt(file.offset)]);
  let left = file.size;
  try {
    await sink.drained(); // the head, and anything before it, first
    let sinceYield = 0;
    while (left > 0 && sink.open) {
      const n = sendfile(fd, input, offset, Math.min(left, SLICE));
      if (n > 0) {
        left -= n;
        sent += n;
        direct += n;
        sinceYield += n;
        if (sinceYield >= SLICE) {
          sinceYield = 0;
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
        continue;
      }
      if (n === 0) break; // the file ended early (it shrank)
      // The socket is full (EAGAIN, or sendfile refused): a piece the ordinary way, then wait for drain.
      const piece = new Uint8Array(Math.min(left, PIECE));
      const got = readSync(input, piece, 0, piece.length, Number(offset[0]));
      if (got <= 0) break;
      offset[0] = offset[0]! + BigInt(got);
      left -= got;
      sent += got;
      // Refused outright (not queued): the socket is closing, and its close handler will say so.
      if (!sink.write(got === piece.length ? piece : piece.subarray(0, got)) && !sink.backlogged) break;
      if (sink.backlogged) {
        await sink.drained();
        sinceYield = 0;
      } else if ((sinceYield += got) >= SLICE) {
        // sendfile refused for another reason and the socket takes the pieces: still let others run.
        sinceYield = 0;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
  } finally {
    closeSync(input);
  }
  return { sent, direct, how: "sendfile(2)" };
}
