// The classic first application: answers every request with "Hello, World!" as plain text.
// It must stay the smallest complete app: no imports at run time (only types), no state.
//
//   bun run serve examples/hello.ts
//   deno run --allow-net --allow-read serve.ts examples/hello.ts
//   node dist/serve.js examples/hello.ts
import type { Application } from "../src/wsgi/types.ts";

const app: Application = (_environ, startResponse) => {
  // Status and headers first; nothing is sent until the body produces its first chunk.
  startResponse("200 OK", [["Content-Type", "text/plain"]]);
  // The body is an iterable of chunks. An Array is known in full, so the server adds Content-Length.
  return ["Hello, World!"];
};

export default app;
