// Echoes the request body back: reads wsgi.input to the end and answers with exactly those bytes,
// with the request's Content-Type and a Content-Length. Only POST and PUT; other methods get 405.
// It must never read more than the server allows (the server caps the body; see --max-body-size).
//
//   curl --data-binary @somefile http://127.0.0.1:8888/
import type { Application } from "../src/wsgi/types.ts";

const app: Application = async (environ, startResponse) => {
  const method = environ.REQUEST_METHOD;
  if (method !== "POST" && method !== "PUT") {
    startResponse("405 Method Not Allowed", [
      ["Content-Type", "text/plain"],
      ["Allow", "POST, PUT"],
    ]);
    return ["Send the body with POST or PUT.\n"];
  }

  // read() with no size returns the whole rest of the body (an empty array when there is none).
  // If the client sent `Expect: 100-continue`, this first read is what sends `100 Continue`.
  const body = await environ["wsgi.input"].read();

  startResponse("200 OK", [
    ["Content-Type", environ.CONTENT_TYPE || "application/octet-stream"],
    ["Content-Length", String(body.byteLength)],
  ]);
  return [body];
};

export default app;

// To echo without holding the whole body in memory, stream it instead (no Content-Length then):
//
//   async function* echo(input: InputStream) {
//     for (;;) {
//       const block = await input.read(64 * 1024);
//       if (block.byteLength === 0) return;
//       yield block;
//     }
//   }
//   return echo(environ["wsgi.input"]);
//
// (Async iteration of wsgi.input yields lines, as a Python file does; read(size) gives blocks.)
