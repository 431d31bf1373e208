// A real nginx (Debian's package) in front of tsgi on every runtime, started by the test as its own
// process with a generated config (its own prefix, temp dirs and error log; loopback ports only):
// HTTP/1.1 upstreams with keep-alive, over TCP and over a unix socket; X-Forwarded-For and
// X-Forwarded-Proto set by nginx reach the app as HTTP_X_FORWARDED_FOR / _PROTO (what the app sees
// and, nginx being a trusted proxy on loopback or a unix socket, as REMOTE_ADDR); a chunked upload and a streamed response
// pass through it. Skipped, with the reason printed, where there is no nginx binary.
// It must never leave nginx or a server running: both are stopped in afterAll, killed if need be.
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { accepts, freePort, NGINX, nginxConfig } from "../helpers/nginx.ts";
import { pollUntil } from "../helpers/poll.ts";
import { Proc, RUNTIMES, type Runtime, type Server, startServer } from "../helpers/server.ts";

const run = promisify(execFile);
if (NGINX === null) console.log("nginx tests skipped: no nginx binary (apt-get install nginx; .ci/run does)");

const APP = "test/apps/proxied.ts";

function frontConfig(dir: string, port: number, upstreamPort: number, sock: string): string {
  const proxy = (upstream: string) => `
      proxy_pass http://${upstream}/;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_request_buffering off;
      proxy_buffering off;`;
  return nginxConfig(
    dir,
    `
  upstream tsgi_tcp { server 127.0.0.1:${upstreamPort}; keepalive 4; }
  upstream tsgi_unix { server unix:${sock}; keepalive 4; }
  server {
    listen 127.0.0.1:${port};
    client_max_body_size 16m;
    location /tcp/ {${proxy("tsgi_tcp")}
    }
    location /unix/ {${proxy("tsgi_unix")}
    }
  }`,
  );
}

/** nginx on a free loopback port in front of `upstreamPort` and `sock`; resolves once it accepts. */
async function startNginx(dir: string, upstreamPort: number, sock: string): Promise<{ proc: Proc; port: number }> {
  mkdirSync(dir, { recursive: true });
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    writeFileSync(path.join(dir, "nginx.conf"), frontConfig(dir, port, upstreamPort, sock));
    const proc = new Proc(NGINX!, ["-p", dir, "-c", path.join(dir, "nginx.conf"), "-e", path.join(dir, "error.log")]);
    try {
      await pollUntil(() => accepts(port), (ok) => ok || proc.exitInfo !== null, `nginx on port ${port}`);
    } catch (err) {
      proc.kill();
      throw err;
    }
    if (proc.exitInfo === null) return { proc, port };
    // The port was taken between freePort() and nginx's bind: try another one.
    const log = existsSync(path.join(dir, "error.log")) ? readFileSync(path.join(dir, "error.log"), "utf8") : "";
    if (attempt >= 2 || !/Address already in use/.test(log)) throw new Error(`nginx did not start: ${proc.stderr.text}\n${log}`);
  }
}

type Env = Record<string, string>;

/** The inodes of the established connections accepted on the unix socket `sock` (ss -x). */
async function serverEnds(sock: string): Promise<string[]> {
  const { stdout } = await run("ss", ["-xH", "state", "established", "src", sock]);
  return stdout.split("\n").filter((l) => l.trim() !== "").map((l) => l.trim().split(/\s+/)[4]!);
}

async function curl(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return await run("curl", ["-sS", "--max-time", "20", ...args], { maxBuffer: 16 * 1024 * 1024 });
}

