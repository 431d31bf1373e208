// hono-app.ts served by the runtime's own server (Bun.serve or Deno.serve) on 127.0.0.1 and a free
// port, for comparison with the same app through tsgi. Prints `native: listening on http://HOST:PORT`.
// It must never be run on Node (Node has no fetch server of its own).
import { hono } from "./hono-app.ts";

const g = globalThis as unknown as {
  Bun?: { serve(o: { hostname: string; port: number; fetch: (r: Request) => Response | Promise<Response> }): { port: number } };
  Deno?: { serve(o: { hostname: string; port: number; onListen(a: { port: number }): void }, h: (r: Request) => Response | Promise<Response>): unknown };
};

if (g.Bun !== undefined) {
  const server = g.Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: (r) => hono.fetch(r) });
  console.log(`native: listening on http://127.0.0.1:${server.port}`);
} else {
  g.Deno!.serve({ hostname: "127.0.0.1", port: 0, onListen: ({ port }) => console.log(`native: listening on http://127.0.0.1:${port}`) }, (r) => hono.fetch(r));
}
