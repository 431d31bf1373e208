// Bench app, async variant: awaits the whole request body from wsgi.input and answers its length in
// bytes as text, with a header list built per response (as bench/apps/upload.ts, already async).
// It must do exactly what bench/apps/upload.ts does; never skip the read.
import type { Body, Environ, StartResponse } from "../../../src/wsgi/types.ts";

export default async function app(environ: Environ, startResponse: StartResponse): Promise<Body> {
  const body = await environ["wsgi.input"].read();
  const answer = String(body.byteLength);
  startResponse("200 OK", [
    ["Content-Type", "text/plain"],
    ["Content-Length", String(answer.length)],
  ]);
  return [answer];
}
