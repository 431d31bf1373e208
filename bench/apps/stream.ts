// Bench app: a streamed text/plain response of 64 chunks of 1 KiB ("y") produced by an async
// generator, so the length is unknown and the server must send it chunked.
// It must do exactly what bench/native/* do with their ReadableStream / res.write loop.
import type { Body, Environ, StartResponse } from "../../src/wsgi/types.ts";

const CHUNK = new Uint8Array(1024).fill(0x79); // "y"
const CHUNK_COUNT = 64;

async function* chunks(): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < CHUNK_COUNT; i++) yield CHUNK;
}

export default function app(_environ: Environ, startResponse: StartResponse): Body {
  startResponse("200 OK", [["Content-Type", "text/plain"]]);
  return chunks();
}
