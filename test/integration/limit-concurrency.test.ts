// --limit-concurrency 2 --backlog-requests 2 on every runtime, real process and sockets: six slow
// requests at once, two run, two wait and then succeed, two get 503 with Retry-After at once (while
// the first two are still held) on a connection that stays usable. The app's state is read from its
// log lines (test/apps/gate.ts), never from a clock; a held request goes on when the test writes a file.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { RUNTIMES, type Server, startServer } from "../helpers/server.ts";
import { type HttpResponse, RawClient, get, header, text } from "../helpers/raw.ts";

const tmp = mkdtempSync(path.join(tmpdir(), "tsgi-limit-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The ids of the held requests the app has started, in order (its "gate: started ID" lines). */
function started(server: Server): string[] {
  return server.proc.stderr.lines.flatMap((l) => /gate: started (\w+)/.exec(l)?.[1] ?? []);
}

/** Waits (on the server's log lines) until the app has started `n` held requests. */
async function untilStarted(server: Server, n: number): Promise<string[]> {
  for (;;) {
    const ids = started(server);
    if (ids.length >= n) return ids;
    await server.waitForStderr(/gate: started/, server.stderrMark());
  }
}

/** Resolves with the indexes of the first `n` of `waits` to resolve (the others may never). */
function firstOf(waits: Promise<unknown>[], n: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const done: number[] = [];
    let failed = 0;
    waits.forEach((w, i) =>
      w.then(
        () => {
          done.push(i);
          if (done.length === n) resolve(done);
        },
        (e: unknown) => {
          if (++failed > waits.length - n) reject(e);
        },
      ),
    );
  });
}

describe.each(RUNTIMES)("%s", (runtime) => {
  test("--limit-concurrency 2 --backlog-requests 2: two run, two wait then succeed, two get 503 with Retry-After at once", async () => {
    const dir = mkdtempSync(path.join(tmp, `${runtime}-`));
    const open = (id: string): void => writeFileSync(path.join(dir, id), "");
    const server = await startServer(runtime, "test/apps/gate.ts", { args: ["--limit-concurrency", "2", "--backlog-requests", "2"] });
    const clients: RawClient[] = [];
    try {
      for (let i = 0; i < 6; i++) clients.push(await RawClient.connect(server.port));
      await Promise.all(clients.map((c, i) => c.write(get(`/hold/r${i}?dir=${encodeURIComponent(dir)}`))));
      const responses: Promise<HttpResponse>[] = clients.map((c) => c.readResponse({ timeoutMs: 30_000 }));
      for (const r of responses) r.catch(() => null); // the ones still held are awaited later
      // No gate is open yet: the two answers that come can only be refusals made without waiting.
      const answered = await firstOf(responses, 2);
      const running = await untilStarted(server, 2);
      expect(running).toHaveLength(2);
      for (const i of answered) {
        const res = await responses[i]!;
        expect(res.status).toBe(503);
        expect(header(res, "retry-after")).toBe("1");
        expect(header(res, "connection")).toBeUndefined();
        expect(running).not.toContain(`r${i}`);
      }
      const waiting = [0, 1, 2, 3, 4, 5].filter((i) => !answered.includes(i) && !running.includes(`r${i}`));
      expect(waiting).toHaveLength(2);
      expect(started(server)).toHaveLength(2);
      // One slot frees: exactly one waiting request starts.
      open(running[0]!);
      const first = Number(running[0]!.slice(1));
      expect(text(await responses[first]!)).toBe(`done ${running[0]}`);
      const third = (await untilStarted(server, 3))[2]!;
      expect(waiting.map((i) => `r${i}`)).toContain(third);
      // The rest go through; nothing refused ever ran.
      for (const id of [running[1]!, ...waiting.map((i) => `r${i}`)]) open(id);
      for (const i of [Number(running[1]!.slice(1)), ...waiting]) {
        const res = await responses[i]!;
        expect(res.status).toBe(200);
        expect(text(res)).toBe(`done r${i}`);
      }
      // (the log line and the response come on different channels: wait for the line)
      expect((await untilStarted(server, 4)).sort()).toEqual([...running, ...waiting.map((i) => `r${i}`)].sort());
      // A refused connection stays usable (keep-alive).
      const again = await clients[answered[0]!]!.request(get("/"));
      expect(again.status).toBe(200);
      expect(text(again)).toBe("ok");
    } finally {
      for (const c of clients) c.destroy();
      expect((await server.stop()).code).toBe(0);
    }
  }, 60_000);
});
