// Bench app, async variant: "Hello, World!" (13 bytes, text/plain, Content-Length) written as real
// apps are: an async function that builds its header list per response.
// It must do exactly what bench/apps/hello.ts does, nothing more; only the way it is written differs.
import type { Body, Environ, StartResponse } from "../../../src/wsgi/types.ts";

const BODY = new TextEncoder().encode("Hello, World!");

export default async function app(_environ: Environ, startResponse: StartResponse): Promise<Body> {
  startResponse("200 OK", [
    ["Content-Type", "text/plain"],
    ["Content-Length", String(BODY.byteLength)],
  ]);
  return [BODY];
}
