// wsgi.file_wrapper (PEP 3333 "Optional Platform-Specific File Handling"): turns a file-like object
// into a body read in blocks. Must never read ahead of what the server pulls, and never leave the
// file open once the body is closed.

import type { FileLike, FileWrapper } from "./types.ts";

/** Reads `file` in blocks until an empty read; close() closes the file. */
export const fileWrapper: FileWrapper = (file: FileLike, blockSize = 64 * 1024) => {
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    if (typeof file.close === "function") await file.close();
  };
  return {
    close,
    async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
      while (!closed) {
        const block = await file.read(blockSize);
        if (block.length === 0) return;
        yield block;
      }
    },
  };
};
