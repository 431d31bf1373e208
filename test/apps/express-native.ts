// express-app.ts on node:http, on 127.0.0.1 and a free port, for comparison with the same app
// through tsgi. Prints `native: listening on http://127.0.0.1:PORT`. Bundled with esbuild (CommonJS)
// by the test, run by Node.
// It must never be served by tsgi.
import { createServer } from "node:http";
import { app } from "./express-app.ts";

const server = createServer(app);
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  console.log(`native: listening on http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`);
});
