// The routes examples/hono.ts and examples/express.ts both serve, checked the same way over one
// keep-alive connection: a path parameter as JSON, JSON echoed back, a chunked stream of five lines.
// It must never start a server (the tests do) and never relax an assertion for one framework.
import { expect } from "vitest";
import { type RawClient, get, header, text } from "./raw.ts";

/** `jsonType` is the Content-Type the framework gives JSON (Hono: application/json; Express adds a charset). */
export async function expectSharedRoutes(c: RawClient, jsonType: string): Promise<void> {
  const hello = await c.request(get("/hello/world"));
  expect([hello.status, header(hello, "content-type"), text(hello)]).toEqual([200, jsonType, '{"hello":"world"}']);
  const body = '{"a":1}';
  const echo = await c.request(`POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
  expect(text(echo)).toBe('{"received":{"a":1}}');
  const count = await c.request(get("/count"));
  expect([count.framing, text(count)]).toEqual(["chunked", "1\n2\n3\n4\n5\n"]);
}
