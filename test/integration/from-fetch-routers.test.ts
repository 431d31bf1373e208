// fromFetch with the fetch-style routers besides Hono (issue 12 names them): an itty-router app
// (test/apps/itty-app.ts) and an Elysia-style handler passed alone (test/apps/elysia-style-app.ts)
// answer through tsgi on Bun, Deno and Node as they do on Bun.serve and Deno.serve: status, content
// type, Set-Cookie fields, framing and body, for each Response shape they produce (JSON, text, a
// Blob, an ArrayBuffer, a stream, a redirect, an error status, 204, HEAD) and for request bodies
// read as JSON, a form and a 10 MB upload hashed as it arrives.
// It must never compare Date values or header order, and never wait with sleeps.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { get, header, text, type HttpResponse } from "../helpers/raw.ts";
import { RUNTIMES, type Server, startServer } from "../helpers/server.ts";
import { type Target, askEach, expectUploadsHashed, same, startTwoAtATime } from "../helpers/compare.ts";
import { NATIVE_RUNTIMES, type NativeServer, startNative } from "../helpers/native.ts";

/** Status, type (lower-cased: Bun's Headers lower-case a charset, Deno's keep it), cookies, framing, body. */
function essence(res: HttpResponse): object {
  const cookies = res.headers.filter(([n]) => n.toLowerCase() === "set-cookie").map(([, v]) => v);
  return { status: res.status, type: header(res, "content-type")?.toLowerCase(), cookies, location: header(res, "location") ?? null, framing: res.framing, length: header(res, "content-length") ?? null, body: text(res) };
}

const APPS = [
  { name: "itty-router", app: "test/apps/itty-app.ts", native: "test/apps/itty-native.ts" },
  { name: "an Elysia-style handler", app: "test/apps/elysia-style-app.ts", native: "test/apps/elysia-style-native.ts" },
] as const;

/**
 * Where the runtimes' own Response objects differ (Bun's Response.json adds a charset, Deno's Blob
 * stream takes more turns to end), tsgi on each runtime answers as that runtime's own server does:
 * tsgi on Bun as Bun.serve, tsgi on Deno as Deno.serve. Returns the answers of tsgi on Node and on Deno.
 */
function asItsRuntime(answers: Record<string, object>): { node: object; deno: object } {
  expect(answers["tsgi on bun"], "tsgi on bun").toEqual(answers["Bun.serve"]);
  expect(answers["tsgi on deno"], "tsgi on deno").toEqual(answers["Deno.serve"]);
  return { node: answers["tsgi on node"]!, deno: answers["tsgi on deno"]! };
}

function compared(app: string, native: string): { targets: Target[]; each(request: string): Promise<Record<string, object>> } {
  const targets: Target[] = [];
  const servers: { stop(): Promise<unknown> }[] = [];
  beforeAll(async () => {
    await startTwoAtATime(targets, [
      ...RUNTIMES.map((rt) => async (): Promise<Target> => {
        const s: Server = await startServer(rt, app);
        servers.push(s);
        return { name: `tsgi on ${rt}`, port: s.port };
      }),
      ...NATIVE_RUNTIMES.map((rt) => async (): Promise<Target> => {
        const s: NativeServer = await startNative(rt, native);
        servers.push(s);
        return { name: `${rt === "bun" ? "Bun" : "Deno"}.serve`, port: s.port };
      }),
    ]);
  }, 180_000);
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });
  return { targets, each: (request) => askEach(targets, request, essence) };
}

