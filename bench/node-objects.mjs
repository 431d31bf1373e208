// `node bench/node-objects.mjs [ROUNDS]` (after `npm run build`; also `bun` / `deno run -A`): the
// in-process cost per request of fromNodeHandler's emulated req/res against the runtime's own
// node:http IncomingMessage/ServerResponse (on a socket stand-in that swallows what is written), each
// running the same handler: a trivial `res.end()` and Express's hello. No sockets, no server core:
// only the objects and the handler, so what the adapter adds can be told from what Express costs.
// Rounds alternate the sides; medians of microseconds per request are printed.
// It must never open a socket, and never compare figures from different runtimes.
import http from "node:http";
import { Duplex } from "node:stream";
import express from "express";
import { fromNodeHandler } from "../dist/adapters/node.js";

const ROUNDS = Number(process.argv[2] ?? 7);
if (!Number.isInteger(ROUNDS) || ROUNDS < 1 || process.argv.length > 3) {
  console.error("usage: node bench/node-objects.mjs [ROUNDS] (a positive integer, default 7)");
  process.exit(2);
}
const PER_ROUND = 20_000;
const input = { read: async () => new Uint8Array(0) };
const environ = () => ({
  REQUEST_METHOD: "GET", SCRIPT_NAME: "", PATH_INFO: "/", QUERY_STRING: "", CONTENT_TYPE: "", CONTENT_LENGTH: "",
  SERVER_NAME: "127.0.0.1", SERVER_PORT: "8888", SERVER_PROTOCOL: "HTTP/1.1", REMOTE_ADDR: "127.0.0.1", REMOTE_PORT: "5555",
  "wsgi.url_scheme": "http", "wsgi.input": input, "tsgi.raw_uri": "/", HTTP_HOST: "127.0.0.1:8888", HTTP_USER_AGENT: "wrk", HTTP_ACCEPT: "*/*",
});
const startResponse = () => () => {};

const app = express();
app.get("/", (_req, res) => {
  res.type("text/plain").send("Hello, World!");
});
const handlers = { trivial: (_req, res) => res.end("Hello, World!"), express: app };

function adapter(handler) {
  const application = fromNodeHandler(handler);
  return () => {
    const body = application(environ(), startResponse);
    if (typeof body.close === "function") body.close();
  };
}

function nodeHttp(handler) {
  return () => {
    const socket = new Duplex({ read() {}, write(_chunk, _encoding, callback) { callback(); } });
    socket.remoteAddress = "127.0.0.1";
    const req = new http.IncomingMessage(socket);
    Object.assign(req, { method: "GET", url: "/", httpVersion: "1.1", httpVersionMajor: 1, httpVersionMinor: 1, complete: true });
    req.headers = { host: "127.0.0.1:8888", "user-agent": "wrk", accept: "*/*" };
    req.push(null);
    const res = new http.ServerResponse(req);
    res.assignSocket(socket);
    handler(req, res);
  };
}

async function measure(run) {
  const t0 = performance.now();
  for (let i = 0; i < PER_ROUND; i++) {
    run();
    if (i % 50 === 49) await new Promise((r) => setImmediate(r)); // let the microtasks and 'finish' run
  }
  await new Promise((r) => setImmediate(r));
  return ((performance.now() - t0) * 1000) / PER_ROUND;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const [name, handler] of Object.entries(handlers)) {
  const sides = { "fromNodeHandler": adapter(handler), "node:http objects": nodeHttp(handler) };
  const times = { "fromNodeHandler": [], "node:http objects": [] };
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? Object.keys(sides) : Object.keys(sides).reverse();
    for (const side of order) times[side].push(await measure(sides[side]));
  }
  const a = median(times["fromNodeHandler"]);
  const b = median(times["node:http objects"]);
  console.log(`${name.padEnd(8)} fromNodeHandler ${a.toFixed(2)} us, node:http objects ${b.toFixed(2)} us per request (median of ${ROUNDS}); ratio ${(a / b).toFixed(2)}`);
}
