// A test app whose requests wait at a gate the test opens: GET /hold/ID?dir=DIR logs "gate: started
// ID" on wsgi.errors, then answers "done ID" once the file DIR/ID exists. Anything else answers at
// once. Used by test/integration/limit-concurrency.test.ts (the app's state is read from its log, so
// the test needs no request of its own while every slot is taken).
import { existsSync } from "node:fs";
import type { Environ, StartResponse } from "../../runtimes/index.ts";

export default async function app(environ: Environ, startResponse: StartResponse): Promise<string[]> {
  const m = /^\/hold\/(\w+)$/.exec(environ.PATH_INFO);
  if (m !== null) {
    const id = m[1]!;
    const dir = new URLSearchParams(environ.QUERY_STRING).get("dir") ?? "";
    environ["wsgi.errors"].write(`gate: started ${id}\n`);
    environ["wsgi.errors"].flush();
    while (!existsSync(`${dir}/${id}`)) await new Promise((r) => setTimeout(r, 10));
    startResponse("200 OK", [["Content-Type", "text/plain"]]);
    return [`done ${id}`];
  }
  startResponse("200 OK", [["Content-Type", "text/plain"]]);
  return ["ok"];
}
