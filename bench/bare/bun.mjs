// Bare-socket ceiling on Bun: Bun.listen, counts "\r\n\r\n" in the input and writes one canned
// response per request (pipelining-aware), queueing what the socket did not take until drain.
// Usage: bun bench/bare/bun.mjs VARIANT. Prints "listening on http://127.0.0.1:PORT".
// It must never parse HTTP or listen beyond 127.0.0.1: it is a ceiling, not a server.
import { VARIANTS, headCounter, responsesFor } from "./canned.mjs";

const variant = VARIANTS[process.argv[2] ?? "hello"];
if (!variant) {
  console.error(`unknown variant ${process.argv[2]}`);
  process.exit(2);
}
const responses = responsesFor(variant);

function flush(socket) {
  const state = socket.data;
  while (state.pending.length > 0) {
    const head = state.pending[0];
    const written = socket.write(head);
    if (written < head.byteLength) {
      state.pending[0] = head.subarray(Math.max(written, 0));
      return;
    }
    state.pending.shift();
  }
  if (state.closing) socket.end();
}

const listener = Bun.listen({
  hostname: "127.0.0.1",
  port: 0,
  socket: {
    open(socket) {
      socket.data = { count: headCounter(), pending: [], closing: false };
    },
    data(socket, data) {
      const state = socket.data;
      const n = state.count(data);
      if (n === 0 || state.closing) return;
      state.pending.push(responses(variant.close ? 1 : n));
      if (variant.close) state.closing = true;
      if (state.pending.length === 1) flush(socket);
    },
    drain(socket) {
      flush(socket);
    },
    error() {},
  },
});
console.log(`listening on http://127.0.0.1:${listener.port} (bare bun)`);
for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => process.exit(0));
