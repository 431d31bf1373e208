// A Hono app for the fetch adapter tests: routes with params, JSON in and out, a streamed response,
// an upload hashed as it arrives, and an endless stream whose request.signal says when the client
// left. Served through tsgi by fromFetch (the default export; `lazy` with the lazy Request, `eager`
// with the real one) and
// natively by hono-native.ts.
// It must never use anything of tsgi but the default export's fromFetch.
import { createHash } from "node:crypto";
import { Hono } from "hono";
import { stream } from "hono/streaming";
import { fromFetch } from "../../adapters/fetch.ts";

/** What the last /forever request saw: "streaming", then "aborted" once its signal fired. */
let forever = "none";

export const hono = new Hono();

hono.get("/", (c) => c.text("Hello, Hono!"));
hono.get("/users/:id/posts/:post", (c) => c.json({ user: c.req.param("id"), post: Number(c.req.param("post")), q: c.req.query("q") ?? null }));
hono.post("/json", async (c) => {
  const body = await c.req.json<{ numbers: number[] }>();
  return c.json({ sum: body.numbers.reduce((a, b) => a + b, 0), count: body.numbers.length }, 201);
});
hono.get("/stream", (c) =>
  stream(c, async (s) => {
    for (let n = 1; n <= 5; n++) await s.write(`part ${n}\n`);
  }),
);
hono.post("/upload", async (c) => {
  const hash = createHash("sha256");
  let bytes = 0;
  const reader = c.req.raw.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.length;
    hash.update(value);
  }
  return c.json({ bytes, sha256: hash.digest("hex") });
});
hono.get("/forever", (c) => {
  const signal = c.req.raw.signal;
  forever = "streaming";
  signal.addEventListener("abort", () => (forever = "aborted"));
  return stream(c, async (s) => {
    while (!signal.aborted && !s.aborted) {
      await s.write("tick\n".repeat(1000));
      await s.sleep(5);
    }
  });
});
hono.get("/forever/state", (c) => c.text(forever));
/** How many bytes the last /flood stream produced, and whether it reached its end. */
const flood = { produced: 0, done: false };
hono.get("/flood", (c) => {
  const total = Number(c.req.query("total"));
  const piece = new Uint8Array(64 * 1024).fill(0x66);
  flood.produced = 0;
  flood.done = false;
  return stream(c, async (s) => {
    while (flood.produced < total && !s.aborted) {
      await s.write(piece.slice());
      flood.produced += piece.length;
    }
    flood.done = flood.produced >= total;
  });
});
hono.get("/flood/state", (c) => c.json(flood));
hono.get("/rebuilt", (c) => {
  const copy = new Request(c.req.raw);
  const url = new URL(copy.url);
  return c.json({ isRequest: copy instanceof Request, method: copy.method, target: url.pathname + url.search, header: copy.headers.get("x-test") });
});
hono.post("/faithful", async (c) => {
  const r = c.req.raw;
  const copy = r.clone();
  return c.json({
    isRequest: r instanceof Request,
    tag: Object.prototype.toString.call(r),
    ctor: r.constructor === Request,
    method: r.method,
    target: new URL(r.url).pathname + new URL(r.url).search,
    header: r.headers.get("x-test"),
    signal: r.signal instanceof AbortSignal && !r.signal.aborted,
    copyIsRequest: copy instanceof Request,
    text: await r.text(),
    copyText: await copy.text(),
    bodyUsed: r.bodyUsed,
  });
});
/** Responses whose body is given whole in each way fetch allows (and two that are not: a Blob, form data). */
const bodies: Record<string, () => Response> = {
  text: () => new Response("h\u00e9llo \u{1F600} \uD800 end"),
  bytes: () => new Response(new Uint8Array([104, 105, 0, 255])),
  buffer: () => new Response(new Uint8Array([1, 2, 3, 4]).buffer),
  view: () => new Response(new DataView(new Uint8Array([9, 8, 7, 6, 5]).buffer, 1, 3)),
  empty: () => new Response(""),
  none: () => new Response(null, { status: 200 }),
  json: () => Response.json({ a: [1, "two"] }),
  status: () => new Response("made", { status: 201, statusText: "Made", headers: { "x-kind": "status" } }),
  blob: () => new Response(new Blob(["from a blob"])),
  params: () => new Response(new URLSearchParams("a=1&b=two")),
  length: () => new Response("sized", { headers: { "content-length": "5" } }),
};
hono.get("/bodies/:kind", (c) => bodies[c.req.param("kind")]!());
hono.get("/bodies-async/:kind", async (c) => {
  await Promise.resolve();
  return bodies[c.req.param("kind")]!();
});
/** A Response whose body was already read: no server can send it. */
hono.get("/used-body", async () => {
  const r = new Response("once");
  await r.text();
  return r;
});
/** A Response whose body was read (its reader released): only the rest, nothing, can be sent. */
hono.get("/read-then-released", async () => {
  const r = new Response("all of it");
  const reader = r.body!.getReader();
  await reader.read();
  reader.releaseLock();
  return r;
});
hono.all("/any", (c) => c.text(`${c.req.method} ${c.req.url}`));
hono.notFound((c) => c.text("no such page", 404));

export default fromFetch(hono.fetch);
/** The same through the lazy Request (the default on Node and Deno). */
export const lazy = fromFetch(hono.fetch, { lazyRequest: true });
/** The same through a real Request built for every request (the default on Bun). */
export const eager = fromFetch(hono.fetch, { lazyRequest: false });
