// An itty-router app for the fetch adapter tests (itty-router's AutoRouter, as its docs write one):
// params and a query, JSON in and out, a status with an error body, a redirect, a streamed body,
// an upload hashed as it arrives and the router's own 404. Served through tsgi by fromFetch (the
// default export) and on Bun.serve and Deno.serve by itty-native.ts.
// It must never use anything of tsgi but the default export's fromFetch.
import { createHash } from "node:crypto";
import { AutoRouter, error, json } from "itty-router";
import { fromFetch } from "../../adapters/fetch.ts";

export const router = AutoRouter();

router
  .get("/", () => new Response("Hello, itty!", { headers: { "content-type": "text/plain; charset=utf-8" } }))
  .get("/items/:id", ({ params, query }) => ({ item: params.id, q: query.q ?? null }))
  .post("/json", async (request) => {
    const { numbers } = (await request.json()) as { numbers: number[] };
    return json({ sum: numbers.reduce((a, b) => a + b, 0), count: numbers.length }, { status: 201 });
  })
  .get("/teapot", () => error(418, "short and stout"))
  .get("/redirect", () => Response.redirect("http://localhost/items/1", 302))
  .get("/stream", () => {
    const parts = ["part 1\n", "part 2\n", "part 3\n"];
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = parts.shift();
        if (next === undefined) controller.close();
        else controller.enqueue(new TextEncoder().encode(next));
      },
    });
    return new Response(body, { headers: { "content-type": "text/plain" } });
  })
  .post("/upload", async (request) => {
    const hash = createHash("sha256");
    let bytes = 0;
    for await (const chunk of request.body as unknown as AsyncIterable<Uint8Array>) {
      bytes += chunk.length;
      hash.update(chunk);
    }
    return { bytes, sha256: hash.digest("hex") };
  });

export default fromFetch(router.fetch);
