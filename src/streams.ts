// wsgi.errors and wsgi.file_wrapper: the two small stream helpers environ carries.
// Must never write anywhere but the log function it is given.

import type { ErrorStream, FileLike, FileWrapper } from "./types.ts";

/** wsgi.errors over a line logger: text is split into lines; a partial line waits for flush(). */
export class ErrorLog implements ErrorStream {
  private partial = "";
  constructor(private readonly log: (line: string) => void) {}
  write(text: string): void {
    const parts = (this.partial + String(text)).split("\n");
    this.partial = parts.pop()!;
    for (const p of parts) this.log(p);
  }
  writelines(lines: Iterable<string>): void {
    for (const l of lines) this.write(l);
  }
  flush(): void {
    if (this.partial !== "") {
      this.log(this.partial);
      this.partial = "";
    }
  }
}

/** wsgi.file_wrapper: reads `file` in blocks until an empty read; close() closes the file. */
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
