// SIGHUP under keep-alive load with net.ipv4.tcp_migrate_req on, in a network namespace the test
// makes (sysctls of net.ipv4 are per namespace; loopback only): tsgi -w 2 and the load generator
// (test/helpers/load-process.ts, bundled with esbuild, run by node) both run inside it through
// `ip netns exec`; then again through nginx (inside too, with an upstream keepalive pool). With the
// kernel moving a closing SO_REUSEPORT listener's backlog to the new listeners, no request may fail
// on any runtime, Bun and Deno included (outside, the other worker tests accept resets of new
// connections there). Needs root (CI runs as root); skipped, with the
// reason printed, where a namespace cannot be made. The namespace is removed afterwards, on failure
// too. It never waits on a clock: it waits for the processes' lines.
import { execFile, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type ExitInfo, LOG_MS, Proc, ROOT, RUNTIMES, type Runtime, START_MS, command } from "../helpers/server.ts";
import { NGINX, keepaliveProxyConfig } from "../helpers/nginx.ts";
import { pollUntil } from "../helpers/poll.ts";

const NS = `tsgi-test-${process.pid}`;
/** nginx's port inside the namespace (the test's own: nothing else listens there). */
const NGINX_PORT = 8080;

function ip(...args: string[]): { ok: boolean; why: string } {
  const r = spawnSync("ip", args, { encoding: "utf8" });
  return { ok: r.status === 0, why: (r.error?.message ?? r.stderr ?? "").trim() };
}

function removeNamespace(): void {
  spawnSync("ip", ["netns", "delete", NS]);
}

/** Makes the namespace (loopback up, tcp_migrate_req on); null when done, else why it cannot be. */
function makeNamespace(): string | null {
  if (process.platform !== "linux") return "not Linux";
  if (process.getuid?.() !== 0) return "not root (ip netns add needs CAP_SYS_ADMIN)";
  const add = ip("netns", "add", NS);
  if (!add.ok) return `ip netns add failed: ${add.why}`;
  process.on("exit", removeNamespace); // also when the run is cut short
  const lo = ip("netns", "exec", NS, "ip", "link", "set", "lo", "up");
  if (!lo.ok) return `loopback up failed: ${lo.why}`;
  const sysctl = ip("netns", "exec", NS, "sysctl", "-w", "net.ipv4.tcp_migrate_req=1");
  if (!sysctl.ok) return `sysctl net.ipv4.tcp_migrate_req=1 failed (kernel older than 5.14?): ${sysctl.why}`;
  return null;
}

const why = makeNamespace();
if (why !== null) {
  removeNamespace();
  console.log(`tcp_migrate_req namespace test skipped: ${why}`);
}

const tmp = mkdtempSync(path.join(tmpdir(), "tsgi-netns-"));
const LOAD = path.join(tmp, "load-process.mjs");

beforeAll(() => {
  if (why !== null) return;
  const r = spawnSync(path.join(ROOT, "node_modules/.bin/esbuild"), ["test/helpers/load-process.ts", "--bundle", "--platform=node", "--format=esm", `--outfile=${LOAD}`, "--log-level=warning"], { cwd: ROOT, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`bundling the load generator failed: ${r.stderr}`);
});

afterAll(() => {
  if (why === null) removeNamespace();
  rmSync(tmp, { recursive: true, force: true });
});

interface Progress {
  done: boolean;
  ok: number;
  retried: number;
  failures: string[];
  last: { generation: number; version?: string } | null;
}

const source = (version: string): string =>
  `export default function app(environ, startResponse) {\n` +
  `  startResponse("200 OK", [["Content-Type", "application/json"]]);\n` +
  `  return [new TextEncoder().encode(JSON.stringify({ worker: environ["tsgi.worker"], generation: environ["tsgi.generation"], multiprocess: environ["wsgi.multiprocess"], pid: process.pid, version: ${JSON.stringify(version)} }))];\n` +
  `}\n`;

/** A request from inside the namespace (curl under ip netns exec): whether `url` answered 200. */
function answersInside(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    execFile("ip", ["netns", "exec", NS, "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5", url], (_err, stdout) => resolve(stdout === "200"));
  });
}

/**
 * tsgi -w 2 in the namespace, a keep-alive load from inside it (through nginx, also inside, when
 * `viaNginx`), SIGHUP with changed code; returns the load's final counts once the new code answered.
 */
