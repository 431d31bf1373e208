// Bench app: reads the whole request body from wsgi.input and answers its length in bytes as text.
// It must do exactly what bench/native/* do (read everything, then answer); never skip the read.
import type { Body, Environ, StartResponse } from "../../src/wsgi/types.ts";

export default async function app(environ: Environ, startResponse: StartResponse): Promise<Body> {
  const body = await environ["wsgi.input"].read();
  const answer = String(body.byteLength);
  startResponse("200 OK", [
    ["Content-Type", "text/plain"],
    ["Content-Length", String(answer.length)],
  ]);
  return [answer];
}
