// wsgi.file_wrapper (PEP 3333 "Optional Platform-Specific File Handling"): turns a file-like object
// into a body read in blocks. A file-like object that says its size (and where on disk its bytes
// are) gives the body a FileSource, which the exchange uses for the response's Content-Length and
// which a server may send without reading it (the driver's sendFile, see src/server/transport.ts).
// Must never read ahead of what the server pulls, and never leave the file open once the body is closed.

import type { FileLike, FileWrapper } from "./types.ts";

/** Where a file body's bytes are, as far as its file-like object said. */
export interface FileSource {
  /** Bytes in all. */
  readonly size: number;
  /** The file on disk, or null when the object did not say. */
  readonly path: string | null;
  /** Where in that file the bytes start. */
  readonly offset: number;
}

/** The key under which a wrapped body carries its FileSource. */
export const FILE_SOURCE: unique symbol = Symbol("tsgi.file_source");

/** A body made by fileWrapper from a file-like object that said its size. */
export interface FileBody extends AsyncIterable<Uint8Array> {
  close(): Promise<void>;
  readonly [FILE_SOURCE]?: FileSource;
}

/** The FileSource of a body, or null when it is not a sized file body. */
export function fileSourceOf(body: object): FileSource | null {
  const source = (body as { [FILE_SOURCE]?: unknown })[FILE_SOURCE];
  return source === undefined ? null : (source as FileSource);
}

function sourceOf(file: FileLike): FileSource | undefined {
  const size = file.size;
  if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) return undefined;
  const offset = file.offset ?? 0;
  const path = typeof file.path === "string" && Number.isSafeInteger(offset) && offset >= 0 ? file.path : null;
  return { size, path, offset: path === null ? 0 : offset };
}

/** Reads `file` in blocks until an empty read; close() closes the file. */
export const fileWrapper: FileWrapper = (file: FileLike, blockSize = 64 * 1024) => {
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    if (typeof file.close === "function") await file.close();
  };
  const body: FileBody = {
    close,
    async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
      while (!closed) {
        const block = await file.read(blockSize);
        if (block.length === 0) return;
        yield block;
      }
    },
  };
  const source = sourceOf(file);
  if (source !== undefined) (body as { [FILE_SOURCE]?: FileSource })[FILE_SOURCE] = source;
  return body;
};
