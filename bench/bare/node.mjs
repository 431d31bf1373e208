// Bare-socket ceiling on Node: node:net, counts "\r\n\r\n" in the input and writes one canned
// response per request (pipelining-aware). Usage: node bench/bare/node.mjs VARIANT
// Listens on 127.0.0.1 with an ephemeral port and prints "listening on http://127.0.0.1:PORT".
// It must never parse HTTP or listen beyond 127.0.0.1: it is a ceiling, not a server.
import net from "node:net";
import { VARIANTS, headCounter, responsesFor } from "./canned.mjs";

const variant = VARIANTS[process.argv[2] ?? "hello"];
if (!variant) {
  console.error(`unknown variant ${process.argv[2]}`);
  process.exit(2);
}
const responses = responsesFor(variant);

const server = net.createServer({ noDelay: true }, (socket) => {
  const count = headCounter();
  socket.on("error", () => socket.destroy());
  socket.on("data", (data) => {
    const n = count(data);
    if (n === 0) return;
    if (variant.close) socket.end(responses(1));
    else socket.write(responses(n));
  });
});
server.listen(0, "127.0.0.1", () => {
  console.log(`listening on http://127.0.0.1:${server.address().port} (bare node)`);
});
for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => process.exit(0));
