// Real HTTP clients against every runtime's server: Node's fetch, curl, ApacheBench (ab -k),
// Python's urllib, Bun's fetch and Deno's fetch (one-line scripts run with the repo's binaries).
// It must never skip silently when a client is missing (ab must be installed: apache2-utils), and
// only ever talk to 127.0.0.1.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { randomBytes, createHash } from "node:crypto";
import { afterAll, describe, expect, test } from "vitest";
import { BUN, DENO, ROOT, RUNTIMES, useServer } from "../helpers/server.ts";

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run a program to completion (safety net: killed after `ms`). */
function run(file: string, args: string[], opts: { env?: NodeJS.ProcessEnv; input?: Buffer; ms?: number } = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      { cwd: ROOT, env: { ...process.env, NO_COLOR: "1", ...opts.env }, timeout: opts.ms ?? 30_000, maxBuffer: 64 * 1024 * 1024, encoding: "utf8" },
      (err, stdout, stderr) => {
        if (err?.code === "ENOENT") {
          reject(new Error(`${file} is not installed`));
          return;
        }
        resolve({ code: err ? (typeof err.code === "number" ? err.code : null) : 0, stdout, stderr });
      },
    );
    if (opts.input) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}

const tmp = mkdtempSync(path.join(tmpdir(), "tsgi-clients-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const sha256 = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");

describe.each(RUNTIMES)("real clients (%s)", (runtime) => {
  const stream = useServer(runtime, "test/apps/stream.ts");
  const body = useServer(runtime, "test/apps/body.ts");

  test("Node fetch: GET a chunked stream, a known body, and HEAD", async () => {
    const r = await fetch(`${stream().url}/gen?n=3`);
    expect(r.status).toBe(200);
    expect(r.headers.get("transfer-encoding")).toBe("chunked");
    expect(await r.text()).toBe("chunk 1\nchunk 2\nchunk 3\n");
    const a = await fetch(`${stream().url}/array`);
    expect(a.headers.get("content-length")).toBe("3");
    expect(await a.text()).toBe("abc");
    const h = await fetch(`${stream().url}/head`, { method: "HEAD" });
    expect(h.headers.get("content-length")).toBe("10");
    expect(await h.text()).toBe("");
  });

  test("Node fetch: POST a body and a streamed (chunked) body", async () => {
    const data = randomBytes(300_000);
    const r = await fetch(`${body().url}/whole`, { method: "POST", body: data });
    expect(Buffer.from(await r.arrayBuffer()).equals(data)).toBe(true);
    const parts = [Buffer.from("streamed "), Buffer.from("request "), Buffer.from("body")];
    const streamed = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const p of parts) controller.enqueue(p);
        controller.close();
      },
    });
    const s = await fetch(`${body().url}/whole`, { method: "POST", body: streamed, duplex: "half" } as RequestInit & { duplex: "half" });
    expect(s.headers.get("x-content-length")).toBe("");
    expect(await s.text()).toBe("streamed request body");
  });

  test("Node fetch: 50 requests in parallel", async () => {
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => fetch(`${stream().url}/p/${i}`).then((r) => r.text())));
    expect(results).toEqual(Array.from({ length: 50 }, (_, i) => `GET /p/${i}`));
  });

  test("curl: GET, and a second URL reuses the connection", async () => {
    const r = await run("curl", ["-sS", "-w", "\\n%{http_code} %{num_connects}\\n", `${stream().url}/a`, `${stream().url}/gen?n=2`]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("GET /a\n200 1\nchunk 1\nchunk 2\n\n200 0\n");
  });

  test("curl: POST a file, chunked upload from stdin, Expect: 100-continue", async () => {
    const data = randomBytes(200_000);
    const file = path.join(tmp, `up-${runtime}.bin`);
    writeFileSync(file, data);
    const byLength = await run("curl", ["-sS", "--data-binary", `@${file}`, `${body().url}/sha/whole`]);
    expect(JSON.parse(byLength.stdout)).toEqual({ length: data.length, sha256: sha256(data) });
    const chunked = await run("curl", ["-sS", "-H", "Transfer-Encoding: chunked", "--data-binary", "@-", `${body().url}/sha/whole`], { input: data });
    expect(JSON.parse(chunked.stdout)).toEqual({ length: data.length, sha256: sha256(data) });
    const expect100 = await run("curl", ["-sS", "-v", "-H", "Expect: 100-continue", "--data-binary", `@${file}`, `${body().url}/sha/whole`]);
    expect(expect100.stderr).toContain("< HTTP/1.1 100 Continue");
    expect(JSON.parse(expect100.stdout)).toEqual({ length: data.length, sha256: sha256(data) });
  });

  test("curl: HTTP/1.0", async () => {
    const r = await run("curl", ["-sS", "--http1.0", "-i", `${stream().url}/gen?n=2`]);
    expect(r.stdout).toMatch(/^HTTP\/1\.[01] 200 OK\r\n/);
    expect(r.stdout.toLowerCase()).not.toContain("transfer-encoding");
    expect(r.stdout.endsWith("\r\n\r\nchunk 1\nchunk 2\n")).toBe(true);
  });

  test("ApacheBench: ab -k -n 200 -c 4, all complete over keep-alive", async () => {
    let r: Ran;
    try {
      r = await run("ab", ["-k", "-n", "200", "-c", "4", `${stream().url}/array`], { ms: 60_000 });
    } catch (err) {
      throw new Error(`ApacheBench (ab) is required for this test: install it with \`apt-get install apache2-utils\` (${String(err)})`);
    }
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Complete requests:\s+200\n/);
    expect(r.stdout).toMatch(/Failed requests:\s+0\n/);
    expect(r.stdout).toMatch(/Keep-Alive requests:\s+200\n/);
    expect(r.stdout).not.toMatch(/Non-2xx responses/);
    expect(r.stdout).toMatch(/Document Length:\s+3 bytes/);
  });

  test("Python urllib: GET and POST", async () => {
    const script = [
      "import sys, urllib.request",
      "r = urllib.request.urlopen(sys.argv[1])",
      "print(r.status, r.read().decode())",
      "r = urllib.request.urlopen(urllib.request.Request(sys.argv[2], data=b'from python'))",
      "print(r.status, r.read().decode())",
    ].join("\n");
    const r = await run("python3", ["-c", script, `${stream().url}/gen?n=2`, `${body().url}/whole`]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("200 chunk 1\nchunk 2\n\n200 from python\n");
  });

  test("Bun's fetch: GET and POST", async () => {
    const script =
      "const a = await fetch(process.env.GET_URL); const b = await fetch(process.env.POST_URL, { method: 'POST', body: 'from bun' });" +
      "console.log(JSON.stringify([a.status, await a.text(), b.status, await b.text()]));";
    const r = await run(BUN, ["-e", script], { env: { GET_URL: `${stream().url}/gen?n=2`, POST_URL: `${body().url}/whole` } });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([200, "chunk 1\nchunk 2\n", 200, "from bun"]);
  });

  test("Deno's fetch: GET and POST", async () => {
    const script =
      "const a = await fetch(Deno.env.get('GET_URL')); const b = await fetch(Deno.env.get('POST_URL'), { method: 'POST', body: 'from deno' });" +
      "console.log(JSON.stringify([a.status, await a.text(), b.status, await b.text()]));";
    const r = await run(DENO, ["eval", script], { env: { GET_URL: `${stream().url}/gen?n=2`, POST_URL: `${body().url}/whole`, DENO_NO_UPDATE_CHECK: "1" } });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([200, "chunk 1\nchunk 2\n", 200, "from deno"]);
  });
});
