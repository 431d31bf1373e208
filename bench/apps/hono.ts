// Bench app: Hono's "hello" through fromFetch with a real Request per request ({ lazyRequest: false };
// the default on Bun, while Node and Deno default to the lazy one of hono-lazy.ts): GET / answers "Hello, World!" as text/plain with its
// Content-Length (Hono sets the type with a charset; the validator checks the body only).
// It must do exactly what the "hono" handlers of bench/native/{bun,deno}.mjs do, nothing more.
import { Hono } from "hono";
import { fromFetch } from "../../adapters/fetch.ts";

const hono = new Hono();
hono.get("/", (c) => c.text("Hello, World!"));

export default fromFetch(hono.fetch, { lazyRequest: false });
