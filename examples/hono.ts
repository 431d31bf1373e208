// A Hono app served by tsgi: `fromFetch` turns any fetch handler (here Hono's `app.fetch`) into a
// tsgi application, so the framework runs unchanged on tsgi on Bun, Deno and Node.
// It must never use anything of tsgi but fromFetch: the Hono part is what you would write for
// Bun.serve or Deno.serve.
//
//   npm run serve -- examples/hono.ts          (Bun; `npm start -- examples/hono.ts` for Node)
//   curl http://127.0.0.1:8888/hello/world
//   curl -d '{"a":1}' -H 'content-type: application/json' http://127.0.0.1:8888/echo
import { Hono } from "hono";
import { stream } from "hono/streaming";
import { fromFetch } from "../adapters/fetch.ts";

const hono = new Hono();

hono.get("/", (c) => c.text("Hello from Hono on tsgi!"));
hono.get("/hello/:name", (c) => c.json({ hello: c.req.param("name") }));
hono.post("/echo", async (c) => c.json({ received: await c.req.json() }));
hono.get("/count", (c) =>
  stream(c, async (s) => {
    for (let n = 1; n <= 5; n++) {
      await s.write(`${n}\n`);
      await s.sleep(10);
    }
  }),
);

export default fromFetch(hono.fetch);
