// Many hosts behind one load balancer, on every runtime: three "hosts" are Linux network namespaces
// joined by veth pairs to a bridge in a fourth namespace (test/helpers/netns.ts, addresses from
// RFC 2544's 198.18.0.0/15), tsgi runs in each host, and a real nginx in the fourth namespace
// balances over them (keep-alive upstream pool, passive health checks with max_fails/fail_timeout,
// `proxy_next_upstream error timeout http_502 http_503` for these idempotent GETs). While a load
// generator (test/helpers/hosts-load.mjs) sends GETs through nginx over keep-alive, one host is
// drained with SIGTERM, one is killed with SIGKILL, then both are restarted: every GET must
// succeed, and the totals are printed. Skipped, with the reason printed, where namespaces cannot
// be made (not root, no `ip`) or nginx is missing.
// It must never leave a namespace or a process behind (try/finally in the test, afterAll, and the
// leftovers of a crashed run removed by name first), and never send to an address before checking
// that it lives in a namespace this test made.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { NGINX, nginxConfig } from "../helpers/nginx.ts";
import { IP, Lan, netnsUnavailable, removeLeftovers } from "../helpers/netns.ts";
import { pollUntil } from "../helpers/poll.ts";
import { command, NODE, Proc, ROOT, RUNTIMES, type Runtime, START_MS } from "../helpers/server.ts";

const run = promisify(execFile);

const SKIP = NGINX === null ? "no nginx binary (apt-get install nginx; .ci/run does)" : netnsUnavailable();
if (SKIP !== null) console.log(`many-hosts test skipped: ${SKIP}`);

/** Answers JSON with the pid that served it (hosts are told apart, and restarts seen, by pid). */
const APP = "test/apps/workers.ts";
/** Each host's own namespace: the same port on every host, as on real machines. */
const PORT = 8000;
const NGINX_PORT = 8080;
const LANES = 4;
/** Each lane's pause after an answer: at most about 4 x 400 GETs a second, leaving CPU to the tests beside this one. */
const PACE_MS = 2;
/** Answers that must arrive after each step (the load keeps running meanwhile). */
const STEP = 200;

/** What the load generator reports. */
interface Stats {
  ok: number;
  failed: number;
  byPid: Record<string, number>;
  failures: string[];
}

const escape = (s: string) => s.replace(/[.]/g, "\\.");

function balancerConfig(dir: string, upstreams: string[]): string {
  const servers = upstreams.map((a) => `    server ${a}:${PORT} max_fails=1 fail_timeout=2s;`).join("\n");
  return nginxConfig(
    dir,
    `
  upstream tsgi_hosts {
${servers}
    keepalive 16;
  }
  server {
    listen 127.0.0.1:${NGINX_PORT};
    location / {
      proxy_pass http://tsgi_hosts;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_next_upstream error timeout http_502 http_503;
      proxy_next_upstream_tries 3;
      proxy_connect_timeout 2s;
      proxy_read_timeout 10s;
    }
  }`,
  );
}

/**
 * Wait for a progress line of the load generator, printed after the `skip`th progress line from
 * now, that satisfies `ok` (safety net `ms`).
 */
async function progress(load: Proc, what: string, ok: (s: Stats) => boolean, skip = 0, ms = 30_000): Promise<Stats> {
  const deadline = Date.now() + ms;
  let from = load.stdout.lines.length;
  for (;;) {
    const lines = load.stdout.lines;
    for (; from < lines.length; from++) {
      if (!lines[from]!.startsWith("progress ")) continue;
      if (skip-- > 0) continue;
      const stats = JSON.parse(lines[from]!.slice("progress ".length)) as Stats;
      if (ok(stats)) return stats;
    }
    await load.stdout.waitFor(/^progress /, from, Math.max(1, deadline - Date.now()), load.gone, `load generator: ${what}`);
  }
}

