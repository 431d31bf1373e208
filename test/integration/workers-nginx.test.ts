// SIGHUP through a real nginx (Debian's package) on every runtime: tsgi -w 2 behind nginx with an
// upstream keepalive pool, a keep-alive load through nginx, SIGHUP with changed code: zero non-2xx
// answers at nginx, and the new code answers after the reload. nginx retries a request whose cached
// upstream connection closed before any response byte, as the README's reload contract expects.
// On Bun and Deno (SO_REUSEPORT) with net.ipv4.tcp_migrate_req 0, Linux resets connections still
// in a closing listener's backlog: there, and only there, a 502 is accepted when nginx logged that
// reset for a new upstream connection (test/integration/workers-netns.test.ts runs with it on).
// Skipped, with the reason printed, where there is no nginx binary. It never leaves nginx or a
// server running, and never waits on a clock (it polls real requests).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { NGINX, type Nginx, keepaliveProxyConfig, startNginx, stopNginx } from "../helpers/nginx.ts";
import { RUNTIMES, startServer } from "../helpers/server.ts";
import { pollUntil } from "../helpers/poll.ts";
import { startLoad, who } from "../helpers/load.ts";

if (NGINX === null) console.log("nginx reload tests skipped: no nginx binary (apt-get install nginx; .ci/run does)");

const tmp = mkdtempSync(path.join(tmpdir(), "tsgi-workers-nginx-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Whether Linux moves a closing SO_REUSEPORT listener's backlog to another listener. */
function migrateReq(): boolean {
  try {
    return readFileSync("/proc/sys/net/ipv4/tcp_migrate_req", "utf8").trim() === "1";
  } catch {
    return false;
  }
}

const source = (version: string): string =>
  `export default function app(environ, startResponse) {\n` +
  `  startResponse("200 OK", [["Content-Type", "application/json"]]);\n` +
  `  return [new TextEncoder().encode(JSON.stringify({ worker: environ["tsgi.worker"], generation: environ["tsgi.generation"], multiprocess: environ["wsgi.multiprocess"], pid: process.pid, version: ${JSON.stringify(version)} }))];\n` +
  `}\n`;

describe.skipIf(NGINX === null).each(RUNTIMES)("nginx in front of workers (%s)", (runtime) => {
  test("SIGHUP under keep-alive load through nginx (upstream keepalive pool): zero non-2xx at nginx, the new code answers", async () => {
    const dir = mkdtempSync(path.join(tmp, `${runtime}-`));
    const file = path.join(dir, "app.mjs");
    writeFileSync(file, source("old"));
    const server = await startServer(runtime, file, {
      args: ["-w", "2"],
      listening: new RegExp(`^tsgi: listening on http://127\\.0\\.0\\.1:(\\d+) \\(${runtime}, 2 workers\\)$`),
    });
    let nginx: Nginx | undefined;
    let load: ReturnType<typeof startLoad> | undefined;
    try {
      nginx = await startNginx(path.join(dir, "nginx"), (port) => keepaliveProxyConfig(path.join(dir, "nginx"), port, server.port));
      const front = `http://127.0.0.1:${nginx.port}/`;
      load = startLoad(front, { lanes: 4, keepAlive: true });
      const running = load;
      await pollUntil(() => who(server.url), () => running.stats.ok > 100, "100 answers through nginx");
      writeFileSync(file, source("new"));
      const mark = server.stderrMark();
      server.proc.kill("SIGHUP");
      await server.waitForStderr(/^tsgi: SIGHUP: generation 1 serving; 2 workers of the previous one draining$/, mark, 30_000);
      const okBefore = running.stats.ok;
      // The probe only paces the poll (the load counts every failure): a reset it meets is not the test's verdict.
      await pollUntil(() => who(front).catch(() => null), () => running.stats.ok > okBefore + 200 && running.stats.answers.at(-1)?.version === "new", "the load through nginx answered by the new code", 30_000);
      expect(running.stats.answers.at(-1)?.generation).toBe(1);
    } finally {
      const stats = load === undefined ? undefined : await load.stop();
      const log = nginx?.errorLog() ?? "";
      await stopNginx(nginx);
      const exit = await server.stop();
      if (stats !== undefined) {
        const resets = log.split("\n").filter((l) => /\(104: Connection reset by peer\)|\(111: Connection refused\)/.test(l));
        console.log(`[workers] ${runtime} SIGHUP through nginx: ${stats.ok} ok, ${stats.retried} retried by the client, ${stats.failures.length} non-2xx or failed ${JSON.stringify(stats.failures)}; nginx logged ${resets.length} upstream resets ${JSON.stringify(resets.map((l) => l.replace(/^.*?\[error\] /, "")))}`);
        if (runtime === "node" || migrateReq()) expect(stats.failures).toEqual([]);
        else {
          // Each 502 must be one of the resets of a new upstream connection Linux makes without tcp_migrate_req.
          expect(stats.failures.filter((f) => !f.startsWith("status 502"))).toEqual([]);
          expect(stats.failures.length).toBeLessThanOrEqual(resets.length);
        }
      }
      expect(exit.code).toBe(0);
    }
  }, 120_000);
});
