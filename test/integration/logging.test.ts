// Logging on every runtime, over real processes: a log sink never takes the server down or holds
// it up (stdout or stderr a closed pipe or a full disk, stdout a pipe nobody reads); a failing
// stream is reported once, on the other one; a wsgi.input error an app lets escape is logged as
// the client error it is, in one line, while an app's own error keeps its stack, at the right line
// of the .ts file (Node too); error output is plain text when stderr is not a terminal; access-log
// lines parse as the combined log format, over TCP and a unix socket.
// It must never wait with sleeps: it waits for responses, log lines and exits.
import { closeSync, mkdtempSync, openSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { RawClient, get, text } from "../helpers/raw.ts";
import { LOG_MS, Proc, RUNTIMES, type Runtime, command, startServer } from "../helpers/server.ts";
import { THROW_LINE } from "../apps/logs.ts";

const tmp = mkdtempSync(path.join(tmpdir(), "tsgi-log-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

type Stream = "stdout" | "stderr";
const other = (s: Stream): Stream => (s === "stdout" ? "stderr" : "stdout");

/** The line a failing stream is reported with, on the other stream. */
const reportOf = (s: Stream) => new RegExp(`^tsgi: error: ${s} could not be written \\(.*(EPIPE|ENOSPC|No space left)`);

/** Apache's combined log format, as log parsers read it. */
const COMBINED =
  /^(\S+) (\S+) (\S+) \[(\d{2})\/([A-Z][a-z]{2})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-]\d{4})\] "(\S+) (\S+) (HTTP\/\d\.\d)" (\d{3}) (\d+|-) "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)"$/;

/**
 * The server of logs.ts with --access-log on a unix socket, `broken` made to fail: a pipe the test
 * closes once the server is up, or /dev/full (writes fail with ENOSPC). Resolves once serving.
 */
async function brokenServer(runtime: Runtime, broken: Stream, how: "closed pipe" | "full disk"): Promise<{ proc: Proc; sock: string }> {
  const sock = path.join(tmp, `${runtime}-${broken}-${how === "full disk" ? "full" : "pipe"}.sock`);
  const { file, argv } = command(runtime, ["--access-log", "test/apps/logs.ts", "-b", `unix:${sock}`]);
  const full = how === "full disk" ? openSync("/dev/full", "w") : -1;
  const proc = new Proc(file, argv, full === -1 ? {} : { [broken]: full });
  if (full !== -1) closeSync(full);
  if (broken === "stdout" && how === "full disk") {
    // The listening line is the first thing that fails to be written.
    await proc.stderr.waitFor(reportOf("stdout"), 0, LOG_MS * 2, proc.gone, `${runtime} report`);
  } else {
    await proc.stdout.waitFor(/^tsgi: listening on unix:/, 0, LOG_MS * 2, proc.gone, `${runtime} start`);
    if (how === "closed pipe") proc.child[broken]!.destroy();
  }
  return { proc, sock };
}

/** One request on a connection of its own (an error response closes its connection). */
async function request(to: number | string, req: string): Promise<{ status: number; body: string }> {
  const c = await RawClient.connect(to);
  try {
    const res = await c.request(req);
    return { status: res.status, body: text(res) };
  } finally {
    c.destroy();
  }
}

/** Requests that log to both streams: access-log lines, application errors, wsgi.errors lines. */
async function loggingTraffic(sock: string, rounds: number): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    expect(await request(sock, get(`/ok?i=${i}`))).toEqual({ status: 200, body: "ok" });
    expect((await request(sock, get("/throw"))).status).toBe(500);
    expect(await request(sock, get("/errors?n=3"))).toEqual({ status: 200, body: "logged" });
  }
}

async function stopped(proc: Proc): Promise<void> {
  proc.kill("SIGTERM");
  try {
    expect(await proc.waitExit()).toEqual({ code: 0, signal: null });
  } finally {
    proc.kill();
  }
}

