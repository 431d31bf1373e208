// A tsgi application on Deno's own server: `toFetch` turns it into a fetch handler for Deno.serve.
// The application is the plain hello.ts; nothing of tsgi's server runs here. It must stay a script
// for Deno only (Deno.serve), as on-bun-serve.ts is for Bun.
//
//   deno run --allow-net examples/on-deno-serve.ts   (or npx deno run --allow-net ...)
//   curl http://127.0.0.1:8000/
import { toFetch } from "../adapters/fetch.ts";
import app from "./hello.ts";

declare const Deno: {
  serve(options: { hostname: string; port: number; onListen?: (addr: { port: number }) => void }, handler: (request: Request, info: unknown) => Promise<Response>): unknown;
};

// Deno.serve gives { remoteAddr } as the second argument: toFetch takes REMOTE_ADDR from it.
Deno.serve(
  { hostname: "127.0.0.1", port: 8000, onListen: ({ port }) => console.log(`serving examples/hello.ts with Deno.serve on http://127.0.0.1:${port}/`) },
  toFetch(app),
);
