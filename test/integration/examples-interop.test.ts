// examples/hono.ts served by tsgi on every runtime answers as its comment says: JSON with the route's
// param, JSON echoed, and a stream of five lines, chunked. (on-bun-serve.ts and on-deno-serve.ts
// listen on the fixed port 8000, which readme.test.ts uses too; test/apps/to-fetch-native.ts is
// their free-port twin in to-fetch.test.ts.)
// It must never edit the example.
import { describe, test } from "vitest";
import { RawClient } from "../helpers/raw.ts";
import { RUNTIMES, useServer } from "../helpers/server.ts";
import { expectSharedRoutes } from "../helpers/example-routes.ts";

describe.each(RUNTIMES)("examples/hono.ts (%s)", (runtime) => {
  const server = useServer(runtime, "examples/hono.ts");

  test("params, JSON in and out, a stream", async () => {
    const c = await RawClient.connect(server().port);
    await expectSharedRoutes(c, "application/json");
    c.destroy();
  });
});
