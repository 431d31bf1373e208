// Bench app: a 64 KiB text/plain response ("x" repeated) sent as one chunk with Content-Length.
// It must do exactly what bench/native/* and bench/lib/payloads.mjs (BIG) do, nothing more.
import type { Body, Environ, StartResponse } from "../../src/wsgi/types.ts";

const BODY = new Uint8Array(64 * 1024).fill(0x78); // "x"
const HEADERS: [string, string][] = [
  ["Content-Type", "text/plain"],
  ["Content-Length", String(BODY.byteLength)],
];

export default function app(_environ: Environ, startResponse: StartResponse): Body {
  startResponse("200 OK", HEADERS);
  return [BODY];
}
