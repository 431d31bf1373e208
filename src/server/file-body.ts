// A file body handed to the driver (Transport.sendFile): when the response's framing is a
// Content-Length that the file's bytes fill exactly, the driver takes the queued head and sends it
// with the file by its runtime's own path; the response writer is told how many bytes went out. One
// debug-level log line per file says how, when debug lines are wanted (it is how tests see that the
// path was taken).
// Must never write to the transport while the driver sends, and never count a byte the driver did not report.

import type { Transport } from "./transport.ts";
import type { Output } from "./output.ts";
import type { ResponseWriter } from "../http/response-writer.ts";
import type { FileSource } from "../wsgi/file-wrapper.ts";

/**
 * Starts sending `source` through the transport; null when it cannot (no such path in the driver,
 * framing not a Content-Length the file fills, nothing to send). The Promise says whether all the
 * bytes went out. `debug` takes the debug line's text after its prefix, or is null (no line made).
 */
export function sendFileBody(transport: Transport, output: Output, response: ResponseWriter, source: FileSource, debug: ((text: string) => void) | null): Promise<boolean> | null {
  const path = source.path;
  if (transport.sendFile === undefined || path === null || !response.awaits(source.size)) return null;
  const queued = output.take(); // the head, which the driver sends first (joined to the file's bytes where it can)
  const sending = transport.sendFile({ path, offset: source.offset, size: source.size }, queued);
  if (sending === null) {
    for (let i = 0; i < queued.length; i++) output.queue(queued[i]!);
    return null;
  }
  return sending.then((r) => {
    response.sentElsewhere(r.sent);
    if (debug !== null) debug(`${r.sent} of ${source.size} bytes sent from the file, ${r.direct} of them by ${r.how}`);
    return r.sent === source.size;
  });
}
