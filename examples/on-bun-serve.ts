// A tsgi application on Bun's own server: `toFetch` turns it into a fetch handler for Bun.serve.
// The application is the plain hello.ts; nothing of tsgi's server runs here. It must stay a script
// for Bun only (Bun.serve), as on-deno-serve.ts is for Deno.
//
//   bun examples/on-bun-serve.ts        (or npx bun examples/on-bun-serve.ts)
//   curl http://127.0.0.1:8000/
import { toFetch } from "../adapters/fetch.ts";
import app from "./hello.ts";

const handler = toFetch(app);
// Bun.serve gives the server as the second argument: toFetch takes REMOTE_ADDR from server.requestIP().
const server = Bun.serve({ hostname: "127.0.0.1", port: 8000, fetch: handler });
console.log(`serving examples/hello.ts with Bun.serve on http://127.0.0.1:${server.port}/`);
