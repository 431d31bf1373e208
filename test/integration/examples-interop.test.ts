// examples/hono.ts served by tsgi on every runtime answers as its comment says: JSON with the route's
// param, JSON echoed, and a stream of five lines, chunked. (on-bun-serve.ts and on-deno-serve.ts
// listen on the fixed port 8000, which readme.test.ts uses too; test/apps/to-fetch-native.ts is
// their free-port twin in to-fetch.test.ts.)
// It must never edit the example.
import { describe, expect, test } from "vitest";
import { RawClient, get, header, text } from "../helpers/raw.ts";
import { RUNTIMES, useServer } from "../helpers/server.ts";

describe.each(RUNTIMES)("examples/hono.ts (%s)", (runtime) => {
  const server = useServer(runtime, "examples/hono.ts");

  test("params, JSON in and out, a stream", async () => {
    const c = await RawClient.connect(server().port);
    const hello = await c.request(get("/hello/world"));
    expect([hello.status, header(hello, "content-type"), text(hello)]).toEqual([200, "application/json", '{"hello":"world"}']);
    const body = '{"a":1}';
    const echo = await c.request(`POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    expect(text(echo)).toBe('{"received":{"a":1}}');
    const count = await c.request(get("/count"));
    expect([count.framing, text(count)]).toEqual(["chunked", "1\n2\n3\n4\n5\n"]);
    c.destroy();
  });
});
