// A serve script of your own: imports the app statically and starts the server with the
// programmatic API, instead of naming the app on the command line. Must stay runtime-neutral.
//
//   deno run --allow-net examples/own-serve.ts     (no --allow-read: the app is a static import)
//   bun examples/own-serve.ts
//   Node 20 cannot run .ts files: bundle it first, then run the bundle:
//   npx esbuild examples/own-serve.ts --bundle --platform=node --format=esm --outfile=own-serve.mjs
//   node own-serve.mjs
import { serve } from "../runtimes/index.ts";
import app from "./hello.ts";

// Options are the command line's, in milliseconds for times: e.g. { keepAliveTimeout: 5_000 }.
const server = await serve(app, { bind: "127.0.0.1:8000" });
console.log(`serving examples/hello.ts on ${server.url}`);

// `await server.close()` stops accepting and lets in-flight requests finish. Ctrl-C simply ends
// the process here; the tsgi command line does a graceful shutdown on SIGINT/SIGTERM instead.
