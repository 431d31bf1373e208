// Native Node baseline: node:http serving one bench app's behaviour (hello | big | upload | stream),
// the same bytes as bench/apps/*.ts. Usage: node bench/native/node.mjs APP [IDLE_SECONDS [sync|async [HEAD_TIMEOUT_SECONDS]]]
// The async variant (bench/apps/async/*.ts) uses async handlers, as real apps are written.
// (node:http judges a head timeout every connectionsCheckingInterval: a quarter of it here, up to
// 1 s, the period of tsgi's ticker for that timeout).
// Listens on 127.0.0.1 with an ephemeral port and prints "listening on http://127.0.0.1:PORT".
// It must never listen beyond 127.0.0.1 nor do more work than the matching tsgi app.
import http from "node:http";
import { once } from "node:events";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { BIG, HELLO, chunks } from "../lib/payloads.mjs";

const [appName = "hello", idle = "120", variant = "sync", headTimeout] = process.argv.slice(2);
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
  static: handlers.static,
};

const handler = (variant === "async" ? asyncHandlers : handlers)[appName];
if (!handler) {
  console.error(`unknown app ${appName}`);
  process.exit(2);
}

const server = http.createServer(headTimeout === undefined ? {} : { connectionsCheckingInterval: Math.min(1000, Number(headTimeout) * 250) }, handler);
server.keepAliveTimeout = Number(idle) * 1000;
if (headTimeout !== undefined) {
  server.headersTimeout = Number(headTimeout) * 1000;
  server.requestTimeout = Number(headTimeout) * 1000;
}
server.listen(0, "127.0.0.1", () => {
  console.log(`listening on http://127.0.0.1:${server.address().port} (native node)`);
});
for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => process.exit(0));
