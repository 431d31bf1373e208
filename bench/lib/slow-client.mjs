// Client process for the slow-clients scenario: opens COUNT connections to 127.0.0.1:PORT, sends
// "GET / HTTP/1.1" on each, then trickles one header line per connection every INTERVAL_MS and
// never ends the head (a slow-loris client), until the server answers or closes; it keeps
// trickling after an answer, as such a client does, until the socket is closed.
// Usage: node bench/lib/slow-client.mjs PORT COUNT [INTERVAL_MS]
// Protocol on stdout (one JSON line each): {"ready":N,"failed":F,"firstError":...,"ended":E} once
// every connection is open (E of the N connected were already answered or closed by then); then for each "report" line on stdin: {"open":N,"answered":{STATUS:N},
// "closedSilently":N,"reset":N}. Closing stdin (or a "close" line) closes all and exits.
// It must never finish a request head, and never spend CPU on more than one small write per
// connection per interval (it shares the load CPU with wrk): the trickle is spread over the
// interval in slices, from one timer.
import net from "node:net";
import readline from "node:readline";

const port = Number(process.argv[2]);
const count = Number(process.argv[3] ?? 2000);
const interval = Number(process.argv[4] ?? 1000);
const concurrency = 500; // connects in flight at once, under the listen backlog (511): all open quickly, so their timeouts expire together
const SLICES = 20; // the trickle of one interval is spread over this many timer ticks

const sockets = [];
let open = 0;
let connected = 0;
let failed = 0;
let firstError;
const answered = {}; // status -> connections that got that response
let closedSilently = 0; // closed by the server (FIN) without any response
let reset = 0; // closed by an error (ECONNRESET, EPIPE) without any response

function connectOne() {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    const state = { socket, lines: 0, status: 0, alive: false };
    let settled = false;
    const settle = (error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) {
        failed++;
        firstError ??= error;
        socket.destroy();
      } else {
        open++;
        connected++;
        state.alive = true;
        sockets.push(state);
      }
      resolve();
    };
    const timer = setTimeout(() => settle("not connected within 10 s"), 10000);
    socket.setNoDelay(true);
    socket.on("connect", () => {
      socket.write("GET / HTTP/1.1\r\n");
      settle();
    });
    let head = "";
    socket.on("data", (data) => {
      if (state.status !== 0) return;
      head += data.toString("latin1");
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
      if (m) state.status = Number(m[1]);
    });
    let errored = false;
    socket.on("error", (error) => {
      errored = true;
      settle(error.message);
    });
    socket.on("close", () => {
      if (!state.alive) return;
      state.alive = false;
      open--;
      if (state.status !== 0) answered[state.status] = (answered[state.status] ?? 0) + 1;
      else if (errored) reset++;
      else closedSilently++;
    });
  });
}

let next = 0;
async function worker() {
  while (next < count) {
    next++;
    await connectOne();
  }
}

await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
console.log(JSON.stringify({ ready: connected, failed, firstError, ended: connected - open }));

// Slice k of each interval writes one line to every connection i with i % SLICES === k.
let slice = 0;
const trickle = setInterval(() => {
  for (let i = slice; i < sockets.length; i += SLICES) {
    const s = sockets[i];
    if (!s.alive || s.socket.destroyed || s.socket.writableEnded) continue;
    s.lines++;
    s.socket.write(`X-Slow-${s.lines}: ${"x".repeat(16)}\r\n`);
  }
  slice = (slice + 1) % SLICES;
}, interval / SLICES);

const closeAll = () => {
  clearInterval(trickle);
  for (const s of sockets) s.socket.destroy();
  process.exit(0);
};
const lines = readline.createInterface({ input: process.stdin });
lines.on("line", (line) => {
  if (line.trim() === "report") console.log(JSON.stringify({ open, answered, closedSilently, reset }));
  else if (line.trim() === "close") closeAll();
});
lines.on("close", closeAll);
