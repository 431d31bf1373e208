// Serves a fetch handler of test/apps on the runtime's own server (Bun.serve or Deno.serve) on
// 127.0.0.1 and a free port, for comparison with the same handler through tsgi, and prints
// `native: listening on http://127.0.0.1:PORT` (test/helpers/native.ts waits for that line).
// It must never be run on Node (Node has no fetch server of its own).

/** A fetch handler; the host's second argument (Bun's server, Deno's info) is passed on as the host gives it. */
type FetchHandler = (request: Request, context: never) => Response | Promise<Response>;

const g = globalThis as unknown as {
  Bun?: { serve(o: { hostname: string; port: number; fetch: FetchHandler }): { port: number } };
  Deno?: { serve(o: { hostname: string; port: number; onListen(a: { port: number }): void }, h: FetchHandler): unknown };
};

export function serveNatively(handler: FetchHandler): void {
  if (g.Bun !== undefined) {
    const server = g.Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: handler });
    console.log(`native: listening on http://127.0.0.1:${server.port}`);
  } else {
    g.Deno!.serve({ hostname: "127.0.0.1", port: 0, onListen: ({ port }) => console.log(`native: listening on http://127.0.0.1:${port}`) }, handler);
  }
}
