// The benchmark scenarios: for each, which app the servers run, how wrk drives it, and how one
// exchange is validated before measuring (status and exact body), so a broken server cannot
// produce a figure. The idle-memory scenario is measured by bench/lib/memory.mjs instead of wrk.
// It must never start processes itself; bench/run.mjs does that.
import { BIG, HELLO, PIPELINE_DEPTH, UPLOAD_ANSWER, UPLOAD_SIZE, streamedBody } from "./payloads.mjs";
import { SLOW_HEAD_TIMEOUT } from "./slow-clients.mjs";

const GET = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
const STREAMED = Buffer.from(streamedBody());

function expectBody(expected, { chunked = false } = {}) {
  return (response) => {
    if (response.status !== 200) return `status ${response.status}, expected 200`;
    if (chunked && !response.chunked) return "response is not chunked (not streamed)";
    if (!response.body.equals(Buffer.from(expected))) {
      const got = response.body.subarray(0, 40).toString("latin1");
      return `body of ${response.body.length} bytes (${JSON.stringify(got)}...), expected ${expected.byteLength} bytes`;
    }
    return undefined;
  };
}

/**
 * name: key used on the command line (--scenarios); label: table row; app: bench/apps/APP.ts and the
 * native server's app; bare: canned variant of the bare server; validate: the raw request, how many
 * responses it must yield, a check per response and an optional note explaining wrk errors to come;
 * wrk: lua script in bench/wrk, extra wrk args and script args. A slow-clients scenario (slowClients:
 * how many) is measured by bench/lib/slow-clients.mjs with its own wrk connection count, has no bare
 * server, gives tsgi (and node:http) a short head timeout, and makes two rows (alone, and with them).
 * runtimes: only these (default all); native: the native server's app when it is not `app`;
 * nativeScript: a script that is the native server on every runtime (Express on node:http), given
 * IDLE_SECONDS only; denoEnv: Deno runs tsgi with --allow-env (Express reads NODE_ENV).
 * workers: how many server processes (tsgi -w N, the native server's --workers=N); unpinned: the
 * server and wrk run on any CPU (a multi-process server needs more than one).
 */
