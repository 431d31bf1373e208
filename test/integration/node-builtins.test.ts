// What `node dist/serve.js` has loaded while it serves plain HTTP with one process: not node:tls,
// whose import alone costs every server about 0.4 MB of heap (the root certificates' strings; a
// larger live heap means longer major GCs). The build splits dist/ into chunks (build.mjs) so that
// the dynamic imports of the supervisor, the watcher and the other runtimes' drivers stay dynamic,
// and Node's driver imports node:tls only for a TLS listener. Node only: Bun and Deno run the
// sources, and what Deno imports before it serves is checked in test/unit/startup-imports.test.ts.
// It must never wait with sleeps.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Server, startServer } from "../helpers/server.ts";

describe("the Node built-ins loaded by node dist/serve.js (node; Bun and Deno run the sources)", () => {
  let server: Server;
  let loaded: string[];

  beforeAll(async () => {
    server = await startServer("node", "test/apps/node-builtins.ts");
    const res = await fetch(server.url + "/");
    loaded = (await res.text()).split("\n");
  });
  afterAll(() => server?.stop());

  test("the list is Node's own (it holds node:net, which the server listens with)", () => {
    expect(loaded).toContain("net");
  });

  test("no TLS module without --certfile", () => {
    expect(loaded.filter((m) => m === "tls" || m === "_tls_wrap" || m === "_tls_common")).toEqual([]);
  });
});