describe.skipIf(NGINX === null).each(RUNTIMES)("nginx in front (%s)", (runtime: Runtime) => {
  let dir = "";
  let sock = "";
  let server: Server | undefined;
  let nginx: { proc: Proc; port: number } | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), `tsgi-nginx-${runtime}-`));
    sock = path.join(dir, "tsgi.sock");
    server = await startServer(runtime, APP, {
      argv: [APP, "-b", "127.0.0.1:0", "-b", `unix:${sock}`],
      listening: new RegExp(`^tsgi: listening on http://127\\.0\\.0\\.1:(\\d+), unix:\\S+ \\(${runtime}\\)$`),
    });
    const upstreamPort = Number(/:(\d+),/.exec(server.listeningLine)![1]);
    nginx = await startNginx(path.join(dir, "nginx"), upstreamPort, sock);
  }, 40_000);

  afterAll(async () => {
    if (nginx !== undefined) {
      nginx.proc.kill("SIGQUIT");
      await nginx.proc.waitExit().catch(() => nginx!.proc.kill());
    }
    await server?.stop();
    if (dir !== "") rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  const url = (p: string) => `http://127.0.0.1:${nginx!.port}${p}`;

  test.each(["tcp", "unix"] as const)("over %s: X-Forwarded-For / -Proto from nginx reach the app; the upstream connection is kept alive", async (via) => {
    const first = JSON.parse((await curl("-H", "X-Forwarded-For: 192.0.2.7", url(`/${via}/env`))).stdout) as Env;
    expect(first).toMatchObject({ PATH_INFO: "/env", SERVER_PROTOCOL: "HTTP/1.1", HTTP_X_FORWARDED_FOR: "192.0.2.7, 127.0.0.1", HTTP_X_FORWARDED_PROTO: "http" });
    expect(first).not.toHaveProperty("HTTP_CONNECTION");
    if (via === "unix") {
      // nginx is trusted (a unix socket peer): the client it names is REMOTE_ADDR; the socket's peer has no address.
      expect(first).toMatchObject({ REMOTE_ADDR: "192.0.2.7", REMOTE_PORT: "", "tsgi.peer_addr": "", "tsgi.peer_port": "", SERVER_NAME: sock, SERVER_PORT: "" });
      // nginx's upstream keep-alive: the server's end of the connection (its inode, from ss) stays the same, and open, across requests.
      const inodes = new Set<string>(await serverEnds(sock));
      for (let i = 0; i < 3; i++) {
        await curl(url("/unix/env"));
        for (const inode of await serverEnds(sock)) inodes.add(inode);
      }
      expect(inodes.size).toBe(1);
    } else {
      // nginx on loopback is trusted: the client it names is REMOTE_ADDR; the socket's peer is nginx.
      expect(first).toMatchObject({ REMOTE_ADDR: "192.0.2.7", REMOTE_PORT: "", "tsgi.peer_addr": "127.0.0.1", SERVER_NAME: "127.0.0.1" });
      // nginx's upstream keep-alive: later requests come over the same connection (the same peer port).
      const ports = new Set<string>([first["tsgi.peer_port"] as string]);
      for (let i = 0; i < 3; i++) ports.add((JSON.parse((await curl(url("/tcp/env"))).stdout) as Env)["tsgi.peer_port"] as string);
      expect(ports.size).toBe(1);
    }
  });

  test.each(["tcp", "unix"] as const)("over %s: a chunked upload passes through whole", async (via) => {
    const body = randomBytes(300_000);
    const file = path.join(dir, `upload-${via}.bin`);
    writeFileSync(file, body);
    const { stdout } = await curl("-H", "Transfer-Encoding: chunked", "-H", "Content-Type: application/octet-stream", "--data-binary", `@${file}`, url(`/${via}/upload`));
    const answer = JSON.parse(stdout) as { length: number; sha256: string; contentLength: string; transferEncoding: string | null };
    expect(answer.length).toBe(body.length);
    expect(answer.sha256).toBe(createHash("sha256").update(body).digest("hex"));
    // nginx forwards a chunked request body chunked (proxy_request_buffering off, HTTP/1.1).
    expect(answer.transferEncoding).toBe("chunked");
    expect(answer.contentLength).toBe("");
  });

  test.each(["tcp", "unix"] as const)("over %s: a streamed response passes through whole and chunked", async (via) => {
    const { stdout } = await curl("-D", "-", url(`/${via}/stream?n=200`));
    const [head, body] = stdout.split("\r\n\r\n", 2) as [string, string];
    expect(head).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(head.toLowerCase()).toContain("transfer-encoding: chunked");
    expect(body).toBe(Array.from({ length: 200 }, (_, i) => `line ${i + 1}\n`).join(""));
  });
});
