// The fetch-style handlers Bun.serve and Deno.serve run for the bench (bench/native/bun.mjs and
// deno.mjs add their own file serving): the same answers as the tsgi bench apps, sync and async.
// It must do exactly what bench/apps/*.ts (and bench/apps/async/*.ts) do, nothing more.
import { Hono } from "hono";
import { BIG, HELLO, chunks } from "../lib/payloads.mjs";

const TEXT = { "Content-Type": "text/plain" };

/** A ReadableStream pulling from an iterator (a streamed response body). */
function streamOf(iterator) {
  return new ReadableStream({
    async pull(controller) {
      const next = await iterator.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    cancel() {
      return iterator.return();
    },
  });
}

export const fetchHandlers = {
  hello: () => new Response(HELLO, { headers: TEXT }),
  big: () => new Response(BIG, { headers: TEXT }),
  async upload(request) {
    const body = await request.arrayBuffer();
    return new Response(String(body.byteLength), { headers: TEXT });
  },
  stream: () => new Response(streamOf(chunks()), { headers: TEXT }),
  hono: new Hono().get("/", (c) => c.text("Hello, World!")).fetch,
};

/** The async variants: async functions, headers built per response. */
export const asyncFetchHandlers = {
  hello: async () => new Response(HELLO, { headers: { "Content-Type": "text/plain" } }),
  big: async () => new Response(BIG, { headers: { "Content-Type": "text/plain" } }),
  async upload(request) {
    const body = await request.arrayBuffer();
    return new Response(String(body.byteLength), { headers: { "Content-Type": "text/plain" } });
  },
  stream: async () => new Response(streamOf(chunks()), { headers: { "Content-Type": "text/plain" } }),
};
