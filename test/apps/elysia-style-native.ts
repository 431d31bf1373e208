// elysia-style-app.ts on Bun.serve or Deno.serve, for comparison with the same handler through tsgi.
// It must never be run on Node.
import { app } from "./elysia-style-app.ts";
import { serveNatively } from "./serve-natively.ts";

serveNatively(app.handle);