describe(`${APPS[0].name} through fromFetch answers as on Bun.serve and Deno.serve`, () => {
  const { targets, each } = compared(APPS[0].app, APPS[0].native);

  test("five servers are compared", () => {
    expect(targets.map((t) => t.name)).toEqual(["Bun.serve", "Deno.serve", "tsgi on bun", "tsgi on deno", "tsgi on node"]);
  });

  test("text", async () => {
    expect(same(await each(get("/")))).toMatchObject({ status: 200, type: "text/plain; charset=utf-8", framing: "length", body: "Hello, itty!" });
  });

  test("params and a query, JSON out", async () => {
    expect(same(await each(get("/items/42?q=caf%C3%A9")))).toMatchObject({ status: 200, type: "application/json; charset=utf-8", body: JSON.stringify({ item: "42", q: "café" }) });
  });

  test("JSON in, JSON out with 201", async () => {
    const body = JSON.stringify({ numbers: [1, 2, 3, 4.5] });
    const a = same(await each(`POST /json HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`));
    expect(a).toMatchObject({ status: 201, body: JSON.stringify({ sum: 10.5, count: 4 }) });
  });

  test("an error status with the router's JSON body", async () => {
    expect(same(await each(get("/teapot")))).toMatchObject({ status: 418, body: JSON.stringify({ status: 418, error: "short and stout" }) });
  });

  test("a redirect", async () => {
    expect(same(await each(get("/redirect")))).toMatchObject({ status: 302, location: "http://localhost/items/1" });
  });

  test("a ReadableStream body that ends at once: one Content-Length body (Deno.serve streams it)", async () => {
    const answers = await each(get("/stream"));
    const deno = answers["Deno.serve"]!;
    delete answers["Deno.serve"];
    expect(same(answers)).toMatchObject({ status: 200, framing: "length", length: "21", body: "part 1\npart 2\npart 3\n" });
    expect(deno).toMatchObject({ status: 200, framing: "chunked", body: "part 1\npart 2\npart 3\n" });
  });

  test("the router's 404", async () => {
    expect(same(await each(get("/nope")))).toMatchObject({ status: 404 });
  });

  test("a 10 MB upload hashed as it arrives, with Content-Length and chunked", async () => {
    await expectUploadsHashed(targets);
  }, 60_000);
});

describe(`${APPS[1].name} through fromFetch answers as on Bun.serve and Deno.serve`, () => {
  const { targets, each } = compared(APPS[1].app, APPS[1].native);

  test("five servers are compared", () => {
    expect(targets.map((t) => t.name)).toEqual(["Bun.serve", "Deno.serve", "tsgi on bun", "tsgi on deno", "tsgi on node"]);
  });

  test("the handler keeps its object's state when passed alone", async () => {
    expect(same(await each(get("/")))).toMatchObject({ status: 200, type: "text/plain;charset=utf-8", framing: "length", length: "20", body: "Hello, Elysia-style!" });
  });

  test("HEAD: the GET's headers, no body", async () => {
    const answers = await askEach(targets, "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n", essence, { head: true });
    expect(same(answers)).toMatchObject({ status: 200, type: "text/plain;charset=utf-8", length: "20", body: "" });
  });

  test("Response.json with two Set-Cookie fields appended", async () => {
    const { node, deno } = asItsRuntime(await each(get("/cookies?q=1")));
    expect(node).toEqual(deno);
    expect(node).toEqual({ status: 200, type: "application/json", location: null, framing: "length", length: "19", cookies: ["a=1; Path=/; HttpOnly", "b=2; Path=/x"], body: JSON.stringify({ ok: true, q: "1" }) });
  });

  test("a Blob body: its type, and its length where the Blob's stream ends at once", async () => {
    const answers = await each(get("/blob"));
    const { node, deno } = asItsRuntime(answers);
    expect(answers["tsgi on bun"]).toMatchObject({ status: 200, type: "application/x-test", framing: "length", length: "9", body: "blob body" });
    expect(node).toMatchObject({ status: 200, type: "application/x-test", framing: "length", length: "9", body: "blob body" });
    expect(deno).toMatchObject({ status: 200, type: "application/x-test", framing: "chunked", body: "blob body" });
  });

  test("an ArrayBuffer body, byte for byte", async () => {
    const answers = await askEach(targets, get("/buffer"), (res) => ({ status: res.status, length: header(res, "content-length"), bytes: [...res.body] }));
    expect(same(answers)).toEqual({ status: 200, length: "6", bytes: [0, 1, 2, 253, 254, 255] });
  });

  test("a urlencoded form read with request.formData()", async () => {
    const body = "name=caf%C3%A9&tag=a&tag=b+c";
    const { node, deno } = asItsRuntime(await each(`POST /form HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n${body}`));
    expect(node).toEqual(deno);
    expect(node).toMatchObject({ status: 201, body: JSON.stringify({ name: "café", tags: ["a", "b c"] }) });
  });

  test("204: no body and no Content-Length", async () => {
    expect(same(await each("DELETE /item HTTP/1.1\r\nHost: x\r\n\r\n"))).toMatchObject({ status: 204, length: null, body: "" });
  });

  test("its own 404", async () => {
    expect(same(await each(get("/nope")))).toMatchObject({ status: 404, body: "not here" });
  });
});