describe.each(RUNTIMES)("logging (%s)", (runtime) => {
  describe.each(["stdout", "stderr"] as const)("%s failing", (broken) => {
    test.each(["closed pipe", "full disk"] as const)("a %s: every request is answered; said once on the other stream", async (how) => {
      const { proc, sock } = await brokenServer(runtime, broken, how);
      const report = reportOf(broken);
      const lines = () => proc[other(broken)];
      try {
        await loggingTraffic(sock, 3);
        await lines().waitFor(report, 0, LOG_MS, proc.gone, `${runtime} report`);
        await loggingTraffic(sock, 3);
      } finally {
        await stopped(proc);
      }
      expect(lines().lines.filter((l) => report.test(l)), lines().text).toHaveLength(1);
    });
  });

  test("stdout nobody reads: requests are answered; lines past the queue are dropped and counted", async () => {
    const s = await startServer(runtime, "test/apps/logs.ts", { args: ["--access-log"] });
    const n = 300;
    // Long targets make long access-log lines: 300 of them are far more than the pipe, the reading
    // side's buffer and the server's queue (256 KiB) hold together.
    const target = (i: number) => `/ok?i=${i}&pad=${"p".repeat(4000)}`;
    const mark = s.stdoutMark();
    try {
      s.proc.child.stdout!.pause();
      const c = await RawClient.connect(s.port);
      for (let i = 0; i < n; i++) expect(text(await c.request(get(target(i)))), `request ${i}`).toBe("ok");
      s.proc.child.stdout!.resume();
      await s.waitForStdout(/^tsgi: \d+ log lines? dropped: stdout could not keep up$/, mark);
    } finally {
      // Exit writes what is still queued: every line is then printed or counted in a notice.
      expect(await s.stop()).toEqual({ code: 0, signal: null });
    }
    const lines = s.proc.stdout.lines;
    const logged = lines.filter((l) => l.includes(" /ok?i=")).length;
    const notices = lines.map((l) => /^tsgi: (\d+) log lines? dropped: stdout could not keep up$/.exec(l)).filter((m) => m !== null);
    const dropped = notices.reduce((sum, m) => sum + Number(m[1]), 0);
    expect(dropped).toBeGreaterThan(0);
    expect(logged + dropped).toBe(n);
  });

  test("a wsgi.input error the app lets escape: the client gets its status, the log one line without a stack", async () => {
    const s = await startServer(runtime, "test/apps/body.ts", { args: ["--max-body-size", "100", "--body-timeout", "0.5"] });
    try {
      const post = (head: string, body: string) => `POST /whole HTTP/1.1\r\nHost: h\r\n${head}\r\n\r\n${body}`;
      const cases: [number, string][] = [
        [413, post("Transfer-Encoding: chunked", `c8\r\n${"y".repeat(200)}\r\n0\r\n\r\n`)],
        [400, post("Transfer-Encoding: chunked", "5\r\nhello\r\nzz\r\n")],
        [408, post("Content-Length: 10", "12345")],
      ];
      for (const [status, req] of cases) {
        expect((await request(s.port, req)).status, String(status)).toBe(status);
        await s.waitForStderr(new RegExp(`^tsgi: client error \\(POST /whole\\): ${status} [A-Z][A-Za-z ]+: \\S`));
      }
    } finally {
      expect(await s.stop()).toEqual({ code: 0, signal: null });
    }
    const lines = s.proc.stderr.lines;
    expect(lines.filter((l) => /error in application|^\s+at /.test(l)), s.stderr()).toEqual([]);
  });

  test("an application's own error is logged with its stack, at the line of the .ts file", async () => {
    const s = await startServer(runtime, "test/apps/logs.ts");
    try {
      const c = await RawClient.connect(s.port);
      expect((await c.request(get("/throw"))).status).toBe(500);
      await s.waitForStderr(/^tsgi: error in application \(GET \/throw\): Error: tsgi-test: thrown at a known line$/);
      await s.waitForStderr(new RegExp(`^\\s+at .*test/apps/logs\\.ts:${THROW_LINE}:\\d+\\)?$`));
    } finally {
      await s.stop();
    }
  });

  test("error output is plain text when stderr is not a terminal (escape sequences removed)", async () => {
    const s = await startServer(runtime, "test/apps/logs.ts", { spawn: { env: { FORCE_COLOR: "1", NO_COLOR: undefined } } });
    try {
      const c = await RawClient.connect(s.port);
      expect(text(await c.request(get("/ansi")))).toBe("logged");
      expect(await s.waitForStderr(/tsgi-test: /)).toBe("tsgi-test: red");
    } finally {
      await s.stop();
    }
  });

  test.each(["tcp", "unix"] as const)("access-log lines are combined log format (%s)", async (transport) => {
    const sock = path.join(tmp, `${runtime}-access.sock`);
    const s =
      transport === "tcp"
        ? await startServer(runtime, "test/apps/logs.ts", { args: ["--access-log"] })
        : await startServer(runtime, "test/apps/logs.ts", { args: ["--access-log"], bind: `unix:${sock}`, listening: /^tsgi: listening on unix:/ });
    try {
      const to = transport === "tcp" ? s.port : sock;
      const mark = s.stdoutMark();
      await request(to, get("/ok?a=1", 'User-Agent: tester "quoted" \\ 1.0\r\nReferer: http://example.com/x\r\n'));
      await request(to, get("/no-agent", "", "HTTP/1.0"));
      await request(to, get("/throw"));
      await s.waitForStdout(/"GET \/throw HTTP\/1\.1" 500 /, mark);
      const lines = s.proc.stdout.lines.slice(mark);
      expect(lines).toHaveLength(3);
      const parsed = lines.map((l) => COMBINED.exec(l));
      expect(parsed.map((m, i) => (m === null ? lines[i] : "parsed"))).toEqual(["parsed", "parsed", "parsed"]);
      const [ok, noAgent, thrown] = parsed as RegExpExecArray[];
      expect(ok[1]).toBe(transport === "tcp" ? "127.0.0.1" : "-");
      expect([ok[11], ok[12], ok[13], ok[14]]).toEqual(["GET", "/ok?a=1", "HTTP/1.1", "200"]);
      expect(JSON.parse(`"${ok[16]}"`)).toBe("http://example.com/x");
      expect(JSON.parse(`"${ok[17]}"`)).toBe('tester "quoted" \\ 1.0');
      expect([noAgent[13], noAgent[16], noAgent[17]]).toEqual(["HTTP/1.0", "-", "-"]);
      expect(thrown[14]).toBe("500");
      const when = Date.UTC(Number(ok[6]), ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"].indexOf(ok[5]!), Number(ok[4]), Number(ok[7]), Number(ok[8]), Number(ok[9]));
      expect(Math.abs(when - Date.now())).toBeLessThan(120_000);
    } finally {
      await s.stop();
    }
  });
});
