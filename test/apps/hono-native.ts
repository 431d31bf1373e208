// hono-app.ts served by the runtime's own server (Bun.serve or Deno.serve), for comparison with the
// same app through tsgi. It must never be run on Node (Node has no fetch server of its own).
import { hono } from "./hono-app.ts";
import { serveNatively } from "./serve-natively.ts";

serveNatively((r) => hono.fetch(r));
