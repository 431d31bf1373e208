// tsgi/static (staticFiles) served by tsgi on bun, deno and node, over real sockets: ranges (single,
// multiple, unsatisfiable, If-Range), 304s, the precompressed sibling chosen by Accept-Encoding,
// traversal attempts (each refused, never a byte of the file outside), the runtime's own file path
// where it has one (Bun's sendfile(2), Deno's resource pipe, also over TLS on Deno; Node reads), seen
// in the --log-level debug line each file sent that way makes, clients that leave mid-file, and a
// 200 MB sparse file served with flat memory (the server process's peak RSS, reset with
// /proc/PID/clear_refs before the download, grows by far less than the file).
// It must never compare Date values or wait on a clock: waits are for bytes and socket events.
import { mkdirSync, mkdtempSync, openSync, closeSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync, writeSync, ftruncateSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { execFileSync } from "node:child_process";
import https from "node:https";
import path from "node:path";
import { gzipSync, brotliCompressSync } from "node:zlib";
import { afterAll, describe, expect, test } from "vitest";
import { RawClient, get, header, text } from "../helpers/raw.ts";
import { ROOT, RUNTIMES, startServer, useServer } from "../helpers/server.ts";
import { pollUntil } from "../helpers/poll.ts";

const tmp = mkdtempSync(path.join(tmpdir(), "tsgi-static-"));
const root = path.join(tmp, "root");
const BIG = 200 * 1024 * 1024;
const MARK = Buffer.from("tsgi-marker-".repeat(4)); // 48 bytes: RawClient keeps a 64-byte tail
const hello = Buffer.from(Array.from({ length: 1000 }, (_, i) => String.fromCharCode(65 + (i % 26))).join(""));
const css = "body { color: red; }\n".repeat(20);

mkdirSync(path.join(root, "sub"), { recursive: true });
writeFileSync(path.join(root, "hello.txt"), hello);
writeFileSync(path.join(root, "index.html"), "<p>index</p>\n");
writeFileSync(path.join(root, "sub", "index.html"), "<p>sub index</p>\n");
writeFileSync(path.join(root, "site.css"), css);
writeFileSync(path.join(root, "site.css.gz"), gzipSync(css));
writeFileSync(path.join(root, "site.css.br"), brotliCompressSync(css));
writeFileSync(path.join(root, "only-gz.js"), "let x = 1;\n");
writeFileSync(path.join(root, "only-gz.js.gz"), gzipSync("let x = 1;\n"));
writeFileSync(path.join(tmp, "secret.txt"), "TOP SECRET\n");
symlinkSync(path.join(tmp, "secret.txt"), path.join(root, "link-out.txt"));
symlinkSync(tmp, path.join(root, "dir-out"));
symlinkSync(path.join(root, "hello.txt"), path.join(root, "link-in.txt"));
// 200 MB, sparse, with a marker at the start, in the middle and at the end.
const fd = openSync(path.join(root, "big.bin"), "w");
ftruncateSync(fd, BIG);
for (const at of [0, BIG / 2, BIG - MARK.length]) writeSync(fd, MARK, 0, MARK.length, at);
closeSync(fd);
// 1 MiB of a pattern: sent through the runtime's own file path where it has one.
const pattern = Buffer.alloc(1024 * 1024);
for (let i = 0; i < pattern.length; i++) pattern[i] = (i * 7 + (i >> 11)) & 0xff;
writeFileSync(path.join(root, "pattern.bin"), pattern);

// 5,000 bytes that a file-like object will say are 8,000 (a file that shrank after it was measured).
const shortBytes = pattern.subarray(0, 5000);
writeFileSync(path.join(tmp, "short.bin"), shortBytes);

const adapter = path.join(ROOT, "adapters/static.ts");
writeFileSync(
  path.join(tmp, "app.ts"),
  `import { readFileSync } from "node:fs";
import { staticFiles } from ${JSON.stringify(adapter)};
const root = ${JSON.stringify(root)};
export default staticFiles(root, { prefix: "/files/", cacheControl: "public, max-age=60" });
export const withFallback = staticFiles(root, {
  prefix: "/files/",
  fallback: (environ, startResponse) => {
    if (environ.PATH_INFO === "/mark") environ["wsgi.errors"].write("tsgi-test: mark\\n");
    startResponse("200 OK", [["Content-Type", "text/plain"]]);
    return ["fallback " + environ.PATH_INFO];
  },
});
export const shortFile = (environ, startResponse) => {
  const path = ${JSON.stringify(path.join(tmp, "short.bin"))};
  const bytes = readFileSync(path);
  let at = 0;
  const file = {
    path, offset: 0, size: 8000,
    read(n) { const out = bytes.subarray(at, at + n); at += out.length; return out; },
  };
  startResponse("200 OK", [["Content-Type", "application/octet-stream"]]);
  return environ["wsgi.file_wrapper"](file);
};
`,
);

// A certificate for the TLS case (the file goes through TLS: Bun reads it; Deno's pipe encrypts in Rust).
execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", path.join(tmp, "server.key"), "-out", path.join(tmp, "server.pem"), "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1"], { stdio: "ignore" });

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** GET over HTTPS trusting the test's certificate: status and body. */
function httpsGet(port: number, target: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const r = https.get({ host: "127.0.0.1", port, path: target, ca: readFileSync(path.join(tmp, "server.pem")), agent: false }, (res) => {
      const parts: Buffer[] = [];
      res.on("data", (b: Buffer) => parts.push(b));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts) }));
      res.on("error", reject);
    });
    r.on("error", reject);
  });
}

