// The Node driver's file path (Transport.sendFile): node:net has no sendfile, so a small stretch of
// a file is read with one fs.read, straight into one buffer behind the bytes queued before it (the
// response head), and leaves in one write. Cheaper than the core pulling the app's file-like object
// (fs/promises FileHandle, an async generator, a read per block): bench `static` (64 KiB) on Node.
// Must never read more than it was asked for, hold the file open after it returns, or reject.

import { close, open, read } from "node:fs";
import type { FileToSend } from "../../src/server/transport.ts";
import { copyParts } from "../../src/http/bytes.ts";

/** Files up to this size are read whole in the driver; larger ones are pulled by the core, block by block (its writes time the response). */
export const FILE_READ_MAX = 256 * 1024;

function noop(): void {}

/**
 * `queued` followed by the file's bytes, in one buffer; shorter when the file shrank. The file part
 * is empty when it cannot be opened or read (the response then ends short).
 */
export function readAfter(queued: readonly Uint8Array[], file: FileToSend): Promise<{ bytes: Uint8Array; fileBytes: number }> {
  let head = 0;
  for (let i = 0; i < queued.length; i++) head += queued[i]!.length;
  return new Promise((resolve) => {
    const fail = (): void => resolve({ bytes: joined(queued, head), fileBytes: 0 });
    open(file.path, "r", (err, fd) => {
      if (err !== null) return fail();
      const buf = Buffer.allocUnsafeSlow(head + file.size);
      read(fd, buf, head, file.size, file.offset, (err, n) => {
        close(fd, noop);
        if (err !== null) return fail();
        copyParts(queued, queued.length, buf);
        resolve({ bytes: n === file.size ? buf : buf.subarray(0, head + n), fileBytes: n });
      });
    });
  });
}

function joined(parts: readonly Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(total);
  copyParts(parts, parts.length, out);
  return out;
}
