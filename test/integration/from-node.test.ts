// fromNodeHandler over real sockets: the same Express app (test/apps/express-app.ts) answers the same
// through tsgi on Bun, Deno and Node as on node:http (status, every header but Date and the
// connection's own, in order, and the body bytes): a router with params, express.json(), cookies, a
// redirect, the default 404 and 400 pages, a streamed download, a 10 MB upload piped into a hash
// (Content-Length and chunked), a client leaving mid-stream seen as 'close' on req and res, and a
// writer held back by write()/'drain'.
// It must never compare Date values, and never wait with sleeps.
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { RawClient, get, text, type HttpResponse } from "../helpers/raw.ts";
import { ROOT, RUNTIMES, type Server, startServer } from "../helpers/server.ts";
import { type Target, askEach, expectFloodHeldBack, expectUploadsHashed, same, startTwoAtATime } from "../helpers/compare.ts";
import { type NativeServer, startNative } from "../helpers/native.ts";
import { pollUntil } from "../helpers/poll.ts";

const targets: Target[] = [];
const servers: { stop(): Promise<unknown> }[] = [];
const tmp = mkdtempSync(path.join(tmpdir(), "tsgi-express-"));
/** Express's error pages show the stack outside production: the same, short pages everywhere. */
const PRODUCTION = { NODE_ENV: "production" };

beforeAll(async () => {
  // node:http runs express-native.ts bundled (Express included) into one CommonJS file.
  const native = path.join(tmp, "express-native.cjs");
  await build({ entryPoints: [path.join(ROOT, "test/apps/express-native.ts")], outfile: native, bundle: true, format: "cjs", platform: "node", target: "node20", logLevel: "error", define: { "process.env.NODE_ENV": '"production"' } });
  await startTwoAtATime(targets, [
    ...RUNTIMES.map((rt) => async (): Promise<Target> => {
      const s: Server = await startServer(rt, "test/apps/express-app.ts", { args: ["--server-header", ""], deno: ["--allow-env"], spawn: { env: PRODUCTION } });
      servers.push(s);
      return { name: `tsgi on ${rt}`, port: s.port };
    }),
    async (): Promise<Target> => {
      const s: NativeServer = await startNative("node", native);
      servers.push(s);
      return { name: "node:http", port: s.port };
    },
  ]);
}, 180_000);

afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  rmSync(tmp, { recursive: true, force: true });
});

/** Headers a server owns (node:http announces keep-alive; tsgi does not need to) and Date. */
const SKIPPED = new Set(["date", "connection", "keep-alive"]);

/** What must be the same everywhere: status, the headers in order (names lower-cased), framing, body. */
function essence(res: HttpResponse): object {
  return { status: res.status, headers: res.headers.map(([n, v]) => [n.toLowerCase(), v]).filter(([n]) => !SKIPPED.has(n!)), framing: res.framing, body: text(res) };
}

async function each(request: string | Uint8Array): Promise<Record<string, object>> {
  return askEach(targets, request, essence);
}

describe("an Express app through fromNodeHandler answers as on node:http", () => {
  test("four servers are compared", () => {
    expect(targets.map((t) => t.name)).toEqual(["node:http", "tsgi on bun", "tsgi on deno", "tsgi on node"]);
  });

  test("res.send: text with its ETag and Content-Length", async () => {
    expect(same(await each(get("/")))).toMatchObject({ status: 200, framing: "length", body: "Hello, Express!" });
  });

  test("a router with params and a query, as JSON", async () => {
    const a = same(await each(get("/users/42/posts/7?q=caf%C3%A9")));
    expect(a).toMatchObject({ status: 200, body: JSON.stringify({ user: "42", post: 7, q: "café" }) });
  });

  test("express.json(): JSON in, JSON out with 201", async () => {
    const body = JSON.stringify({ numbers: [1, 2, 3, 4.5] });
    const a = same(await each(`POST /json HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`));
    expect(a).toMatchObject({ status: 201, body: JSON.stringify({ sum: 10.5, count: 4 }) });
  });

  test("express.json() with a chunked body", async () => {
    const body = JSON.stringify({ numbers: [5, 6] });
    const a = same(await each(`POST /json HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`));
    expect(a).toMatchObject({ status: 201, body: JSON.stringify({ sum: 11, count: 2 }) });
  });

  test("malformed JSON: Express's 400 page", async () => {
    const a = same(await each(`POST /json HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5\r\n\r\n{nope`));
    expect(a).toMatchObject({ status: 400 });
  });

  test("two cookies: two Set-Cookie fields", async () => {
    const a = same(await each(get("/cookies"))) as { headers: string[][] };
    expect(a.headers.filter(([n]) => n === "set-cookie").map(([, v]) => v)).toEqual(["a=1; Path=/; HttpOnly", "b=2; Path=/x"]);
  });

  test("a redirect", async () => {
    expect(same(await each(get("/redirect")))).toMatchObject({ status: 302 });
  });

  test("request headers, method, url and version as the handler sees them", async () => {
    const a = same(await each(get("/headers?x=1", "User-Agent: test/1.0\r\nX-Custom: yes\r\n"))) as { body: string };
    expect(JSON.parse(a.body)).toEqual({ ua: "test/1.0", custom: "yes", method: "GET", url: "/headers?x=1", httpVersion: "1.1" });
  });

  test("res.write five times then end: chunked", async () => {
    expect(same(await each(get("/stream")))).toMatchObject({ status: 200, framing: "chunked", body: "part 1\npart 2\npart 3\npart 4\npart 5\n" });
  });

  test("a streamed download: a Readable piped into res", async () => {
    const answers = await askEach(targets, get("/download?size=1048576"), (res) => ({ ...essence(res), body: createHash("sha256").update(res.body).digest("hex"), bytes: res.body.length }));
    expect(same(answers)).toMatchObject({ status: 200, framing: "chunked", bytes: 1048576 });
  });

  test("the default 404 page", async () => {
    expect(same(await each(get("/nope")))).toMatchObject({ status: 404 });
  });

  test("a 10 MB upload piped into a hash, with Content-Length and chunked", async () => {
    await expectUploadsHashed(targets);
  }, 60_000);

  test("a client that leaves mid-stream: 'aborted' and 'close' on req, 'close' on res", async () => {
    const seen: Record<string, string[]> = {};
    for (const t of targets) {
      const c = await RawClient.connect(t.port);
      await c.write(get("/forever"));
      await c.waitForText("tick\n");
      const state = (await (await fetch(`http://127.0.0.1:${t.port}/forever/state`)).json()) as { state: string };
      expect(state.state, t.name).toBe("streaming");
      c.destroy();
      const done = await pollUntil(
        () => fetch(`http://127.0.0.1:${t.port}/forever/state`).then((r) => r.json() as Promise<{ state: string; events: string[] }>),
        (s) => s.state === "closed" && s.events.length >= 3,
        `${t.name}: 'close' after the client left`,
      );
      seen[t.name] = [...done.events].sort();
    }
    expect(same(seen)).toEqual(["req aborted", "req close", "res close"]);
  });

  test("backpressure: write() returns false and 'drain' waits for a client that does not read", async () => {
    await expectFloodHeldBack(targets);
  }, 60_000);
});
