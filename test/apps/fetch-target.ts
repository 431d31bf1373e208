// A tsgi app for the toFetch tests, served by tsgi itself (the default export) and by Bun.serve and
// Deno.serve through toFetch (to-fetch-native.ts): text, parts of environ as JSON, a streamed body,
// write(), an upload read through wsgi.input by size and by line, an error before the headers, a
// Content-Length the app set, and a 204.
// It must never depend on which server runs it, except through what environ says.
import type { Application, Environ } from "../../src/wsgi/types.ts";

const KEYS = ["REQUEST_METHOD", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING", "CONTENT_TYPE", "CONTENT_LENGTH", "SERVER_PROTOCOL", "REMOTE_ADDR", "wsgi.url_scheme", "wsgi.input_terminated", "HTTP_X_CUSTOM", "tsgi.raw_uri"];

async function* parts(): AsyncGenerator<string> {
  for (let n = 1; n <= 3; n++) {
    yield `part ${n}\n`;
    await new Promise((r) => setTimeout(r, 2));
  }
}

async function readAll(environ: Environ): Promise<Uint8Array[]> {
  const pieces: Uint8Array[] = [];
  for (;;) {
    const piece = await environ["wsgi.input"].read(7000);
    if (piece.length === 0) return pieces;
    pieces.push(piece);
  }
}

const app: Application = async (environ, startResponse) => {
  const path = environ.PATH_INFO;
  if (path === "/") {
    startResponse("200 OK", [["Content-Type", "text/plain"]]);
    return ["Hello, World!"];
  }
  if (path.startsWith("/environ")) {
    startResponse("200 OK", [["Content-Type", "application/json"]]);
    return [JSON.stringify(Object.fromEntries(KEYS.map((k) => [k, environ[k] ?? null])))];
  }
  if (path === "/stream") {
    startResponse("200 OK", [["Content-Type", "text/plain"]]);
    return parts();
  }
  if (path === "/write") {
    const write = startResponse("200 OK", [["Content-Type", "text/plain"], ["X-Written", "yes"]]);
    await write("written 1\n");
    await write("written 2\n");
    return ["returned\n"];
  }
  if (path === "/echo") {
    const pieces = await readAll(environ);
    startResponse("200 OK", [["Content-Type", "application/octet-stream"]]);
    return pieces;
  }
  if (path === "/lines") {
    let lines = 0;
    for await (const _ of environ["wsgi.input"]) lines++;
    startResponse("200 OK", [["Content-Type", "text/plain"]]);
    return [`${lines} lines`];
  }
  if (path === "/fail") throw new Error("deliberate failure before the headers");
  if (path === "/length") {
    startResponse("200 OK", [["Content-Type", "text/plain"], ["Content-Length", "10"]]);
    return (function* () {
      yield "01234";
      yield "56789";
    })();
  }
  if (path === "/empty") {
    startResponse("204 No Content", []);
    return [];
  }
  startResponse("404 Not Found", [["Content-Type", "text/plain"]]);
  return ["not found"];
};

export default app;
