// Bare-socket ceiling on Deno: Deno.listen, counts "\r\n\r\n" in the input and writes one canned
// response per request (pipelining-aware). Usage: deno run --allow-net bench/bare/deno.mjs VARIANT
// Listens on 127.0.0.1 with an ephemeral port and prints "listening on http://127.0.0.1:PORT".
// It must never parse HTTP or listen beyond 127.0.0.1: it is a ceiling, not a server.
import { VARIANTS, headCounter, responsesFor } from "./canned.mjs";

const variant = VARIANTS[Deno.args[0] ?? "hello"];
if (!variant) {
  console.error(`unknown variant ${Deno.args[0]}`);
  Deno.exit(2);
}
const responses = responsesFor(variant);

async function writeAll(conn, bytes) {
  let at = 0;
  while (at < bytes.byteLength) at += await conn.write(bytes.subarray(at));
}

// Large read buffers are lent to connections while data streams in and returned after a short read,
// so an idle connection only holds its small buffer and busy ones do not allocate per request.
const pool = [];
const BIG_READ = 64 * 1024;

async function handle(conn) {
  conn.setNoDelay(true);
  const count = headCounter();
  // A small buffer while idle (a pending read holds its buffer), a large one while data streams in.
  const small = new Uint8Array(4 * 1024);
  let buf = small;
  try {
    for (;;) {
      const read = await conn.read(buf);
      if (read === null) break;
      const full = read === buf.byteLength;
      const n = count(buf.subarray(0, read));
      if (full && buf === small) buf = pool.pop() ?? new Uint8Array(BIG_READ);
      else if (!full && buf !== small) {
        pool.push(buf);
        buf = small;
      }
      if (n === 0) continue;
      await writeAll(conn, responses(variant.close ? 1 : n));
      if (variant.close) break;
    }
  } catch {
    // the client went away; nothing to report for a ceiling server
  } finally {
    if (buf !== small) pool.push(buf);
    try {
      conn.close();
    } catch {
      // already closed
    }
  }
}

const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
console.log(`listening on http://127.0.0.1:${listener.addr.port} (bare deno)`);
for (const signal of ["SIGTERM", "SIGINT"]) Deno.addSignalListener(signal, () => Deno.exit(0));
for await (const conn of listener) handle(conn);