export const SCENARIOS = [
  {
    name: "hello",
    label: "hello, keep-alive",
    app: "hello",
    bare: "hello",
    validate: { request: GET, expected: 1, check: expectBody(HELLO) },
    wrk: { script: null, args: [] },
  },
  {
    name: "close",
    label: "hello, new connection per request",
    app: "hello",
    bare: "close",
    validate: {
      request: "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
      expected: 1,
      waitClose: true,
      check: expectBody(HELLO),
      // Closing without announcing it is legal, but wrk then counts each close as a read error.
      note: (response) =>
        /close/i.test(response.headers.connection ?? "")
          ? undefined
          : "the server closes without a Connection: close header, which wrk counts as a read error per request",
    },
    wrk: { script: null, args: ["-H", "Connection: close"] },
  },
  {
    name: "pipeline",
    label: `hello, ${PIPELINE_DEPTH} pipelined per write`,
    app: "hello",
    bare: "hello",
    validate: { request: GET.repeat(PIPELINE_DEPTH), expected: PIPELINE_DEPTH, check: expectBody(HELLO) },
    wrk: { script: "pipeline.lua", args: [], scriptArgs: [String(PIPELINE_DEPTH)] },
  },
  {
    name: "big",
    label: "64 KiB response",
    app: "big",
    bare: "big",
    validate: { request: GET, expected: 1, check: expectBody(BIG) },
    wrk: { script: null, args: [] },
  },
  {
    name: "upload",
    label: "64 KiB upload, read whole",
    app: "upload",
    bare: "upload",
    validate: {
      request: Buffer.concat([
        Buffer.from(
          `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\nContent-Length: ${UPLOAD_SIZE}\r\n\r\n`,
        ),
        Buffer.alloc(UPLOAD_SIZE, "x"),
      ]),
      expected: 1,
      check: expectBody(UPLOAD_ANSWER),
    },
    wrk: { script: "upload.lua", args: [], scriptArgs: [String(UPLOAD_SIZE)] },
  },
  {
    name: "stream",
    label: "streamed 64 x 1 KiB chunks",
    app: "stream",
    bare: "stream",
    validate: { request: GET, expected: 1, check: expectBody(STREAMED, { chunked: true }) },
    wrk: { script: null, args: [] },
  },
  {
    // tsgi -w 2 against the runtime's own multi-core mode (node:cluster, Bun.serve and Deno.serve
    // with reusePort in 2 processes): the server processes and wrk share the 2 CPUs, unpinned.
    name: "workers",
    label: "hello, keep-alive, 2 processes (unpinned)",
    app: "hello",
    bare: null,
    workers: 2,
    unpinned: true,
    validate: { request: GET, expected: 1, check: expectBody(HELLO) },
    wrk: { script: null, args: [] },
  },
  {
    name: "hono",
    label: "Hono hello (fromFetch, real Request; native: Hono on the runtime's server)",
    app: "hono",
    bare: "hello",
    // No Hono-on-node:http server here (that needs @hono/node-server): Bun and Deno only.
    runtimes: ["bun", "deno"],
    validate: { request: GET, expected: 1, check: expectBody(HELLO) },
    wrk: { script: null, args: [] },
  },
  {
    name: "hono-lazy",
    label: "Hono hello (fromFetch, lazy Request)",
    app: "hono-lazy",
    native: "hono",
    bare: "hello",
    runtimes: ["bun", "deno"],
    validate: { request: GET, expected: 1, check: expectBody(HELLO) },
    wrk: { script: null, args: [] },
  },
  {
    name: "express",
    label: "Express hello (fromNodeHandler; native: Express on the runtime's node:http)",
    app: "express",
    nativeScript: "bench/native/express.mjs",
    denoEnv: true,
    bare: "hello",
    validate: { request: GET, expected: 1, check: expectBody(HELLO) },
    wrk: { script: null, args: [] },
  },
  {
    name: "hono-node",
    label: "Hono hello (fromFetch, real Request; native: Hono on @hono/node-server)",
    app: "hono",
    native: "hono-node",
    bare: "hello",
    runtimes: ["node"],
    validate: { request: GET, expected: 1, check: expectBody(HELLO) },
    wrk: { script: null, args: [] },
  },
  {
    name: "hono-node-lazy",
    label: "Hono hello (fromFetch, lazy Request; native: Hono on @hono/node-server)",
    app: "hono-lazy",
    native: "hono-node",
    bare: "hello",
    runtimes: ["node"],
    validate: { request: GET, expected: 1, check: expectBody(HELLO) },
    wrk: { script: null, args: [] },
  },
  {
    name: "static",
    label: "64 KiB file (tsgi/static; native: the runtime's own file serving)",
    app: "static",
    bare: "big",
    // The native Deno server opens the file: it needs --allow-read.
    reads: true,
    validate: { request: GET, expected: 1, check: expectBody(BIG) },
    wrk: { script: null, args: [] },
  },
  {
    name: "slow-clients",
    label: "p99 of 8 connections, 2000 slow clients timing out",
    aloneLabel: "p99 of 8 connections, alone",
    unit: "ms",
    app: "hello",
    bare: null,
    slowClients: 2000,
    connections: 8,
    headTimeout: SLOW_HEAD_TIMEOUT,
    validate: { request: GET, expected: 1, check: expectBody(HELLO) },
    wrk: { script: null, args: [] },
  },
  {
    name: "idle",
    label: "memory per idle keep-alive connection",
    app: "hello",
    bare: "hello",
    memory: true,
    validate: { request: GET, expected: 1, check: expectBody(HELLO) },
  },
];

/** The rows a list of scenarios makes in the tables: a slow-clients scenario makes two (its "alone" row first). */
export function displayRows(scenarios) {
  return scenarios.flatMap((s) => (s.slowClients ? [{ ...s, name: `${s.name}:alone`, label: s.aloneLabel }, s] : [s]));
}
