// itty-app.ts on Bun.serve or Deno.serve, for comparison with the same router through tsgi.
// It must never be run on Node.
import { router } from "./itty-app.ts";
import { serveNatively } from "./serve-natively.ts";

serveNatively(router.fetch);
