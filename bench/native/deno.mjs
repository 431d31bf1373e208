// Native Deno baseline: Deno.serve serving one bench app's behaviour (hello | big | upload | stream | hono),
// the same bytes as bench/apps/*.ts. Usage: deno run --allow-net bench/native/deno.mjs APP [sync|async]
// The async variant (bench/apps/async/*.ts; hono is async in both) uses async handlers that build their headers per response.
// (Deno.serve keeps idle keep-alive connections open without a timeout of its own.)
// Listens on 127.0.0.1 with an ephemeral port and prints "listening on http://127.0.0.1:PORT".
// It must never listen beyond 127.0.0.1 nor do more work than the matching tsgi app.
import { Hono } from "hono";
import { BIG, HELLO, chunks } from "../lib/payloads.mjs";

const [appName = "hello", variant = "sync"] = Deno.args;
const TEXT = { "Content-Type": "text/plain" };
const STATIC_FILE = new URL("../static/index.html", import.meta.url);

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

const handlers = {
  hello: () => new Response(HELLO, { headers: TEXT }),
  big: () => new Response(BIG, { headers: TEXT }),
  async upload(request) {
    const body = await request.arrayBuffer();
    return new Response(String(body.byteLength), { headers: TEXT });
  },
  stream: () => new Response(streamOf(chunks()), { headers: TEXT }),
  hono: new Hono().get("/", (c) => c.text("Hello, World!")).fetch,
  // Deno's own file serving: a file's readable stream as the body (resource-backed), its size as Content-Length.
  async static() {
    const file = await Deno.open(STATIC_FILE);
    const { size } = await file.stat();
    return new Response(file.readable, { headers: { "Content-Type": "text/html", "Content-Length": String(size) } });
  },
};

const asyncHandlers = {
  hello: async () => new Response(HELLO, { headers: { "Content-Type": "text/plain" } }),
  big: async () => new Response(BIG, { headers: { "Content-Type": "text/plain" } }),
  async upload(request) {
    const body = await request.arrayBuffer();
    return new Response(String(body.byteLength), { headers: { "Content-Type": "text/plain" } });
  },
  stream: async () => new Response(streamOf(chunks()), { headers: { "Content-Type": "text/plain" } }),
};

const handler = (variant === "async" ? asyncHandlers[appName] : undefined) ?? handlers[appName];
if (!handler) {
  console.error(`unknown app ${appName}`);
  Deno.exit(2);
}

Deno.serve(
  {
    hostname: "127.0.0.1",
    port: 0,
    onListen: ({ port }) => console.log(`listening on http://127.0.0.1:${port} (native deno)`),
  },
  handler,
);
for (const signal of ["SIGTERM", "SIGINT"]) Deno.addSignalListener(signal, () => Deno.exit(0));
