// Express's "hello" on node:http, on whichever runtime runs this file (Node, Bun or Deno through their
// node:http): the baseline of the `express` scenario. Usage: RUNTIME bench/native/express.mjs [IDLE_SECONDS]
// Listens on 127.0.0.1 with an ephemeral port and prints "listening on http://127.0.0.1:PORT".
// It must do exactly what bench/apps/express.ts does, nothing more.
import http from "node:http";
import express from "express";

const [idle = "120"] = process.argv.slice(2);

const app = express();
app.get("/", (_req, res) => {
  res.type("text/plain").send("Hello, World!");
});

const server = http.createServer(app);
server.keepAliveTimeout = Number(idle) * 1000;
server.listen(0, "127.0.0.1", () => {
  console.log(`listening on http://127.0.0.1:${server.address().port} (native express)`);
});
for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => process.exit(0));
