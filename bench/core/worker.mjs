// One in-core measurement: loads one or two bundled ServerCores (argv[2], argv[3] or "-"), runs one
// scenario (argv[4]) for argv[5] requests in argv[6] rounds on a fake transport in this process,
// the two sides taking turns, and prints {a, b}: ns per request of each round, as JSON.
// Plain JavaScript so it runs as is on Node, Bun and Deno. It must never touch a socket: the
// fake transport only counts bytes, so what is measured is the core's own work per request.

const { nextTick } = await import("node:process");
const [bundleA, bundleB, scenario, countText, roundsText] = (globalThis.Deno ? Deno.args : process.argv.slice(2));
const count = Number(countText);
const rounds = Number(roundsText);
const enc = new TextEncoder();

const HELLO = enc.encode("Hello, World!");
const HELLO_HEADERS = [["Content-Type", "text/plain"], ["Content-Length", String(HELLO.length)]];
const CHUNK = new Uint8Array(1024).fill(0x79);

const APPS = {
  // The bench apps, as bench/apps/*.ts write them.
  hello: (_env, sr) => {
    sr("200 OK", HELLO_HEADERS);
    return [HELLO];
  },
  // An app as users write them: async, headers built per response.
  "hello-async": async (_env, sr) => {
    sr("200 OK", [["Content-Type", "text/plain"], ["Content-Length", String(HELLO.length)]]);
    return [HELLO];
  },
  stream: (_env, sr) => {
    sr("200 OK", [["Content-Type", "text/plain"]]);
    return (async function* () {
      for (let i = 0; i < 64; i++) yield CHUNK;
    })();
  },
  "stream-sync": (_env, sr) => {
    sr("200 OK", [["Content-Type", "text/plain"]]);
    return (function* () {
      for (let i = 0; i < 64; i++) yield CHUNK;
    })();
  },
};
// The async variants (bench/apps/async/*.ts): async functions, header lists built per response.
APPS["stream-async"] = async (_env, sr) => {
  sr("200 OK", [["Content-Type", "text/plain"]]);
  return (async function* () {
    for (let i = 0; i < 64; i++) yield CHUNK;
  })();
};
APPS.pipeline = APPS.hello;
APPS.close = APPS.hello;
APPS["close-async"] = APPS["hello-async"];
APPS["pipeline-async"] = APPS["hello-async"];
// bench/apps/upload.ts: reads the whole body, answers its length.
APPS.upload = async (env, sr) => {
  const body = await env["wsgi.input"].read();
  const text = String(body.length);
  sr("200 OK", [["Content-Type", "text/plain"], ["Content-Length", String(text.length)]]);
  return [text];
};
const UPLOAD = new Uint8Array(64 * 1024).fill(0x78);
/** How a 64 KiB upload arrives: the head, then the body in reads of at most this size. */
const READ_SIZE = 16 * 1024;

const REQUEST = "GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: wrk\r\nAccept: */*\r\n\r\n";
const PIPELINE = 16;

/** One side of the comparison: a ServerCore from one bundle, its fake transport and its counters. */
async function side(bundle) {
  const { ServerCore } = await import(bundle);
  let responses = 0;
  let wake = null;
  // A response ends with its body: count the ends we can see cheaply (known bodies end with
  // "Hello, World!", chunked ones with the last chunk).
  const seen = (d) => {
    const n = d.length;
    if (n >= 5 && d[n - 1] === 10 && d[n - 2] === 13 && d[n - 3] === 10 && d[n - 4] === 13 && d[n - 5] === 48) responses++;
    else if (n >= 1 && d[n - 1] === 33) {
      for (let i = 5; i < n; i++) if (d[i] === 33 && d[i - 1] === 100 && d[i - 2] === 108) responses++;
    } else if (n >= 9 && d[n - 1] === 54 && d[n - 2] === 51 && d[n - 5] === 54 && d[n - 6] === 10) responses++; // "...\r\n65536"
    if (wake !== null && responses >= wake.n) {
      const w = wake;
      wake = null;
      w.resolve();
    }
  };
  const transport = {
    write(d) {
      seen(d);
      return true;
    },
    writev(parts) {
      for (const p of parts) seen(p);
      return true;
    },
    end() {}, close() {}, destroy() {}, abort() {}, pauseReading() {}, resumeReading() {},
  };
  // The drivers' scheduler (Platform.afterMicrotasks): nextTick, after the microtask queue drains.
  const core = new ServerCore(APPS[scenario], { log: () => {}, schedule: (t) => nextTick(t) });
  const handle = core.open(transport, { remoteAddress: "127.0.0.1", remotePort: 50000 });
  const feed = handle.received ? (b) => handle.received(b) : (b) => handle.data(b);
  const until = (n) => (responses >= n ? Promise.resolve() : new Promise((resolve) => (wake = { n, resolve })));
  const one = enc.encode(REQUEST);
  const many = enc.encode(REQUEST.repeat(PIPELINE));
  const closing = enc.encode(REQUEST.replace("\r\n\r\n", "\r\nConnection: close\r\n\r\n"));
  const post = enc.encode(`POST /upload HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nContent-Length: ${UPLOAD.length}\r\n\r\n`);
  /** Serves n requests; returns ns per request. */
  return async function run(n) {
    const start = performance.now();
    if (scenario.startsWith("pipeline")) {
      for (let i = 0; i < n; i += PIPELINE) {
        const target = responses + PIPELINE;
        feed(many.slice());
        if (responses < target) await until(target);
      }
    } else if (scenario.startsWith("close")) {
      // A connection per request, as a driver runs it: opened, fed, answered, then closed.
      for (let i = 0; i < n; i++) {
        const target = responses + 1;
        const h = core.open(transport, { remoteAddress: "127.0.0.1", remotePort: 50000 + (i % 10000) });
        if (h.received) h.received(closing.slice());
        else h.data(closing.slice());
        if (responses < target) await until(target);
        h.closed();
      }
    } else if (scenario === "upload") {
      for (let i = 0; i < n; i++) {
        const target = responses + 1;
        feed(post.slice());
        for (let o = 0; o < UPLOAD.length; o += READ_SIZE) feed(UPLOAD.slice(o, o + READ_SIZE));
        if (responses < target) await until(target);
      }
    } else {
      for (let i = 0; i < n; i++) {
        const target = responses + 1;
        feed(one.slice());
        if (responses < target) await until(target);
      }
    }
    return ((performance.now() - start) * 1e6) / n;
  };
}

// Both sides live in this process and take turns, batch by batch, so each ratio compares work done
// under the same conditions (a shared machine's noise moves both together).
const runA = await side(bundleA);
const runB = bundleB === "-" ? null : await side(bundleB);
const batch = Math.max(PIPELINE, Math.floor(count / rounds));
await runA(Math.min(batch, 20000));
if (runB !== null) await runB(Math.min(batch, 20000));
const a = [];
const b = [];
for (let r = 0; r < rounds; r++) {
  if (runB !== null && r % 2 === 1) {
    b.push(await runB(batch));
    a.push(await runA(batch));
  } else {
    a.push(await runA(batch));
    if (runB !== null) b.push(await runB(batch));
  }
}
console.log(JSON.stringify({ a, b }));
(globalThis.Deno ? Deno.exit(0) : process.exit(0));
