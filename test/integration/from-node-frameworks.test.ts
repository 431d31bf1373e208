// fromNodeHandler with the node:http frameworks besides Express (issue 12 names them): Koa's
// `app.callback()` (test/apps/koa-app.ts) and Fastify's routing through its `serverFactory`
// (test/apps/fastify-app.ts) answer through tsgi on Bun, Deno and Node as the same handler does on
// node:http (started in this process): status, every header but Date and the connection's own, in
// order, framing and body, for text, a parameter and a query, JSON in and out, a streamed body,
// an error the framework maps to a status, its 404, and a 10 MB upload hashed (Content-Length and
// chunked).
// It must never compare Date values, and never wait with sleeps.
import { type Server as NodeServer, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { get, text, type HttpResponse } from "../helpers/raw.ts";
import { RUNTIMES, type Server, startServer } from "../helpers/server.ts";
import { type Target, askEach, expectUploadsHashed, same, startTwoAtATime } from "../helpers/compare.ts";

/** Headers a server owns (node:http announces keep-alive; tsgi does not need to) and Date. */
const SKIPPED = new Set(["date", "connection", "keep-alive"]);

function essence(res: HttpResponse): object {
  return { status: res.status, headers: res.headers.map(([n, v]) => [n.toLowerCase(), v]).filter(([n]) => !SKIPPED.has(n!)), framing: res.framing, body: text(res) };
}

const FRAMEWORKS = [
  { name: "Koa", app: "test/apps/koa-app.ts", load: () => import("../apps/koa-app.ts"), hello: "Hello, Koa!" },
  { name: "Fastify", app: "test/apps/fastify-app.ts", load: () => import("../apps/fastify-app.ts"), hello: "Hello, Fastify!" },
] as const;

describe.each(FRAMEWORKS)("$name through fromNodeHandler answers as on node:http", ({ app, load, hello }) => {
  const targets: Target[] = [];
  const servers: { stop(): Promise<unknown> }[] = [];
  let native: NodeServer | undefined;

  beforeAll(async () => {
    native = createServer((await load()).handler);
    await new Promise<void>((resolve) => native!.listen(0, "127.0.0.1", resolve));
    targets.push({ name: "node:http", port: (native.address() as AddressInfo).port });
    await startTwoAtATime(
      targets,
      RUNTIMES.map((rt) => async (): Promise<Target> => {
        const s: Server = await startServer(rt, app, { args: ["--server-header", ""], deno: ["--allow-env"] });
        servers.push(s);
        return { name: `tsgi on ${rt}`, port: s.port };
      }),
    );
  }, 180_000);

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    native?.closeAllConnections();
    await new Promise((resolve) => native?.close(resolve));
  });

  const each = (request: string): Promise<Record<string, object>> => askEach(targets, request, essence);

  test("four servers are compared", () => {
    expect(targets.map((t) => t.name)).toEqual(["node:http", "tsgi on bun", "tsgi on deno", "tsgi on node"]);
  });

  test("text", async () => {
    expect(same(await each(get("/")))).toMatchObject({ status: 200, framing: "length", body: hello });
  });

  test("a parameter and a query, as JSON", async () => {
    expect(same(await each(get("/items/42?q=caf%C3%A9")))).toMatchObject({ status: 200, body: JSON.stringify({ item: "42", q: "café" }) });
  });

  test("JSON in (Content-Length and chunked), JSON out with 201", async () => {
    const body = JSON.stringify({ numbers: [1, 2, 3, 4.5] });
    const length = `POST /json HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    expect(same(await each(length))).toMatchObject({ status: 201, body: JSON.stringify({ sum: 10.5, count: 4 }) });
    const chunked = `POST /json HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`;
    expect(same(await each(chunked))).toMatchObject({ status: 201, body: JSON.stringify({ sum: 10.5, count: 4 }) });
  });

  test("a streamed body (a Readable): chunked", async () => {
    expect(same(await each(get("/stream")))).toMatchObject({ status: 200, framing: "chunked", body: "part 1\npart 2\npart 3\n" });
  });

  test("an error the framework maps to its status", async () => {
    expect(same(await each(get("/teapot")))).toMatchObject({ status: 418 });
  });

  test("the framework's 404", async () => {
    expect(same(await each(get("/nope")))).toMatchObject({ status: 404 });
  });

  test("a 10 MB upload hashed as it arrives, with Content-Length and chunked", async () => {
    await expectUploadsHashed(targets);
  }, 60_000);
});
