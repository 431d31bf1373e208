// Listeners on every runtime, with real processes, sockets and curl: several -b at once (each
// connection sees the SERVER_NAME/SERVER_PORT of the listener it came through; REMOTE_ADDR and
// REMOTE_PORT empty on a unix socket), IPv6 ([::1] and dual-stack [::]), a stale unix socket file
// replaced, a live one or a plain file refused with one line, the socket file removed on stop,
// --umask and --socket-mode, --backlog, and fd://N (Node adopts it; Bun and Deno refuse it).
// It must never leave a server running or a socket file behind in the repository.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { RUNTIMES, type Runtime, type Server, runCli, startServer } from "../helpers/server.ts";

const run = promisify(execFile);
const tmp = mkdtempSync(path.join(tmpdir(), "tsgi-listen-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const APP = "test/apps/environ.ts";
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

type Env = Record<string, unknown>;

/** The environ the app saw, fetched with curl (extra arguments before the URL). */
async function environ(url: string, ...curlArgs: string[]): Promise<Env> {
  const { stdout } = await run("curl", ["-sS", "--max-time", "15", "-g", ...curlArgs, url]);
  return JSON.parse(stdout) as Env;
}

/** Whether this machine has a loopback IPv6 address to listen on. */
async function ipv6Loopback(): Promise<string | null> {
  return await new Promise((resolve) => {
    const s = net.createServer();
    s.once("error", (err) => resolve(err.message));
    s.listen({ host: "::1", port: 0 }, () => s.close(() => resolve(null)));
  });
}

/** A unix socket file with nothing listening on it, as a server killed with SIGKILL leaves behind. */
async function staleSocket(file: string): Promise<void> {
  await run("python3", ["-c", "import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])", file]);
  expect(statSync(file).isSocket()).toBe(true);
}

let noIpv6: string | null = null;
beforeAll(async () => {
  noIpv6 = await ipv6Loopback();
  if (noIpv6 !== null) console.log(`listeners: IPv6 tests skipped: cannot listen on ::1 here (${noIpv6})`);
});

describe.each(RUNTIMES)("listeners (%s)", (runtime: Runtime) => {
  test("two -b listeners at once (TCP and a unix socket): the ready line lists both, each connection sees its own listener", async () => {
    const sock = path.join(tmp, `${runtime}-two.sock`);
    const s = await startServer(runtime, APP, {
      argv: [APP, "-b", "127.0.0.1:0", "-b", `unix:${sock}`],
      listening: new RegExp(`^tsgi: listening on http://127\\.0\\.0\\.1:(\\d+), unix:${escape(sock)} \\(${runtime}\\)$`),
    });
    const port = /:(\d+),/.exec(s.listeningLine)![1]!;
    try {
      const tcp = await environ(`http://127.0.0.1:${port}/tcp`);
      expect(tcp).toMatchObject({ SERVER_NAME: "127.0.0.1", SERVER_PORT: port, REMOTE_ADDR: "127.0.0.1", PATH_INFO: "/tcp", "wsgi.url_scheme": "http" });
      expect(tcp.REMOTE_PORT).toMatch(/^[1-9]\d*$/);
      const unix = await environ("http://localhost/unix", "--unix-socket", sock);
      expect(unix).toMatchObject({ SERVER_NAME: sock, SERVER_PORT: "", REMOTE_ADDR: "", REMOTE_PORT: "", PATH_INFO: "/unix" });
      // And the TCP listener again, after the unix one: nothing is shared between them.
      expect(await environ(`http://127.0.0.1:${port}/again`)).toMatchObject({ SERVER_PORT: port, REMOTE_ADDR: "127.0.0.1" });
    } finally {
      expect((await s.stop()).code).toBe(0);
    }
    expect(existsSync(sock), "the socket file is removed on stop").toBe(false);
  });

  test("a second listener that cannot listen: one line, exit 1, and the first one's socket file is removed", async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen({ host: "127.0.0.1", port: 0 }, resolve));
    const taken = (blocker.address() as net.AddressInfo).port;
    const sock = path.join(tmp, `${runtime}-first.sock`);
    try {
      const r = await runCli(runtime, [APP, "-b", `unix:${sock}`, "-b", `127.0.0.1:${taken}`]);
      expect(r.stderrLines.filter((l) => l !== "")).toEqual([`tsgi: error: cannot listen on 127.0.0.1:${taken}: address in use`]);
      expect(r.code).toBe(1);
      expect(existsSync(sock)).toBe(false);
    } finally {
      blocker.close();
    }
  });

  test("IPv6: [::1]:0 is listened on and reported in brackets; SERVER_NAME and REMOTE_ADDR are ::1", async (ctx) => {
    if (noIpv6 !== null) ctx.skip();
    const s = await startServer(runtime, APP, { bind: "[::1]:0", listening: new RegExp(`^tsgi: listening on http://\\[::1\\]:(\\d+) \\(${runtime}\\)$`) });
    try {
      const env = await environ(`http://[::1]:${s.port}/six`);
      expect(env).toMatchObject({ SERVER_NAME: "::1", SERVER_PORT: String(s.port), REMOTE_ADDR: "::1", PATH_INFO: "/six" });
    } finally {
      await s.stop();
    }
  });

  test("IPv6: [::]:0 takes IPv4 clients too where the OS makes it dual-stack; their REMOTE_ADDR is plain IPv4", async (ctx) => {
    if (noIpv6 !== null) ctx.skip();
    const v6only = existsSync("/proc/sys/net/ipv6/bindv6only") ? readFileSync("/proc/sys/net/ipv6/bindv6only", "utf8").trim() : "unknown";
    const s = await startServer(runtime, APP, { bind: "[::]:0", listening: new RegExp(`^tsgi: listening on http://\\[::\\]:(\\d+) \\(${runtime}\\)$`) });
    try {
      expect(await environ(`http://[::1]:${s.port}/`)).toMatchObject({ SERVER_NAME: "::", REMOTE_ADDR: "::1" });
      if (v6only !== "0") {
        console.log(`listeners: dual-stack part skipped: net.ipv6.bindv6only is ${v6only}`);
        return;
      }
      expect(await environ(`http://127.0.0.1:${s.port}/`)).toMatchObject({ SERVER_NAME: "::", SERVER_PORT: String(s.port), REMOTE_ADDR: "127.0.0.1" });
    } finally {
      await s.stop();
    }
  });

  test("a stale unix socket file (nothing listens on it) is replaced", async () => {
    const sock = path.join(tmp, `${runtime}-stale.sock`);
    await staleSocket(sock);
    const s = await startServer(runtime, APP, { bind: `unix:${sock}`, listening: new RegExp(`^tsgi: listening on unix:${escape(sock)} \\(${runtime}\\)$`) });
    try {
      expect(await environ("http://localhost/after-stale", "--unix-socket", sock)).toMatchObject({ PATH_INFO: "/after-stale", REMOTE_ADDR: "" });
    } finally {
      await s.stop();
    }
    expect(existsSync(sock)).toBe(false);
  });

  test("a live unix socket (another process listens on it) is refused with one line, exit 1, and left alone", async () => {
    const sock = path.join(tmp, `${runtime}-live.sock`);
    const other = net.createServer((c) => {
      c.on("error", () => {}); // the probe of a starting server connects and goes away at once
      c.end("other server\n");
    });
    await new Promise<void>((resolve) => other.listen({ path: sock }, resolve));
    try {
      const r = await runCli(runtime, [APP, "-b", `unix:${sock}`]);
      expect(r.stderrLines.filter((l) => l !== "")).toEqual([`tsgi: error: cannot listen on unix:${sock}: another process is listening on it`]);
      expect(r.code).toBe(1);
      // The other server still answers on its file.
      const answer = await new Promise<string>((resolve, reject) => {
        const c = net.connect({ path: sock });
        let got = "";
        c.setEncoding("utf8").on("data", (d: string) => (got += d));
        c.on("end", () => resolve(got));
        c.on("error", reject);
      });
      expect(answer).toBe("other server\n");
    } finally {
      await new Promise<void>((resolve) => other.close(() => resolve()));
    }
  });

  test("a unix socket path that names a regular file is refused, and the file is kept", async () => {
    const file = path.join(tmp, `${runtime}-plain-file`);
    writeFileSync(file, "keep me\n");
    const r = await runCli(runtime, [APP, "-b", `unix:${file}`]);
    expect(r.stderrLines.filter((l) => l !== "")).toEqual([`tsgi: error: cannot listen on unix:${file}: the file exists and is not a socket`]);
    expect(r.code).toBe(1);
    expect(readFileSync(file, "utf8")).toBe("keep me\n");
  });

  test("--socket-mode sets the socket file's mode; --umask the mode it is created with", async () => {
    const a = path.join(tmp, `${runtime}-mode.sock`);
    const b = path.join(tmp, `${runtime}-umask.sock`);
    const s1 = await startServer(runtime, APP, { argv: ["--socket-mode", "600", APP, "-b", `unix:${a}`], listening: /^tsgi: listening on unix:/ });
    const s2 = await startServer(runtime, APP, { argv: ["--umask", "077", APP, "-b", `unix:${b}`], listening: /^tsgi: listening on unix:/ });
    try {
      expect((statSync(a).mode & 0o777).toString(8)).toBe("600");
      expect((statSync(b).mode & 0o077).toString(8)).toBe("0");
      expect(await environ("http://localhost/m", "--unix-socket", a)).toMatchObject({ PATH_INFO: "/m" });
    } finally {
      await s1.stop();
      await s2.stop();
    }
  });

  test("--backlog: Node sets it (ss shows it on the listening socket); Bun and Deno say they cannot and serve", async () => {
    const s: Server = await startServer(runtime, APP, { args: ["--backlog", "77"] });
    try {
      if (runtime === "node") {
        const { stdout } = await run("ss", ["-ltnH", `sport = :${s.port}`]);
        // For a listening socket, ss's Send-Q column is the backlog.
        expect(stdout.trim().split(/\s+/)[2]).toBe("77");
      } else {
        await s.waitForStderr(new RegExp(`^tsgi: warning: --backlog is ignored on ${runtime === "bun" ? "Bun" : "Deno"} \\(`));
      }
      expect(await environ(`${s.url}/b`)).toMatchObject({ PATH_INFO: "/b" });
    } finally {
      await s.stop();
    }
  });

  test("fd://3: an inherited listening socket is adopted on Node, refused with one line on Bun and Deno", async () => {
    const parent = net.createServer();
    await new Promise<void>((resolve) => parent.listen({ host: "127.0.0.1", port: 0 }, resolve));
    const port = (parent.address() as net.AddressInfo).port;
    const fd = (parent as unknown as { _handle: { fd: number } })._handle.fd;
    try {
      if (runtime !== "node") {
        const r = await runCli(runtime, [APP, "-b", "fd://3"], undefined, { inherit: [fd] });
        const name = runtime === "bun" ? "Bun" : "Deno";
        expect(r.stderrLines.filter((l) => l !== "")).toEqual([
          `tsgi: error: cannot listen on fd://3: ${name} cannot adopt an inherited socket (${name}.listen takes a host and port or a unix path, not a file descriptor); use Node`,
        ]);
        expect(r.code).toBe(1);
        return;
      }
      const s = await startServer(runtime, APP, { bind: "fd://3", spawn: { inherit: [fd] }, listening: new RegExp(`^tsgi: listening on http://127\\.0\\.0\\.1:${port} \\(node\\)$`) });
      // The test process lets go of its copy, so only the server can accept on the socket.
      await new Promise<void>((resolve) => parent.close(() => resolve()));
      try {
        expect(await environ(`http://127.0.0.1:${port}/inherited`)).toMatchObject({ SERVER_NAME: "127.0.0.1", SERVER_PORT: String(port), PATH_INFO: "/inherited" });
      } finally {
        await s.stop();
      }
    } finally {
      if (parent.listening) parent.close();
    }
  });
});
