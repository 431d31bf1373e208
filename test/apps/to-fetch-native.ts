// fetch-target.ts, a tsgi app, served by the runtime's own server (Bun.serve or Deno.serve) through
// toFetch on 127.0.0.1 and a free port. Prints `native: listening on http://HOST:PORT`.
// It must never be run on Node (Node has no fetch server of its own).
import { toFetch } from "../../adapters/fetch.ts";
import app from "./fetch-target.ts";

const handler = toFetch(app);
const g = globalThis as unknown as {
  Bun?: { serve(o: { hostname: string; port: number; fetch: (r: Request, server: unknown) => Promise<Response> }): { port: number } };
  Deno?: { serve(o: { hostname: string; port: number; onListen(a: { port: number }): void }, h: (r: Request, info: unknown) => Promise<Response>): unknown };
};

if (g.Bun !== undefined) {
  const server = g.Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: handler });
  console.log(`native: listening on http://127.0.0.1:${server.port}`);
} else {
  g.Deno!.serve({ hostname: "127.0.0.1", port: 0, onListen: ({ port }) => console.log(`native: listening on http://127.0.0.1:${port}`) }, handler);
}
