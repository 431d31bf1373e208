// Client process for the idle-memory scenario: opens COUNT keep-alive connections to
// 127.0.0.1:PORT, makes one GET / on each and waits for its complete 200 response, then keeps them
// all open and idle. Usage: node bench/lib/idle-client.mjs PORT COUNT
// Protocol on stdout (one JSON line each): {"ready":N,"failed":F,"firstError":...} once all settled;
// then for each "check" line on stdin: {"open":N}. Closing stdin (or a "close" line) closes all.
// It must never send anything after the first request: the connections have to stay idle.
import net from "node:net";
import readline from "node:readline";
import { parseResponses } from "./http-wire.mjs";

const port = Number(process.argv[2]);
const count = Number(process.argv[3] ?? 5000);
const concurrency = 100; // connects in flight at once, well under the listen backlog
const REQUEST = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

const sockets = [];
let open = 0;
let failed = 0;
let firstError;

function connectOne() {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    let buf = Buffer.alloc(0);
    let done = false;
    const settle = (error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (error) {
        failed++;
        firstError ??= error;
        socket.destroy();
      } else {
        open++;
        sockets.push(socket);
        socket.once("close", () => open--);
      }
      resolve();
    };
    const timer = setTimeout(() => settle("no response within 10 s"), 10000);
    socket.on("connect", () => socket.write(REQUEST));
    socket.on("data", (data) => {
      if (done) return; // the server must not send more; if it does, we ignore it
      buf = Buffer.concat([buf, data]);
      try {
        const { responses } = parseResponses(buf);
        if (responses.length === 0) return;
        settle(responses[0].status === 200 ? undefined : `status ${responses[0].status}`);
      } catch (error) {
        settle(error.message);
      }
    });
    socket.on("error", (error) => settle(error.message));
    socket.on("end", () => settle("closed before responding"));
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
console.log(JSON.stringify({ ready: open, failed, firstError }));

const closeAll = () => {
  for (const socket of sockets) socket.destroy();
  process.exit(0);
};
const lines = readline.createInterface({ input: process.stdin });
lines.on("line", (line) => {
  if (line.trim() === "check") console.log(JSON.stringify({ open }));
  else if (line.trim() === "close") closeAll();
});
lines.on("close", closeAll);
