// Bench app: "Hello, World!" as a 13-byte text/plain response with Content-Length.
// Used by the keep-alive, Connection: close, pipelining and idle-memory scenarios.
// It must do exactly what bench/native/* and bench/lib/payloads.mjs (HELLO) do, nothing more.
import type { Body, Environ, StartResponse } from "../../src/wsgi/types.ts";

const BODY = new TextEncoder().encode("Hello, World!");
const HEADERS: [string, string][] = [
  ["Content-Type", "text/plain"],
  ["Content-Length", String(BODY.byteLength)],
];

export default function app(_environ: Environ, startResponse: StartResponse): Body {
  startResponse("200 OK", HEADERS);
  return [BODY];
}