const req = (target: string, fields: Record<string, string> = {}, method = "GET"): string =>
  `${method} ${target} HTTP/1.1\r\nHost: a\r\n${Object.entries(fields).map(([k, v]) => `${k}: ${v}\r\n`).join("")}\r\n`;

/** The process's resident set and its peak, in bytes (Linux /proc). */
function memory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb("VmRSS"), peak: kb("VmHWM") };
}

/** The multipart/byteranges parts of a body: [Content-Range, bytes]. */
function parts(body: Buffer, boundary: string): [string, string][] {
  const out: [string, string][] = [];
  const chunks = body.toString("latin1").split(`--${boundary}`);
  expect(chunks.pop()).toBe("--\r\n");
  expect(chunks.shift()).toBe("");
  for (const c of chunks) {
    const [head, data] = c.replace(/^\r\n/, "").split("\r\n\r\n");
    out.push([/Content-Range: (.*)/.exec(head!)![1]!.trim(), data!.replace(/\r\n$/, "")]);
  }
  return out;
}

describe.each(RUNTIMES)("tsgi/static (%s)", (runtime) => {
  const server = useServer(runtime, `${path.join(tmp, "app.ts")}`);
  const fallback = useServer(runtime, `${path.join(tmp, "app.ts")}:withFallback`, { args: ["--log-level", "debug"] });
  const shortFile = useServer(runtime, `${path.join(tmp, "app.ts")}:shortFile`);

  test("a file: type, length, validators, Accept-Ranges; HEAD the same without a body; index files", async () => {
    const c = await RawClient.connect(server().port);
    const res = await c.request(get("/files/hello.txt"));
    expect(res.status).toBe(200);
    expect(res.body.equals(hello)).toBe(true);
    expect(header(res, "content-type")).toBe("text/plain; charset=utf-8");
    expect(header(res, "content-length")).toBe("1000");
    expect(header(res, "etag")).toMatch(/^"[0-9a-f-]+"$/);
    expect(header(res, "last-modified")).toMatch(/ GMT$/);
    expect(header(res, "accept-ranges")).toBe("bytes");
    expect(header(res, "cache-control")).toBe("public, max-age=60");
    const head = await c.request(req("/files/hello.txt", {}, "HEAD"), { head: true });
    expect(head.status).toBe(200);
    expect(header(head, "content-length")).toBe("1000");
    expect(header(head, "etag")).toBe(header(res, "etag"));
    expect(head.body.length).toBe(0);
    expect(text(await c.request(get("/files/")))).toBe("<p>index</p>\n");
    expect(text(await c.request(get("/files/sub/")))).toBe("<p>sub index</p>\n");
    expect(text(await c.request(get("/files/link-in.txt")))).toBe(hello.toString());
    const post = await c.request("POST /files/hello.txt HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n");
    expect(post.status).toBe(405);
    expect(header(post, "allow")).toBe("GET, HEAD");
  });

  test("304: If-None-Match, If-Modified-Since, and If-None-Match winning over If-Modified-Since", async () => {
    const c = await RawClient.connect(server().port);
    const first = await c.request(get("/files/hello.txt"));
    const etag = header(first, "etag")!;
    const lastModified = header(first, "last-modified")!;
    const inm = await c.request(req("/files/hello.txt", { "If-None-Match": `"x", ${etag}` }));
    expect(inm.status).toBe(304);
    expect(inm.body.length).toBe(0);
    expect(header(inm, "etag")).toBe(etag);
    expect(header(inm, "content-length")).toBeUndefined();
    expect((await c.request(req("/files/hello.txt", { "If-Modified-Since": lastModified }))).status).toBe(304);
    // A stale If-None-Match with a fresh If-Modified-Since: If-None-Match decides (RFC 9110 13.2.2).
    const both = await c.request(req("/files/hello.txt", { "If-None-Match": '"stale"', "If-Modified-Since": lastModified }));
    expect(both.status).toBe(200);
    expect(both.body.equals(hello)).toBe(true);
    expect((await c.request(req("/files/hello.txt", { "If-Modified-Since": "Thu, 01 Jan 1970 00:00:00 GMT" }))).status).toBe(200);
    expect((await c.request(req("/files/hello.txt", { "If-Match": '"other"' }))).status).toBe(412);
  });

  test("Range: a single range, a suffix, several ranges as multipart/byteranges, unsatisfiable (416), If-Range", async () => {
    const c = await RawClient.connect(server().port);
    const one = await c.request(req("/files/hello.txt", { Range: "bytes=10-19" }));
    expect(one.status).toBe(206);
    expect(header(one, "content-range")).toBe("bytes 10-19/1000");
    expect(header(one, "content-length")).toBe("10");
    expect(text(one)).toBe(hello.subarray(10, 20).toString());
    const suffix = await c.request(req("/files/hello.txt", { Range: "bytes=-5" }));
    expect(header(suffix, "content-range")).toBe("bytes 995-999/1000");
    expect(text(suffix)).toBe(hello.subarray(995).toString());

    const multi = await c.request(req("/files/hello.txt", { Range: "bytes=0-2, 900-, 500-509" }));
    expect(multi.status).toBe(206);
    const type = header(multi, "content-type")!;
    const boundary = /^multipart\/byteranges; boundary=(.+)$/.exec(type)![1]!;
    expect(header(multi, "content-length")).toBe(String(multi.body.length));
    expect(parts(multi.body, boundary)).toEqual([
      ["bytes 0-2/1000", hello.subarray(0, 3).toString()],
      ["bytes 500-509/1000", hello.subarray(500, 510).toString()],
      ["bytes 900-999/1000", hello.subarray(900).toString()],
    ]);

    const bad = await c.request(req("/files/hello.txt", { Range: "bytes=1000-2000" }));
    expect(bad.status).toBe(416);
    expect(header(bad, "content-range")).toBe("bytes */1000");

    const etag = header(one, "etag")!;
    const matching = await c.request(req("/files/hello.txt", { Range: "bytes=0-3", "If-Range": etag }));
    expect(matching.status).toBe(206);
    expect(text(matching)).toBe("ABCD");
    const stale = await c.request(req("/files/hello.txt", { Range: "bytes=0-3", "If-Range": '"stale"' }));
    expect(stale.status).toBe(200);
    expect(stale.body.equals(hello)).toBe(true);
    const byDate = await c.request(req("/files/hello.txt", { Range: "bytes=0-3", "If-Range": header(one, "last-modified")! }));
    expect(byDate.status).toBe(206);
    // A Range the server does not understand is ignored.
    expect((await c.request(req("/files/hello.txt", { Range: "lines=1-2" }))).status).toBe(200);
  });

  test("precompressed siblings by Accept-Encoding (q-values), with Content-Encoding and Vary", async () => {
    const c = await RawClient.connect(server().port);
    const br = await c.request(req("/files/site.css", { "Accept-Encoding": "gzip, deflate, br" }));
    expect(header(br, "content-encoding")).toBe("br");
    expect(header(br, "vary")).toBe("Accept-Encoding");
    expect(header(br, "content-type")).toBe("text/css; charset=utf-8");
    expect(br.body.equals(brotliCompressSync(css))).toBe(true);
    const gz = await c.request(req("/files/site.css", { "Accept-Encoding": "br;q=0.5, gzip" }));
    expect(header(gz, "content-encoding")).toBe("gzip");
    expect(gz.body.equals(gzipSync(css))).toBe(true);
    expect(header(gz, "etag")).not.toBe(header(br, "etag"));
    const plain = await c.request(get("/files/site.css"));
    expect(header(plain, "content-encoding")).toBeUndefined();
    expect(header(plain, "vary")).toBe("Accept-Encoding");
    expect(text(plain)).toBe(css);
    const refused = await c.request(req("/files/site.css", { "Accept-Encoding": "br;q=0, gzip;q=0" }));
    expect(text(refused)).toBe(css);
    const onlyGz = await c.request(req("/files/only-gz.js", { "Accept-Encoding": "br" }));
    expect(header(onlyGz, "content-encoding")).toBeUndefined();
    // A range of the chosen encoding.
    const range = await c.request(req("/files/site.css", { "Accept-Encoding": "gzip", Range: "bytes=0-1" }));
    expect(range.status).toBe(206);
    expect([...range.body]).toEqual([0x1f, 0x8b]);
  });

  test.each([
    ["/files/../secret.txt", 404],
    ["/files/sub/../../secret.txt", 404],
    ["/files/%2e%2e/secret.txt", 404],
    ["/files/..%2fsecret.txt", 400],
    ["/files/..%2Fsecret.txt", 400],
    ["/files/..%5csecret.txt", 400],
    ["/files/..\\secret.txt", 400],
    ["/files/hello.txt%00.css", 400],
    ["/files/link-out.txt", 404],
    ["/files/dir-out/secret.txt", 404],
    ["/files//etc/passwd", 404],
    ["/files/nothing-here", 404],
    ["/elsewhere", 404],
  ])("%s is refused (%d), never the file outside", async (target, status) => {
    for (const s of [server(), fallback()]) {
      const c = await RawClient.connect(s.port);
      const res = await c.request(`GET ${target} HTTP/1.1\r\nHost: a\r\n\r\n`);
      expect(text(res)).not.toContain("SECRET");
      expect(text(res)).not.toContain("root:");
      // Without a fallback: the status; with one: the fallback answers instead.
      if (target.includes("\\")) expect(res.status).toBe(400); // tsgi's parser refuses a raw backslash itself
      else if (s === server()) expect(res.status).toBe(status);
      else expect(text(res)).toMatch(/^fallback /);
    }
  });

  test("requests outside the prefix go to the fallback; files are still served", async () => {
    const c = await RawClient.connect(fallback().port);
    expect(text(await c.request(get("/api/x")))).toBe("fallback /api/x");
    expect(text(await c.request(get("/files/hello.txt")))).toBe(hello.toString());
  });

  test("the runtime's own file path: sendfile(2) on Bun, Deno's resource pipe on Deno (1 MiB and more), one read behind the head on Node (256 KiB and less)", async () => {
    const s = fallback();
    const mark = s.stderrMark();
    const c = await RawClient.connect(s.port);
    const whole = await c.request(get("/files/pattern.bin"));
    expect(header(whole, "content-length")).toBe(String(pattern.length));
    expect(whole.body.equals(pattern)).toBe(true);
    const tail = await c.request(req("/files/pattern.bin", { Range: "bytes=1000000-" }));
    expect(tail.body.equals(pattern.subarray(1000000))).toBe(true);
    const middle = await c.request(req("/files/pattern.bin", { Range: "bytes=1000-1999" }));
    expect(middle.body.equals(pattern.subarray(1000, 2000))).toBe(true);
    // A pipelined pair: the second response follows the file's bytes exactly.
    const pair = await c.request(get("/files/pattern.bin") + get("/files/hello.txt"));
    expect(pair.body.equals(pattern)).toBe(true);
    expect((await c.readResponse()).body.equals(hello)).toBe(true);
    await c.request(get("/mark"));
    await s.waitForStderr(/^tsgi-test: mark$/, mark);
    const lines = s.stderr().split("\n").slice(mark).filter((l) => l.includes("/files/pattern.bin: ") && l.includes("sent from the file")); // earlier tests' lines may arrive late
    const full = pattern.length;
    if (runtime === "node") {
      // node:net has no sendfile (nor any path from a file to a socket that skips JavaScript): the
      // driver reads a small stretch in one go behind its head; the core pulls a larger one.
      const read = "0 of them by fs.read, one write with the head";
      expect(lines).toEqual([`tsgi: debug: GET /files/pattern.bin: 48576 of 48576 bytes sent from the file, ${read}`, `tsgi: debug: GET /files/pattern.bin: 1000 of 1000 bytes sent from the file, ${read}`]);
    } else {
      const how = runtime === "bun" ? "sendfile\\(2\\)" : "Deno's resource pipe \\(op_pipe\\)";
      expect(lines[0]).toMatch(new RegExp(`^tsgi: debug: GET /files/pattern.bin: ${full} of ${full} bytes sent from the file, ${full} of them by ${how}$`));
      // Small stretches: Bun sends them with sendfile; Deno reads them (its pipe costs more to set up
      // below 1 MiB, and it cannot stop before the end of the file).
      expect(lines.some((l) => l.includes(": 48576 of 48576 bytes sent from the file, 48576 of them by "))).toBe(runtime === "bun");
      expect(lines.some((l) => l.includes(": 1000 of 1000 bytes"))).toBe(runtime === "bun");
      expect(lines.filter((l) => l.includes(`${full} of ${full}`))).toHaveLength(2);
    }
  });

  test("over TLS the file arrives intact: Deno pipes it (encrypted in Rust), Bun reads it (sendfile cannot encrypt), Node reads a small one in its driver", async () => {
    const s = await startServer(runtime, `${path.join(tmp, "app.ts")}:withFallback`, {
      args: ["--log-level", "debug", "--certfile", path.join(tmp, "server.pem"), "--keyfile", path.join(tmp, "server.key")],
      listening: new RegExp(`^tsgi: listening on https://127\\.0\\.0\\.1:(\\d+) \\(${runtime}\\)$`),
    });
    try {
      const res = await httpsGet(s.port, "/files/pattern.bin");
      expect(res.status).toBe(200);
      expect(res.body.equals(pattern)).toBe(true);
      const small = await httpsGet(s.port, "/files/hello.txt");
      expect(small.status).toBe(200);
      expect(small.body.equals(hello)).toBe(true);
      await httpsGet(s.port, "/mark");
      await s.waitForStderr(/^tsgi-test: mark$/);
      const lines = s.stderr().split("\n").filter((l) => l.includes("/files/pattern.bin: ") && l.includes("sent from the file"));
      if (runtime === "deno") expect(lines).toEqual([`tsgi: debug: GET /files/pattern.bin: ${pattern.length} of ${pattern.length} bytes sent from the file, ${pattern.length} of them by Deno's resource pipe (op_pipe)`]);
      else expect(lines).toEqual([]);
      const smallLines = s.stderr().split("\n").filter((l) => l.includes("/files/hello.txt: ") && l.includes("sent from the file"));
      if (runtime === "node") expect(smallLines).toEqual([`tsgi: debug: GET /files/hello.txt: ${hello.length} of ${hello.length} bytes sent from the file, 0 of them by fs.read, one write with the head`]);
      else expect(smallLines).toEqual([]);
    } finally {
      await s.stop();
    }
  });

  test("small stretches of a file pipelined to a client that reads late arrive byte for byte (Node: its driver's read waits for the socket to drain)", async () => {
    const sizes = Array.from({ length: 40 }, (_, i) => [1000, 65_536, 100_000, 200_000, 262_144][i % 5]! - (i % 3));
    const c = await RawClient.connect(server().port);
    c.pause();
    await c.write(sizes.map((size, i) => req("/files/pattern.bin", { Range: `bytes=${i * 1000}-${i * 1000 + size - 1}` })).join(""));
    c.resume();
    const responses = await c.readResponses(sizes.length);
    responses.forEach((r, i) => {
      expect(r.status).toBe(206);
      expect(r.body.equals(pattern.subarray(i * 1000, i * 1000 + sizes[i]!))).toBe(true);
    });
    expect(text(await c.request(get("/files/hello.txt")))).toBe(hello.toString());
  });

  test("a file shorter than its file-like object says: the bytes it has, then the connection closes (never a byte that is not in it)", async () => {
    const c = await RawClient.connect(shortFile().port);
    await c.write(get("/any") + get("/again"));
    const closed = await c.untilClosed();
    const headEnd = closed.rest.indexOf("\r\n\r\n") + 4;
    expect(closed.rest.subarray(0, headEnd).toString("latin1")).toMatch(/^HTTP\/1\.1 200 OK\r\n[^]*Content-Length: 8000\r\n/);
    expect(closed.rest.subarray(headEnd).equals(shortBytes)).toBe(true);
    expect(closed.fin).toBe(true);
  });

  test("a client that leaves in the middle of a large file: the file is let go, and the server serves on", async () => {
    const s = server();
    for (let i = 0; i < 3; i++) {
      const c = await RawClient.connect(s.port);
      await c.write(get("/files/big.bin"));
      await c.waitForBytes(4 * 1024 * 1024);
      c.destroy();
    }
    const c = await RawClient.connect(s.port);
    expect((await c.request(get("/files/hello.txt"))).body.equals(hello)).toBe(true);
    // No file handle left open by the abandoned responses (Linux: /proc/PID/fd links).
    const pid = s.proc.child.pid!;
    await pollUntil(
      // Each round is a request to the server (a real wait), then a look at its open files.
      async () => (await c.request(get("/files/hello.txt"))) && readdirSync(`/proc/${pid}/fd`).filter((f) => { try { return readlinkSync(`/proc/${pid}/fd/${f}`).endsWith("big.bin"); } catch { return false; } }).length,
      (open) => open === 0,
      "the abandoned big.bin handles to be closed",
    );
  }, 60_000);

  test("a 200 MB file is served whole with flat memory, and ranges of it from deep offsets", async () => {
    const s = server();
    const c = await RawClient.connect(s.port);
    const mid = await c.request(req("/files/big.bin", { Range: `bytes=${BIG / 2}-${BIG / 2 + MARK.length - 1}` }));
    expect(mid.body.toString("latin1")).toBe(MARK.toString("latin1"));
    const pid = s.proc.child.pid!;
    writeFileSync(`/proc/${pid}/clear_refs`, "5"); // resets VmHWM to the current RSS
    const before = memory(pid);
    await c.write(req("/files/big.bin", { Connection: "close" }));
    c.sink();
    await c.untilClosed(120_000);
    const after = memory(pid);
    const head = `HTTP/1.1 200 OK\r\n`.length;
    expect(c.sunk).toBeGreaterThan(BIG + head);
    expect(c.tail.subarray(-MARK.length).toString("latin1")).toBe(MARK.toString("latin1"));
    const growth = after.peak - before.rss;
    console.log(`${runtime}: RSS ${(before.rss / 2 ** 20).toFixed(1)} MiB before, peak ${(after.peak / 2 ** 20).toFixed(1)} MiB while serving 200 MiB (+${(growth / 2 ** 20).toFixed(1)} MiB)`);
    expect(growth).toBeLessThan(BIG / 4);
  }, 180_000);
});
