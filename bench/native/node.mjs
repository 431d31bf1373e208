// Native Node baseline: node:http serving one bench app's behaviour (hello | big | upload | stream | hono-node),
// the same bytes as bench/apps/*.ts. Usage: node bench/native/node.mjs APP [IDLE_SECONDS [sync|async [HEAD_TIMEOUT_SECONDS]]]
// The async variant (bench/apps/async/*.ts) uses async handlers, as real apps are written.
// (node:http judges a head timeout every connectionsCheckingInterval: a quarter of it here, up to
// 1 s, the period of tsgi's ticker for that timeout).
// With --workers=N (the bench's workers scenario): N processes through node:cluster, the primary
// holding the socket, as tsgi's Node workers do.
// Listens on 127.0.0.1 with an ephemeral port and prints "listening on http://127.0.0.1:PORT".
// It must never listen beyond 127.0.0.1 nor do more work than the matching tsgi app.
import cluster from "node:cluster";
import http from "node:http";
import { once } from "node:events";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { getRequestListener } from "@hono/node-server";
import { Hono } from "hono";
import { BIG, HELLO, chunks } from "../lib/payloads.mjs";

const workersArg = process.argv.find((a) => a.startsWith("--workers="));
const workers = workersArg === undefined ? 1 : Number(workersArg.slice("--workers=".length));
const [appName = "hello", idle = "120", variant = "sync", headTimeout] = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const STATIC_FILE = new URL("../static/index.html", import.meta.url);

const handlers = {
  hello(_req, res) {
    res.writeHead(200, { "Content-Type": "text/plain", "Content-Length": HELLO.byteLength });
    res.end(HELLO);
  },
  big(_req, res) {
    res.writeHead(200, { "Content-Type": "text/plain", "Content-Length": BIG.byteLength });
    res.end(BIG);
  },
  async upload(req, res) {
    let length = 0;
    for await (const chunk of req) length += chunk.byteLength;
    const answer = String(length);
    res.writeHead(200, { "Content-Type": "text/plain", "Content-Length": answer.length });
    res.end(answer);
  },
  async stream(_req, res) {
    res.writeHead(200, { "Content-Type": "text/plain" });
    for await (const chunk of chunks()) {
      if (!res.write(chunk)) await once(res, "drain");
    }
    res.end();
  },
  // Hono on @hono/node-server: its request listener on node:http, as its serve() sets it up.
  "hono-node": getRequestListener(new Hono().get("/", (c) => c.text("Hello, World!")).fetch),
  // Node's own file serving: stat for the length, then fs.createReadStream piped into the response.
  async static(_req, res) {
    const { size } = await stat(STATIC_FILE);
    res.writeHead(200, { "Content-Type": "text/html", "Content-Length": size });
    createReadStream(STATIC_FILE).pipe(res);
  },
};

// The same work as an async function that builds its header object per response (node:http ignores the Promise).
const asyncHandlers = {
  async hello(_req, res) {
    res.writeHead(200, { "Content-Type": "text/plain", "Content-Length": HELLO.byteLength });
    res.end(HELLO);
  },
  async big(_req, res) {
    res.writeHead(200, { "Content-Type": "text/plain", "Content-Length": BIG.byteLength });
    res.end(BIG);
  },
  upload: handlers.upload,
  stream: handlers.stream,
  "hono-node": handlers["hono-node"],
  static: handlers.static,
};

const handler = (variant === "async" ? asyncHandlers : handlers)[appName];
if (!handler) {
  console.error(`unknown app ${appName}`);
  process.exit(2);
}

if (workers > 1 && cluster.isPrimary) {
  // The workers' listen(0) shares one port through the primary; say it once all of them listen.
  let listening = 0;
  cluster.on("listening", (_worker, address) => {
    if (++listening === workers) console.log(`listening on http://127.0.0.1:${address.port} (native node, ${workers} cluster workers)`);
  });
  for (let i = 0; i < workers; i++) cluster.fork();
  for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => process.exit(0));
} else {
const server = http.createServer(headTimeout === undefined ? {} : { connectionsCheckingInterval: Math.min(1000, Number(headTimeout) * 250) }, handler);
server.keepAliveTimeout = Number(idle) * 1000;
if (headTimeout !== undefined) {
  server.headersTimeout = Number(headTimeout) * 1000;
  server.requestTimeout = Number(headTimeout) * 1000;
}
server.listen(0, "127.0.0.1", () => {
  if (cluster.isPrimary) console.log(`listening on http://127.0.0.1:${server.address().port} (native node)`);
});
for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => process.exit(0));
}
