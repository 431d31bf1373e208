// toFetch over real sockets: a tsgi app (test/apps/fetch-target.ts) served by Bun.serve and
// Deno.serve through toFetch answers as it does on tsgi itself on Bun, Deno and Node: text with its
// Content-Length, environ (REMOTE_ADDR from the host, PATH_INFO decoded), a streamed body, write(),
// an upload read by size and by line, a 500 for an error before the headers, the app's own
// Content-Length, and a 204.
// It must never compare Date values or header order, and never wait with sleeps.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { RawClient, get, header, text, type HttpResponse } from "../helpers/raw.ts";
import { RUNTIMES, type Server, startServer } from "../helpers/server.ts";
import { type Target, askEach, same, startTwoAtATime } from "../helpers/compare.ts";
import { NATIVE_RUNTIMES, type NativeServer, startNative } from "../helpers/native.ts";


const targets: Target[] = [];
const tsgi: Server[] = [];
const natives: NativeServer[] = [];

beforeAll(async () => {
  const jobs = [
    ...RUNTIMES.map((rt) => async (): Promise<Target> => {
      const s = await startServer(rt, "test/apps/fetch-target.ts");
      tsgi.push(s);
      return { name: `tsgi on ${rt}`, port: s.port };
    }),
    ...NATIVE_RUNTIMES.map((rt) => async (): Promise<Target> => {
      const s = await startNative(rt, "test/apps/to-fetch-native.ts");
      natives.push(s);
      return { name: `toFetch on ${rt === "bun" ? "Bun" : "Deno"}.serve`, port: s.port };
    }),
  ];
  await startTwoAtATime(targets, jobs);
}, 180_000);

afterAll(async () => {
  await Promise.all([...tsgi.map((s) => s.stop()), ...natives.map((s) => s.stop())]);
});

function essence(res: HttpResponse): object {
  return { status: res.status, reason: res.reason, type: header(res, "content-type") ?? null, framing: res.framing, length: header(res, "content-length") ?? null, body: text(res) };
}

async function each(request: string | Uint8Array, pick: (res: HttpResponse) => object = essence): Promise<Record<string, object>> {
  return askEach(targets, request, pick);
}

describe("a tsgi app through toFetch answers on Bun.serve and Deno.serve as on tsgi", () => {
  test("five servers are compared", () => {
    expect(targets.map((t) => t.name)).toEqual(["toFetch on Bun.serve", "toFetch on Deno.serve", "tsgi on bun", "tsgi on deno", "tsgi on node"]);
  });

  test("an Array body goes out with its Content-Length", async () => {
    expect(same(await each(get("/")))).toEqual({ status: 200, reason: "OK", type: "text/plain", framing: "length", length: "13", body: "Hello, World!" });
  });

  test("environ: the CGI keys, REMOTE_ADDR from the host, PATH_INFO decoded", async () => {
    const a = same(await each(get("/environ/a%20b%C3%A9?x=1&y=%20", "X-Custom: custom value\r\n"))) as { body: string };
    expect(JSON.parse(a.body)).toEqual({
      REQUEST_METHOD: "GET",
      SCRIPT_NAME: "",
      PATH_INFO: "/environ/a b\xc3\xa9",
      QUERY_STRING: "x=1&y=%20",
      CONTENT_TYPE: "",
      CONTENT_LENGTH: "",
      SERVER_PROTOCOL: "HTTP/1.1",
      REMOTE_ADDR: "127.0.0.1",
      "wsgi.url_scheme": "http",
      "wsgi.input_terminated": true,
      HTTP_X_CUSTOM: "custom value",
      "tsgi.raw_uri": "/environ/a%20b%C3%A9?x=1&y=%20",
    });
  });

  test("a generator streams, chunked", async () => {
    expect(same(await each(get("/stream")))).toMatchObject({ status: 200, framing: "chunked", body: "part 1\npart 2\npart 3\n" });
  });

  test("write() then a returned body (Bun.serve gathers a stream that ends at once under a Content-Length)", async () => {
    const answers = await each(get("/write"));
    expect(answers["toFetch on Bun.serve"]).toMatchObject({ status: 200, framing: "length", length: "29", body: "written 1\nwritten 2\nreturned\n" });
    delete answers["toFetch on Bun.serve"];
    expect(same(answers)).toMatchObject({ status: 200, framing: "chunked", body: "written 1\nwritten 2\nreturned\n" });
  });

  test("an upload read by size comes back whole", async () => {
    const data = randomBytes(300_000);
    const head = `POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: ${data.length}\r\n\r\n`;
    const answers = await each(Buffer.concat([Buffer.from(head), data]), (res) => ({ status: res.status, length: header(res, "content-length"), same: res.body.equals(data) }));
    expect(same(answers)).toEqual({ status: 200, length: String(data.length), same: true });
  });

  test("an upload read by line, chunked", async () => {
    const lines = "one\ntwo\nthree\nfour";
    const req = `POST /lines HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\none\nt\r\n${(lines.length - 5).toString(16)}\r\n${lines.slice(5)}\r\n0\r\n\r\n`;
    expect(same(await each(req))).toMatchObject({ status: 200, body: "4 lines" });
  });

  test("an error before the headers is a 500 that reveals nothing", async () => {
    expect(same(await each(get("/fail")))).toMatchObject({ status: 500, body: "500 Internal Server Error: internal server error\n" });
  });

  test("the app's Content-Length is kept", async () => {
    expect(same(await each(get("/length")))).toMatchObject({ status: 200, framing: "length", length: "10", body: "0123456789" });
  });

  test("204 has no body", async () => {
    expect(same(await each(get("/empty")))).toMatchObject({ status: 204, body: "" });
  });
});
