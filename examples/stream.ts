// A streaming response: an async generator yields five lines, `chunk 1` to `chunk 5`, with a short
// pause between them. The server sends each line as it is produced (chunked on HTTP/1.1).
// It must never set Content-Length: the length is not known when the first line goes out.
//
//   curl -N http://127.0.0.1:8888/    (-N: show each line as it arrives)
import type { Application } from "../src/wsgi/types.ts";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function* lines(): AsyncGenerator<string> {
  try {
    for (let n = 1; n <= 5; n++) {
      yield `chunk ${n}\n`;
      await sleep(10); // stands in for real work: a query, a computation, a message from a queue
    }
  } finally {
    // Runs however the response ends: finished, failed, or the client went away (the server then
    // calls the generator's return()). Release resources here.
  }
}

const app: Application = (_environ, startResponse) => {
  startResponse("200 OK", [["Content-Type", "text/plain; charset=utf-8"]]);
  return lines();
};

export default app;
