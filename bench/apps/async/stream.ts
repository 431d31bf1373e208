// Bench app, async variant: 64 chunks of 1 KiB ("y") from an async generator, sent chunked, by an
// async function that builds its header list per response.
// It must do exactly what bench/apps/stream.ts does, nothing more; only the way it is written differs.
import type { Body, Environ, StartResponse } from "../../../src/wsgi/types.ts";

const CHUNK = new Uint8Array(1024).fill(0x79); // "y"
const CHUNK_COUNT = 64;

async function* chunks(): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < CHUNK_COUNT; i++) yield CHUNK;
}

export default async function app(_environ: Environ, startResponse: StartResponse): Promise<Body> {
  startResponse("200 OK", [["Content-Type", "text/plain"]]);
  return chunks();
}
