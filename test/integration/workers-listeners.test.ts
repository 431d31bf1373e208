// Workers with main's listeners, on every runtime: `-w 2` on two addresses (port 0 each) with TLS
// serves HTTPS on both, from both workers; `-w 2` with no MODULE serves the welcome page and prints
// its hint; `-w 2` with a unix socket is one line and exit 2.
// It must never leave a server running; the certificate lives in a temporary directory.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import https from "node:https";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { RUNTIMES, runCli, startServer } from "../helpers/server.ts";
import { pollUntil } from "../helpers/poll.ts";
import type { Who } from "../helpers/load.ts";

const run = promisify(execFile);
const tmp = mkdtempSync(path.join(tmpdir(), "tsgi-workers-listeners-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const file = (name: string) => path.join(tmp, name);

beforeAll(async () => {
  await run("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "server.key", "-out", "server.pem", "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"], { cwd: tmp });
}, 30_000);

/** One GET over HTTPS trusting the test's certificate (a new connection each time). */
function get(url: string, client: typeof https | typeof http): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const options = client === https ? { agent: false, ca: readFileSync(file("server.pem")) } : { agent: false };
    client
      .get(url, options, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        res.on("error", reject);
      })
      .on("error", reject);
  });
}

describe.each(RUNTIMES)("%s", (runtime) => {
  test("-w 2 on two port-0 addresses with TLS: both answer over HTTPS, from both workers", async () => {
    const listening = new RegExp(`^tsgi: listening on (https://127\\.0\\.0\\.1:\\d+), (https://127\\.0\\.0\\.1:\\d+) \\(${runtime}, 2 workers\\)$`);
    const argv = ["-w", "2", "--certfile", file("server.pem"), "--keyfile", file("server.key"), "test/apps/workers.ts", "-b", "127.0.0.1:0", "-b", "127.0.0.1:0"];
    const server = await startServer(runtime, "", { argv, listening });
    try {
      const urls = listening.exec(server.listeningLine)!.slice(1, 3);
      expect(urls[0]).not.toBe(urls[1]);
      for (const url of urls) {
        const seen = new Set<number>();
        await pollUntil(
          () => get(url, https).catch(() => null),
          (r) => {
            if (r === null || r.status !== 200) return false;
            seen.add((JSON.parse(r.body) as Who).worker);
            return seen.size === 2;
          },
          `answers from workers 0 and 1 on ${url}`,
          20_000,
        );
        expect([...seen].sort()).toEqual([0, 1]);
      }
    } finally {
      expect((await server.stop()).code).toBe(0);
    }
  }, 60_000);

  test("-w 2 with no MODULE: the welcome page, and its hint on stderr", async () => {
    const listening = new RegExp(`^tsgi: listening on http://127\\.0\\.0\\.1:(\\d+) \\(${runtime}, 2 workers\\)$`);
    const server = await startServer(runtime, "", { argv: ["-w", "2", "-b", "127.0.0.1:0"], listening });
    try {
      const r = await get(server.url, http);
      expect(r.status).toBe(200);
      expect(r.body).toContain("tsgi.worker");
      await server.waitForStderr(/^tsgi: no MODULE given, so serving the built-in welcome page/);
    } finally {
      expect((await server.stop()).code).toBe(0);
    }
  }, 60_000);

  test("-w 2 with a unix socket: one line, exit 2", async () => {
    const r = await runCli(runtime, ["-w", "2", "test/apps/workers.ts", "-b", `unix:${file("w.sock")}`]);
    expect(r.code).toBe(2);
    expect(r.stderrLines).toEqual([`tsgi: error: --workers above 1 or --reload cannot listen on unix:${file("w.sock")}: workers serve TCP addresses only; run one process per unix socket`]);
  }, 30_000);
});
