// The examples in examples/ served by every runtime: hello.ts compiled ONCE with esbuild to one .js
// file that all three runtimes serve byte-identically (Date value aside), and environ.ts, stream.ts,
// upload.ts, router.ts, express.ts and static.ts answering as their comments say.
// It must never edit the examples, and never compare Date values.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { tmpdir } from "node:os";
import path from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { RawClient, get, header, text } from "../helpers/raw.ts";
import { expectSharedRoutes } from "../helpers/example-routes.ts";
import { ROOT, RUNTIMES, type Runtime, type Server, startServer, useServer } from "../helpers/server.ts";

describe("examples/hello.ts compiled once, served by bun, deno and node", () => {
  const tmp = mkdtempSync(path.join(tmpdir(), "tsgi-hello-"));
  const js = path.join(tmp, "hello.js");
  const servers = new Map<Runtime, Server>();

  beforeAll(async () => {
    await build({ entryPoints: [path.join(ROOT, "examples/hello.ts")], outfile: js, bundle: true, format: "esm", platform: "neutral", logLevel: "warning" });
    await Promise.all(RUNTIMES.map(async (rt) => servers.set(rt, await startServer(rt, js))));
  }, 60_000);

  afterAll(async () => {
    await Promise.all([...servers.values()].map((s) => s.stop()));
    rmSync(tmp, { recursive: true, force: true });
  });

  test("the same .js answers a raw GET with identical bytes on every runtime", async () => {
    const answers = new Map<Runtime, string>();
    for (const rt of RUNTIMES) {
      const c = await RawClient.connect(servers.get(rt)!.port);
      const res = await c.request("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
      answers.set(rt, res.raw.toString("latin1").replace(/\r\nDate: [^\r]*\r\n/, "\r\nDate: X\r\n"));
    }
    const expected = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\nDate: X\r\nServer: tsgi\r\n\r\nHello, World!";
    expect(Object.fromEntries(answers)).toEqual({ bun: expected, deno: expected, node: expected });
  });
});

describe.each(RUNTIMES)("examples (%s)", (runtime) => {
  const environ = useServer(runtime, "examples/environ.ts");
  const stream = useServer(runtime, "examples/stream.ts");
  const upload = useServer(runtime, "examples/upload.ts");
  const router = useServer(runtime, "examples/router.ts");
  const staticSite = useServer(runtime, "examples/static.ts");

  test("environ.ts lists the keys sorted, one `key = value` line each", async () => {
    const c = await RawClient.connect(environ().port);
    const res = await c.request(get("/some/path?x=1"));
    const lines = text(res).split("\n").filter((l) => l !== "");
    expect(lines).toContain("PATH_INFO = /some/path");
    expect(lines).toContain("QUERY_STRING = x=1");
    expect(lines).toContain(`tsgi.runtime = ${runtime}`);
    expect(lines).toContain("wsgi.version = [1,0]");
    const keys = lines.map((l) => l.split(" = ")[0]);
    expect(keys).toEqual([...keys].sort());
    expect(header(res, "content-length")).toBe(String(res.body.length));
  });

  test("stream.ts streams five chunks, chunked", async () => {
    const c = await RawClient.connect(stream().port);
    const res = await c.request(get("/"));
    expect(res.framing).toBe("chunked");
    expect(text(res)).toBe("chunk 1\nchunk 2\nchunk 3\nchunk 4\nchunk 5\n");
  });

  test("upload.ts echoes a POST body with its type; GET gets 405 with Allow", async () => {
    const c = await RawClient.connect(upload().port);
    const res = await c.request("POST / HTTP/1.1\r\nHost: h\r\nContent-Type: text/x-test\r\nContent-Length: 5\r\n\r\nhello");
    expect(text(res)).toBe("hello");
    expect(header(res, "content-type")).toBe("text/x-test");
    const g = await c.request(get("/"));
    expect(g.status).toBe(405);
    expect(header(g, "allow")).toBe("POST, PUT");
  });

  test("router.ts: routes, parameters, JSON, 404 and 405", async () => {
    const c = await RawClient.connect(router().port);
    const hello = await c.request(get("/hello/Ada"));
    expect(JSON.parse(text(hello))).toEqual({ hello: "Ada" });
    expect(header(hello, "content-type")).toBe("application/json");
    const utf8 = await c.request(get("/hello/Z%C3%BC"));
    expect(JSON.parse(text(utf8))).toEqual({ hello: "Z\u00fc" });
    const missing = await c.request(get("/nope"));
    expect(missing.status).toBe(404);
    const wrong = await c.request("POST /hello/x HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n");
    expect(wrong.status).toBe(405);
    expect(header(wrong, "allow")).toBe("GET, HEAD");
    const body = '{"x": 1}';
    const echo = await c.request(`POST /echo HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    expect(JSON.parse(text(echo))).toEqual({ received: { x: 1 } });
    const head = await c.request(get("/hello/Ada").replace(/^GET/, "HEAD"), { head: true });
    expect(head.status).toBe(200);
    expect(header(head, "content-length")).toBe(header(hello, "content-length"));
  });

  test("static.ts: examples/public/ under /static/ (index, gzip sibling, 304), the app everywhere else", async () => {
    const c = await RawClient.connect(staticSite().port);
    const index = await c.request(get("/static/"));
    expect(header(index, "content-type")).toBe("text/html; charset=utf-8");
    expect(index.body.equals(readFileSync(path.join(ROOT, "examples/public/index.html")))).toBe(true);
    const gz = await c.request("GET /static/css/site.css HTTP/1.1\r\nHost: h\r\nAccept-Encoding: gzip\r\n\r\n");
    expect(header(gz, "content-encoding")).toBe("gzip");
    expect(gunzipSync(gz.body).equals(readFileSync(path.join(ROOT, "examples/public/css/site.css")))).toBe(true);
    const again = await c.request(`GET /static/css/site.css HTTP/1.1\r\nHost: h\r\nIf-None-Match: ${header(gz, "etag")}\r\nAccept-Encoding: gzip\r\n\r\n`);
    expect(again.status).toBe(304);
    expect(text(await c.request(get("/hello")))).toBe("Hello from the app behind the static files: /hello\n");
  });
});

describe.each(RUNTIMES)("examples/express.ts (%s)", (runtime) => {
  // Express reads NODE_ENV: Deno needs --allow-env (the README says so).
  const server = useServer(runtime, "examples/express.ts", { deno: ["--allow-env"] });

  test("text, params, JSON in and out, a stream", async () => {
    const c = await RawClient.connect(server().port);
    const home = await c.request(get("/"));
    expect([home.status, header(home, "content-type"), header(home, "content-length"), text(home)]).toEqual([200, "text/plain; charset=utf-8", "27", "Hello from Express on tsgi!"]);
    await expectSharedRoutes(c, "application/json; charset=utf-8");
    c.destroy();
  });
});
