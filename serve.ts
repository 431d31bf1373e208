// The command-line entry: `bun run serve`, `deno run --allow-net --allow-read serve.ts` and
// `node dist/serve.js` run this file; everything it does is in cli/main.ts.
// Must never hold logic of its own.

import { main } from "./cli/main.ts";

await main();
