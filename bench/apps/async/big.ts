// Bench app, async variant: a 64 KiB text/plain response ("x" repeated) as one chunk with
// Content-Length, from an async function that builds its header list per response.
// It must do exactly what bench/apps/big.ts does, nothing more; only the way it is written differs.
import type { Body, Environ, StartResponse } from "../../../src/wsgi/types.ts";

const BODY = new Uint8Array(64 * 1024).fill(0x78); // "x"

export default async function app(_environ: Environ, startResponse: StartResponse): Promise<Body> {
  startResponse("200 OK", [
    ["Content-Type", "text/plain"],
    ["Content-Length", String(BODY.byteLength)],
  ]);
  return [BODY];
}
