// A test app for worker processes: who answered (worker, generation, pid), a slow route, and a
// route that blocks its event loop for good (the watchdog's case). Used by test/integration/workers.test.ts.
import type { Environ, StartResponse } from "../../runtimes/index.ts";

/** Never later than now: the loop of /block cannot end. */
const started = Date.now();

export default function app(environ: Environ, startResponse: StartResponse): Uint8Array[] | AsyncGenerator<Uint8Array> {
  const path = environ.PATH_INFO;
  if (path === "/block") {
    // Blocks its event loop for good, after `after` ms of waiting (a heartbeat reports the request meanwhile).
    const after = Number(new URLSearchParams(environ.QUERY_STRING).get("after") ?? "0");
    startResponse("200 OK", [["Content-Type", "text/plain"]]);
    return (async function* () {
      yield new TextEncoder().encode(" ");
      await new Promise((r) => setTimeout(r, after));
      for (;;) if (Date.now() < started) break;
    })();
  }
  const who = JSON.stringify({ worker: environ["tsgi.worker"], generation: environ["tsgi.generation"], multiprocess: environ["wsgi.multiprocess"], pid: process.pid });
  if (path === "/slow") {
    const ms = Number(new URLSearchParams(environ.QUERY_STRING).get("ms") ?? "500");
    startResponse("200 OK", [["Content-Type", "application/json"]]);
    // The first byte at once (the client then knows the request is in flight), the rest after `ms`.
    return (async function* () {
      yield new TextEncoder().encode(" ");
      await new Promise((r) => setTimeout(r, ms));
      yield new TextEncoder().encode(who);
    })();
  }
  startResponse("200 OK", [["Content-Type", "application/json"]]);
  return [new TextEncoder().encode(who)];
}
