// Worker processes on every runtime, with real processes and sockets: `-w 2` serves from both
// workers; a worker killed with SIGKILL under load is replaced and only requests it held can fail;
// a worker whose event loop is stuck is killed by the watchdog (--timeout) and named with its
// request; SIGTERM lets slow requests finish, then exit 0; SIGHUP under keep-alive load (a client
// that retries only a request whose kept-alive connection closed before any response byte) loses
// nothing and the new code answers; SIGHUP after SIGHUP while every request opens a new connection
// loses none. Failure counts are printed for the report.
// It must never leave a server running and never wait on a clock (it polls real requests).
import http from "node:http";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { RUNTIMES, type Server, runCli, startServer } from "../helpers/server.ts";
import { pollUntil } from "../helpers/poll.ts";
import { NEW_CONNECTION_RESET, startLoad, who } from "../helpers/load.ts";

/** Whether Linux moves a closing SO_REUSEPORT listener's backlog to another listener. */
function migrateReq(): boolean {
  try {
    return readFileSync("/proc/sys/net/ipv4/tcp_migrate_req", "utf8").trim() === "1";
  } catch {
    return false;
  }
}

const APP = "test/apps/workers.ts";
const tmp = mkdtempSync(path.join(tmpdir(), "tsgi-workers-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function listening(runtime: string, n: number): RegExp {
  return new RegExp(`^tsgi: listening on http://127\\.0\\.0\\.1:(\\d+) \\(${runtime}, ${n} workers\\)$`);
}

async function start(runtime: (typeof RUNTIMES)[number], args: string[], app = APP): Promise<Server> {
  return await startServer(runtime, app, { args: ["-w", "2", ...args], listening: listening(runtime, 2) });
}

/** Polls until a request is answered by worker `index` (new connections spread over the workers). */
async function answerFrom(url: string, done: (w: Awaited<ReturnType<typeof who>>) => boolean, what: string) {
  return await pollUntil(() => who(url).catch(() => null), (w) => w !== null && done(w), what, 20_000) as Awaited<ReturnType<typeof who>>;
}

/** A slow request: resolves `started` at the first response byte, `done` with the whole body. */
function slowRequest(url: string): { started: Promise<void>; done: Promise<string> } {
  let started!: () => void;
  const startedP = new Promise<void>((r) => (started = r));
  const done = new Promise<string>((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        let body = "";
        res.setEncoding("latin1");
        res.on("data", (c: string) => {
          if (body === "") started();
          body += c;
        });
        res.on("end", () => resolve(body));
        res.on("error", reject);
      })
      .on("error", reject);
  });
  return { started: startedP, done };
}