async function reloadUnderLoad(runtime: Runtime, viaNginx: boolean): Promise<{ stats: Progress | undefined; exit: ExitInfo; stderr: string }> {
  const file = path.join(tmp, `app-${runtime}-${viaNginx ? "nginx" : "direct"}.mjs`);
  writeFileSync(file, source("old"));
  const { file: bin, argv } = command(runtime, ["-w", "2", file, "-b", "127.0.0.1:0"]);
  const server = new Proc("ip", ["netns", "exec", NS, bin, ...argv]);
  let nginx: Proc | undefined;
  let load: Proc | undefined;
  let stats: Progress | undefined;
  try {
    const line = await server.stdout.waitFor(new RegExp(`^tsgi: listening on http://127\\.0\\.0\\.1:(\\d+) \\(${runtime}, 2 workers\\)$`), 0, START_MS, server.gone, `starting ${runtime} in ${NS}`);
    const port = Number(/:(\d+) \(/.exec(line)![1]);
    let url = `http://127.0.0.1:${port}/`;
    if (viaNginx) {
      // The namespace is the test's own: any port is free in it.
      const dir = path.join(tmp, `nginx-${runtime}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, "nginx.conf"), keepaliveProxyConfig(dir, NGINX_PORT, port));
      nginx = new Proc("ip", ["netns", "exec", NS, NGINX!, "-p", dir, "-c", path.join(dir, "nginx.conf"), "-e", path.join(dir, "error.log")]);
      url = `http://127.0.0.1:${NGINX_PORT}/`;
      await pollUntil(() => answersInside(url), (ok) => ok || nginx!.exitInfo !== null, "nginx in the namespace");
      if (nginx.exitInfo !== null) throw new Error(`nginx did not start: ${nginx.stderr.text}`);
    }
    load = new Proc("ip", ["netns", "exec", NS, process.execPath, LOAD, url, "4"]);
    const loadProc = load;
    let seen = 0;
    /** The load's next progress line (one per 50 answers). */
    const next = async (): Promise<Progress> => {
      const l = await loadProc.stdout.waitFor(/^\{/, seen, LOG_MS, loadProc.gone, "the load's progress");
      seen = loadProc.stdout.lines.indexOf(l, seen) + 1;
      return JSON.parse(l) as Progress;
    };
    let p = await next();
    while (p.ok < 100) p = await next();
    writeFileSync(file, source("new"));
    const mark = server.stderr.lines.length;
    server.child.kill("SIGHUP");
    await server.stderr.waitFor(/^tsgi: SIGHUP: generation 1 serving; 2 workers of the previous one draining$/, mark, 30_000, server.gone, `${runtime} reload`);
    const okAtReload = p.ok;
    while (!(p.ok > okAtReload + 200 && p.last?.version === "new")) p = await next();
    expect(p.last?.generation).toBe(1);
  } finally {
    if (load !== undefined) {
      load.child.kill("SIGTERM");
      const end = await load.stdout.waitFor(/"done":true/, 0, LOG_MS, load.gone, "the load's final counts").catch(() => null);
      await load.waitExit().catch(() => load!.kill());
      stats = end === null ? undefined : (JSON.parse(end) as Progress);
    }
    if (nginx !== undefined) {
      nginx.child.kill("SIGQUIT");
      await nginx.waitExit().catch(() => nginx!.kill());
    }
    server.child.kill("SIGTERM");
  }
  const exit = await server.waitExit().finally(() => server.kill());
  return { stats, exit, stderr: server.stderr.text };
}

describe.skipIf(why !== null).each(RUNTIMES)("in a network namespace with tcp_migrate_req=1 (%s)", (runtime) => {
  test("SIGHUP under keep-alive load: zero failures, the new code answers", async () => {
    const { stats, exit, stderr } = await reloadUnderLoad(runtime, false);
    console.log(`[workers] ${runtime} SIGHUP in a namespace with tcp_migrate_req=1: ${stats?.ok} ok, ${stats?.retried} retried, ${stats?.failures.length} failed ${JSON.stringify(stats?.failures)}`);
    expect(stats?.failures).toEqual([]);
    expect(exit.code, stderr).toBe(0);
  }, 120_000);

  test.skipIf(NGINX === null)("SIGHUP under keep-alive load through nginx (upstream keepalive pool): zero non-2xx at nginx", async () => {
    const { stats, exit, stderr } = await reloadUnderLoad(runtime, true);
    console.log(`[workers] ${runtime} SIGHUP through nginx in a namespace with tcp_migrate_req=1: ${stats?.ok} ok, ${stats?.retried} retried, ${stats?.failures.length} non-2xx or failed ${JSON.stringify(stats?.failures)}`);
    expect(stats?.failures).toEqual([]);
    expect(exit.code, stderr).toBe(0);
  }, 120_000);
});
