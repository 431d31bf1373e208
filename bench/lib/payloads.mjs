// The bytes every benchmark server must produce, shared by the native and bare servers and by the
// validator. The tsgi apps in bench/apps/*.ts inline the same constants (they stay self-contained);
// the validator compares every server against these, so a drift shows up as a failed validation.
// This file must never import a runtime API: it is loaded by Node, Bun and Deno alike.

const encoder = new TextEncoder();

/** Body of the hello-world scenarios (keep-alive, Connection: close, pipelined, idle memory). */
export const HELLO = encoder.encode("Hello, World!");

/** The 64 KiB response body. */
export const BIG = new Uint8Array(64 * 1024).fill(0x78); // "x"

/** One chunk of the streamed response, and how many of them make the response. */
export const CHUNK = new Uint8Array(1024).fill(0x79); // "y"
export const CHUNK_COUNT = 64;

/** Size of the upload body; the upload app answers with its length as decimal text. */
export const UPLOAD_SIZE = 64 * 1024;
export const UPLOAD_ANSWER = encoder.encode(String(UPLOAD_SIZE));

/** How many requests the pipelining scenario sends in one write. */
export const PIPELINE_DEPTH = 16;

/** The whole streamed body, for validation. */
export function streamedBody() {
  const all = new Uint8Array(CHUNK.length * CHUNK_COUNT);
  for (let i = 0; i < CHUNK_COUNT; i++) all.set(CHUNK, i * CHUNK.length);
  return all;
}

/** The async generator the streaming apps and native servers read their chunks from. */
export async function* chunks() {
  for (let i = 0; i < CHUNK_COUNT; i++) yield CHUNK;
}