describe.each(RUNTIMES)("%s", (runtime) => {
  test("-w 2: both workers answer, wsgi.multiprocess is true, the ready line counts them", async () => {
    const server = await start(runtime, []);
    try {
      const seen = new Set<number>();
      await answerFrom(server.url, (w) => {
        expect(w.multiprocess).toBe(true);
        expect(w.generation).toBe(0);
        seen.add(w.worker);
        return seen.has(0) && seen.has(1);
      }, "answers from workers 0 and 1");
      expect([...seen].sort()).toEqual([0, 1]);
    } finally {
      expect((await server.stop()).code).toBe(0);
    }
  }, 60_000);

  test("SIGKILL of one worker under load: it is replaced; only requests it held can fail", async () => {
    const server = await start(runtime, []);
    const lanes = 4;
    const load = startLoad(server.url + "/", { lanes, keepAlive: false });
    try {
      const victim = await answerFrom(server.url, (w) => w.worker === 1, "an answer from worker 1");
      const mark = server.stderrMark();
      process.kill(victim.pid, "SIGKILL");
      await server.waitForStderr(new RegExp(`^tsgi: worker 1 \\(pid ${victim.pid}\\) was killed by SIGKILL; starting another`), mark);
      const replacement = await answerFrom(server.url, (w) => w.worker === 1 && w.pid !== victim.pid, "an answer from the new worker 1");
      expect(replacement.pid).not.toBe(victim.pid);
      const okBefore = load.stats.ok;
      await pollUntil(() => who(server.url), () => load.stats.ok > okBefore + 50, "50 more answers under load");
    } finally {
      const stats = await load.stop();
      console.log(`[workers] ${runtime} SIGKILL under load: ${stats.ok} ok, ${stats.failures.length} failed ${JSON.stringify(stats.failures)}`);
      const exit = await server.stop();
      // At most one request per lane was in flight when the worker died. Bun's and Deno's workers
      // each have their own SO_REUSEPORT socket: without tcp_migrate_req, Linux also resets the new
      // connections still in the dead worker's backlog, as many as the load put there in the moment
      // before its socket closed (README, "Workers and signals"); nothing else may fail.
      if (runtime === "node" || migrateReq()) expect(stats.failures.length).toBeLessThanOrEqual(lanes);
      else expect(stats.failures.filter((f) => !f.endsWith(NEW_CONNECTION_RESET))).toEqual([]);
      expect(exit.code).toBe(0);
    }
  }, 90_000);

  test("--timeout 2: a worker stuck in a loop is killed, named with its request, and replaced; the other keeps serving", async () => {
    const server = await start(runtime, ["--timeout", "2"]);
    try {
      const mark = server.stderrMark();
      const stuck = http.get(server.url + "/block?after=1200", { agent: false });
      stuck.on("error", () => {});
      // The other worker answers meanwhile (a connection that lands on the stuck one fails when it is killed: tried again).
      const first = await pollUntil(() => who(server.url).catch(() => null), (w) => w !== null, "an answer while one worker is stuck", 20_000);
      expect(first!.multiprocess).toBe(true);
      const line = await server.waitForStderr(/^tsgi: worker \d \(pid \d+\) made no progress for [\d.]+ s \(--timeout 2\); killing it; it was serving GET \/block \([\d.]+ s\)$/, mark);
      const index = Number(/worker (\d)/.exec(line)![1]);
      const pid = Number(/pid (\d+)/.exec(line)![1]);
      await server.waitForStderr(new RegExp(`^tsgi: worker ${index} \\(pid ${pid}\\) was killed by SIGKILL \\(watchdog\\); starting another`), mark);
      const fresh = await answerFrom(server.url, (w) => w.worker === index && w.pid !== pid, "an answer from the replacement");
      expect(fresh.pid).not.toBe(pid);
    } finally {
      expect((await server.stop()).code).toBe(0);
    }
  }, 120_000);

  test("SIGTERM with slow requests in flight: all complete, then exit 0", async () => {
    const server = await start(runtime, ["--timeout", "2"]);
    const slow = Array.from({ length: 4 }, () => slowRequest(server.url + "/slow?ms=1500"));
    await Promise.all(slow.map((s) => s.started));
    const mark = server.stderrMark();
    server.proc.kill("SIGTERM");
    await server.waitForStderr(/^tsgi: SIGTERM: stopping 2 workers/, mark);
    const bodies = await Promise.all(slow.map((s) => s.done));
    for (const body of bodies) expect(JSON.parse(body).multiprocess).toBe(true);
    const exit = await server.proc.waitExit();
    expect(exit.code, server.stderr()).toBe(0);
  }, 60_000);

  test("SIGHUP under keep-alive load: no request fails (idempotent retry on a closed kept-alive connection only), the new code answers", async () => {
    const file = path.join(tmp, `app-${runtime}.mjs`);
    const source = (version: string) =>
      `export default function app(environ, startResponse) {\n` +
      `  startResponse("200 OK", [["Content-Type", "application/json"]]);\n` +
      `  return [new TextEncoder().encode(JSON.stringify({ worker: environ["tsgi.worker"], generation: environ["tsgi.generation"], multiprocess: environ["wsgi.multiprocess"], pid: process.pid, version: ${JSON.stringify(version)} }))];\n` +
      `}\n`;
    writeFileSync(file, source("old"));
    const server = await start(runtime, [], file);
    const load = startLoad(server.url + "/", { lanes: 4, keepAlive: true });
    try {
      await pollUntil(() => who(server.url), () => load.stats.ok > 100, "100 answers under load");
      writeFileSync(file, source("new"));
      const mark = server.stderrMark();
      server.proc.kill("SIGHUP");
      await server.waitForStderr(/^tsgi: SIGHUP: generation 1 serving; 2 workers of the previous one draining$/, mark, 30_000);
      const fresh = await answerFrom(server.url, (w) => w.generation === 1, "an answer from generation 1");
      expect(fresh.version).toBe("new");
      const okBefore = load.stats.ok;
      await pollUntil(() => who(server.url), () => load.stats.ok > okBefore + 200 && load.stats.answers.at(-1)?.generation === 1, "the load answered by generation 1");
      expect(load.stats.answers.at(-1)?.version).toBe("new");
    } finally {
      const stats = await load.stop();
      console.log(`[workers] ${runtime} SIGHUP under keep-alive load: ${stats.ok} ok, ${stats.retried} retried, ${stats.failures.length} failed ${JSON.stringify(stats.failures)}`);
      // Node's workers share one socket (node:cluster): nothing may fail. Bun's and Deno's each close
      // their own SO_REUSEPORT socket: without tcp_migrate_req, Linux resets the connections still in
      // its backlog (README, "Workers and signals"); nothing else may fail.
      const exit = await server.stop();
      if (runtime === "node" || migrateReq()) expect(stats.failures).toEqual([]);
      else expect(stats.failures.filter((f) => !f.endsWith(NEW_CONNECTION_RESET))).toEqual([]);
      expect(exit.code).toBe(0);
    }
  }, 120_000);

  test("ten SIGHUPs in a row while every request opens a new connection: none is lost (a worker that stops answers its supervisor last, so node:cluster hands nothing to a worker that has gone)", async () => {
    const server = await start(runtime, []);
    const load = startLoad(server.url + "/", { lanes: 4, keepAlive: false });
    try {
      for (let generation = 1; generation <= 10; generation++) {
        const okBefore = load.stats.ok;
        const mark = server.stderrMark();
        server.proc.kill("SIGHUP");
        await server.waitForStderr(new RegExp(`^tsgi: SIGHUP: generation ${generation} serving; 2 workers of the previous one draining$`), mark, 30_000);
        await pollUntil(() => who(server.url).catch(() => null), () => load.stats.ok > okBefore + 50 && load.stats.answers.at(-1)?.generation === generation, `new connections answered by generation ${generation}`);
      }
    } finally {
      const stats = await load.stop();
      console.log(`[workers] ${runtime} ten SIGHUPs, a new connection per request: ${stats.ok} ok, ${stats.failures.length} failed ${JSON.stringify(stats.failures)}`);
      const exit = await server.stop();
      // As above: only Bun's and Deno's backlog resets without tcp_migrate_req; no request may hang.
      if (runtime === "node" || migrateReq()) expect(stats.failures).toEqual([]);
      else expect(stats.failures.filter((f) => !f.endsWith(NEW_CONNECTION_RESET))).toEqual([]);
      expect(exit.code).toBe(0);
    }
  }, 120_000);

  test("--max-requests 50 under keep-alive load: workers are replaced (the new one listening first) and no request fails", async () => {
    const server = await start(runtime, ["--max-requests", "50", "--max-requests-jitter", "10", "--timeout", "2"]);
    const load = startLoad(server.url + "/", { lanes: 4, keepAlive: true });
    try {
      const mark = server.stderrMark();
      await server.waitForStderr(/^tsgi: worker \d \(pid \d+\) served \d+ requests \(--max-requests\); replacing it$/, mark, 30_000);
      const pids = new Set<number>();
      await pollUntil(() => who(server.url).catch(() => null), () => {
        for (const a of load.stats.answers) pids.add(a.pid);
        return pids.size >= 4;
      }, "answers from at least 4 worker processes", 60_000);
      expect(pids.size).toBeGreaterThanOrEqual(4);
    } finally {
      const stats = await load.stop();
      console.log(`[workers] ${runtime} --max-requests 50 under keep-alive load: ${stats.ok} ok, ${stats.retried} retried, ${stats.failures.length} failed ${JSON.stringify(stats.failures)}`);
      const exit = await server.stop();
      if (runtime === "node" || migrateReq()) expect(stats.failures).toEqual([]);
      else expect(stats.failures.filter((f) => !f.endsWith(NEW_CONNECTION_RESET))).toEqual([]);
      expect(exit.code).toBe(0);
    }
  }, 120_000);

  test("SIGTTIN adds a worker, SIGTTOU removes one", async () => {
    const server = await start(runtime, []);
    try {
      let mark = server.stderrMark();
      server.proc.kill("SIGTTIN");
      await server.waitForStderr(/^tsgi: SIGTTIN: 3 workers$/, mark);
      const seen = new Set<number>();
      await answerFrom(server.url, (w) => {
        seen.add(w.worker);
        return seen.has(2);
      }, "an answer from worker 2");
      mark = server.stderrMark();
      server.proc.kill("SIGTTOU");
      await server.waitForStderr(/^tsgi: SIGTTOU: 2 workers$/, mark);
      // Worker 2 drains and exits; it is not replaced (it may still be draining at the SIGTERM).
      const mark2 = server.stderrMark();
      server.proc.kill("SIGTERM");
      await server.waitForStderr(/^tsgi: SIGTERM: stopping [23] workers/, mark2);
      expect((await server.proc.waitExit()).code).toBe(0);
      expect(server.stderr()).not.toMatch(/worker 2 .*starting another/);
    } finally {
      await server.stop();
    }
  }, 60_000);

  test("a worker that fails at boot stops the server: one line, exit 1 (syntax error) or 2 (missing export)", async () => {
    const broken = path.join(tmp, `broken-${runtime}.mjs`);
    writeFileSync(broken, "export default function app( {\n");
    const r1 = await runCli(runtime, ["-w", "2", "-b", "127.0.0.1:0", broken]);
    const lines1 = r1.stderrLines.filter((l) => l.trim() !== "");
    expect(lines1, r1.stderr).toHaveLength(1);
    expect(lines1[0]).toMatch(/^tsgi: error: \S/);
    expect(r1.code, r1.stderr).toBe(1);
    const r2 = await runCli(runtime, ["-w", "2", "-b", "127.0.0.1:0", APP + ":nothing"]);
    const lines2 = r2.stderrLines.filter((l) => l.trim() !== "");
    expect(lines2, r2.stderr).toHaveLength(1);
    expect(lines2[0]).toMatch(/^tsgi: error: .*has no export "nothing"/);
    expect(r2.code, r2.stderr).toBe(2);
    expect(r2.stdout).toBe("");
  }, 60_000);

  test("--reload: an edit is served by the next request; a syntax error is one line and the old code keeps serving", async () => {
    const dir = mkdtempSync(path.join(tmp, `reload-${runtime}-`));
    const file = path.join(dir, "app.mjs");
    const source = (version: string) =>
      `export default function app(environ, startResponse) {\n` +
      `  startResponse("200 OK", [["Content-Type", "application/json"]]);\n` +
      `  return [new TextEncoder().encode(JSON.stringify({ worker: environ["tsgi.worker"], generation: environ["tsgi.generation"], pid: process.pid, version: ${JSON.stringify(version)} }))];\n` +
      `}\n`;
    writeFileSync(file, source("one"));
    const server = await startServer(runtime, file, { args: ["-w", "1", "--reload"], listening: new RegExp(`^tsgi: listening on http://127\\.0\\.0\\.1:(\\d+) \\(${runtime}, 1 worker\\)$`) });
    try {
      expect((await who(server.url)).version).toBe("one");
      writeFileSync(file, source("two"));
      const two = await answerFrom(server.url, (w) => w.version === "two", "the edited code");
      expect(two.generation).toBeGreaterThanOrEqual(1);
      const mark = server.stderrMark();
      writeFileSync(file, "export default function app( {\n");
      const line = await server.waitForStderr(/reload failed, still serving the previous code: /, mark, 30_000);
      expect(line).toMatch(/^tsgi: app\.mjs changed: reload failed, still serving the previous code: \S/);
      expect((await who(server.url)).version).toBe("two");
      writeFileSync(file, source("three"));
      await answerFrom(server.url, (w) => w.version === "three", "the fixed code");
    } finally {
      expect((await server.stop()).code).toBe(0);
    }
  }, 90_000);
});