describe.skipIf(SKIP !== null).each(RUNTIMES)("many hosts behind nginx (%s)", (runtime: Runtime) => {
  const lan = new Lan(runtime, 3);
  const procs = new Set<Proc>();
  let dir = "";

  const stopAll = async () => {
    for (const p of procs) p.kill("SIGKILL");
    await Promise.all([...procs].map((p) => p.exited));
    procs.clear();
  };

  beforeAll(async () => {
    const removed = await removeLeftovers();
    if (removed.length > 0) console.log(`many-hosts: removed the namespaces of a crashed run: ${removed.join(", ")}`);
    dir = mkdtempSync(path.join(tmpdir(), `tsgi-hosts-${runtime}-`));
  }, 30_000);

  afterAll(async () => {
    await stopAll();
    await lan.remove();
    if (dir !== "") rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  /** tsgi on host `i` (its own namespace, its own address); resolves once it listens. */
  async function startHost(i: number): Promise<Proc> {
    const host = lan.hosts[i]!;
    await lan.mustOwn(host.ns, host.address);
    const { file, argv } = command(runtime, [APP, "-b", `${host.address}:${PORT}`, "--graceful-timeout", "10"]);
    const inNs = lan.exec(host.ns, file, argv);
    const proc = new Proc(inNs.file, inNs.argv);
    procs.add(proc);
    const listening = new RegExp(`^tsgi: listening on http://${escape(host.address)}:${PORT} \\(${runtime}\\)$`);
    await proc.stdout.waitFor(listening, 0, START_MS, proc.gone, `starting ${runtime} on ${host.ns}`);
    return proc;
  }

  /** One GET through nginx from inside the balancer's namespace (curl): its status, or "000". */
  async function throughNginx(): Promise<string> {
    const { stdout } = await run(IP!, ["netns", "exec", lan.lb, "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5", `http://127.0.0.1:${NGINX_PORT}/`]).catch(
      (err: { stdout?: string }) => ({ stdout: err.stdout ?? "000" }),
    );
    return stdout.trim();
  }

  test("one host drained (SIGTERM), one killed (SIGKILL), both restarted: every GET through nginx succeeds", async () => {
    try {
      await lan.make();
      const hosts = await Promise.all(lan.hosts.map((_, i) => startHost(i)));

      // nginx in the balancer's namespace, with the hosts' addresses checked first.
      await lan.mustOwn(lan.lb, lan.lbAddress);
      await lan.mustOwn(lan.lb, "127.0.0.1");
      for (const host of lan.hosts) await lan.mustOwn(host.ns, host.address);
      const nginxDir = path.join(dir, "nginx");
      mkdirSync(nginxDir, { recursive: true });
      writeFileSync(path.join(nginxDir, "nginx.conf"), balancerConfig(nginxDir, lan.hosts.map((h) => h.address)));
      const nginx = new Proc(IP!, ["netns", "exec", lan.lb, NGINX!, "-p", nginxDir, "-c", path.join(nginxDir, "nginx.conf"), "-e", path.join(nginxDir, "error.log")]);
      procs.add(nginx);
      await pollUntil(throughNginx, (status) => status === "200" || nginx.exitInfo !== null, "nginx answering 200", 20_000);
      expect(nginx.exitInfo).toBeNull();

      const load = new Proc(IP!, ["netns", "exec", lan.lb, NODE, path.join(ROOT, "test/helpers/hosts-load.mjs"), `http://127.0.0.1:${NGINX_PORT}/`, String(LANES), String(PACE_MS)]);
      procs.add(load);
      await load.stdout.waitFor(/^ready$/, 0, 20_000, load.gone, "load generator ready");

      const pids = hosts.map((h) => String(h.child.pid));
      // 1. The balancer spreads the load: every host answers.
      const warm = await progress(load, "every host answering", (s) => pids.every((pid) => (s.byPid[pid] ?? 0) > 0));

      // 2. Host 1 is drained: SIGTERM; it finishes what it holds and exits 0.
      hosts[0]!.kill("SIGTERM");
      expect(await hosts[0]!.waitExit()).toEqual({ code: 0, signal: null });
      const drained = await progress(load, "answers after the drain", (s) => s.ok >= warm.ok + STEP);

      // 3. Host 2 is killed: SIGKILL, in the middle of the load.
      hosts[1]!.kill("SIGKILL");
      expect((await hosts[1]!.waitExit()).signal).toBe("SIGKILL");
      // (Two progress lines on: answers nginx had from host 2 before it died are counted by then.)
      const killedAt = await progress(load, "answers after the kill", () => true, 2);
      const alone = await progress(load, "host 3 answering alone", (s) => s.ok >= killedAt.ok + STEP);
      // Only host 3 answered meanwhile: the drained and the killed hosts took nothing more.
      expect(alone.byPid[pids[0]!] ?? 0).toBe(killedAt.byPid[pids[0]!] ?? 0);
      expect(alone.byPid[pids[1]!] ?? 0).toBe(killedAt.byPid[pids[1]!] ?? 0);
      expect((alone.byPid[pids[2]!] ?? 0) - (killedAt.byPid[pids[2]!] ?? 0)).toBe(alone.ok - killedAt.ok);

      // 4. Both are restarted (new processes, same addresses); nginx sends them load again once
      // their fail_timeout has passed.
      const restarted = [await startHost(1), await startHost(0)];
      const newPids = restarted.map((h) => String(h.child.pid));
      const back = await progress(load, "restarted hosts answering", (s) => newPids.every((pid) => (s.byPid[pid] ?? 0) > 0));

      // 5. Stop the load; every GET must have succeeded.
      load.kill("SIGTERM");
      const doneLine = await load.stdout.waitFor(/^done /, 0, 20_000, load.gone, "load generator totals");
      const done = JSON.parse(doneLine.slice("done ".length)) as Stats;
      console.log(
        `many-hosts (${runtime}): ${done.ok + done.failed} GETs through nginx, ${done.ok} succeeded, ${done.failed} failed; ` +
          `by host: ${[...pids, ...newPids].map((pid, i) => `${["h1", "h2", "h3", "h2'", "h1'"][i]}=${done.byPid[pid] ?? 0}`).join(" ")}` +
          (done.failures.length > 0 ? `\n  failures:\n  ${done.failures.join("\n  ")}` : ""),
      );
      // What nginx saw and retried on another host (its error log): refused connects, connections cut.
      const log = readFileSync(path.join(nginxDir, "error.log"), "utf8");
      const count = (re: RegExp) => log.split("\n").filter((l) => re.test(l)).length;
      console.log(
        `many-hosts (${runtime}): nginx error log: ${count(/connect\(\) failed/)} refused connects, ${count(/prematurely closed|reset by peer/)} upstream connections cut, ` +
          `${count(/no live upstreams/)} "no live upstreams"`,
      );
      expect(done.failures).toEqual([]);
      expect(done.failed).toBe(0);
      expect(done.ok).toBeGreaterThanOrEqual(back.ok);
    } finally {
      await stopAll();
      await lan.remove();
    }
  }, 120_000);
});
