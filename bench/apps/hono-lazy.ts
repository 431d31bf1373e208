// Bench app: Hono's "hello" through fromFetch with the lazy Request ({ lazyRequest: true }; the
// default on Node and Deno), which builds no Request for a handler that only routes on the URL. Same answer as bench/apps/hono.ts.
// It must do exactly what the "hono" handlers of bench/native/{bun,deno}.mjs do, nothing more.
import { Hono } from "hono";
import { fromFetch } from "../../adapters/fetch.ts";

const hono = new Hono();
hono.get("/", (c) => c.text("Hello, World!"));

export default fromFetch(hono.fetch, { lazyRequest: true });
