// Log files and formats on every runtime, over real processes: --access-logfile lines parse as the
// combined log format (the client a trusted proxy forwarded in %(h)s); gunicorn's other atoms;
// --access-logformat json gives one JSON object per line; SIGUSR1 after the file was moved writes
// to a new file; --error-logfile takes error lines, and --log-level filters them.
// It must never wait with sleeps: it polls the files with requests, and waits for exits.
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { RawClient, get, text } from "../helpers/raw.ts";
import { pollUntil } from "../helpers/poll.ts";
import { RUNTIMES, type Server, runCli, startServer } from "../helpers/server.ts";

const APP = "test/apps/logs.ts";
const tmp = mkdtempSync(path.join(tmpdir(), "tsgi-access-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Apache's combined log format, as log parsers read it. */
const COMBINED =
  /^(\S+) (\S+) (\S+) \[(\d{2})\/([A-Z][a-z]{2})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-]\d{4})\] "(\S+) (\S+) (HTTP\/\d\.\d)" (\d{3}) (\d+|-) "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)"$/;

const lines = (file: string): string[] => (existsSync(file) ? readFileSync(file, "latin1").split("\n").filter((l) => l !== "") : []);

async function send(s: Server, request: string): Promise<string> {
  const c = await RawClient.connect(s.port);
  try {
    return text(await c.request(request));
  } finally {
    c.destroy();
  }
}

/** Sends `request` until a line of `file` contains `marker` (the log is written asynchronously); returns that line. */
async function loggedLine(s: Server, file: string, request: string, marker: string): Promise<string> {
  const found = await pollUntil(
    async () => {
      await send(s, request);
      return lines(file).find((l) => l.includes(marker));
    },
    (l) => l !== undefined,
    `a line with ${marker} in ${file}`,
  );
  return found!;
}

describe.each(RUNTIMES)("log files (%s)", (runtime) => {
  test("--access-logfile: combined log lines; a trusted proxy's client in %(h)s", async () => {
    const file = path.join(tmp, `${runtime}-combined.log`);
    const s = await startServer(runtime, APP, { args: ["--access-logfile", file] });
    try {
      const line = await loggedLine(s, file, get("/ok?combined=1", 'Referer: http://r.example/"q"\r\nUser-Agent: agent/1.0\r\n'), "combined=1");
      const m = COMBINED.exec(line);
      expect(m, line).not.toBeNull();
      expect(m!.slice(1, 4)).toEqual(["127.0.0.1", "-", "-"]);
      expect(m!.slice(11)).toEqual(["GET", "/ok?combined=1", "HTTP/1.1", "200", "2", 'http://r.example/\\"q\\"', "agent/1.0"]);
      const forwarded = await loggedLine(s, file, get("/ok?forwarded=1", "X-Forwarded-For: 203.0.113.5\r\nAuthorization: Basic " + btoa("ann:secret") + "\r\n"), "forwarded=1");
      expect(COMBINED.exec(forwarded)?.slice(1, 4)).toEqual(["203.0.113.5", "-", "ann"]);
      // Nothing on stdout but the listening line: the access log went to the file.
      expect(s.proc.stdout.lines.filter((l) => l.includes("/ok?"))).toEqual([]);
    } finally {
      await s.stop();
    }
  });

  test("gunicorn's other atoms", async () => {
    const file = path.join(tmp, `${runtime}-atoms.log`);
    const format = "%(m)s|%(U)s|%(q)s|%(H)s|%(B)s|%(D)s|%(M)s|%(T)s|%(L)s|%(p)s|%({x-in}i)s|%({content-type}o)s|%({REQUEST_METHOD}e)s|%({missing}i)s|100%%";
    const s = await startServer(runtime, APP, { args: ["--access-logfile", file, "--access-logformat", format] });
    try {
      const line = await loggedLine(s, file, get("/ok?atoms=1", "X-In: in-value\r\n"), "atoms=1");
      const parts = line.split("|");
      expect(parts.slice(0, 5)).toEqual(["GET", "/ok", "atoms=1", "HTTP/1.1", "2"]);
      for (const n of parts.slice(5, 8)) expect(n).toMatch(/^\d+$/);
      expect(Number(parts[5])).toBeGreaterThanOrEqual(Number(parts[6]) * 1000);
      expect(parts[8]).toMatch(/^\d+\.\d{6}$/);
      expect(parts[9]).toMatch(/^<\d+>$/);
      expect(parts.slice(10)).toEqual(["in-value", "text/plain", "GET", "-", "100%"]);
    } finally {
      await s.stop();
    }
  });

  test("--access-logformat json: one JSON object per line", async () => {
    const file = path.join(tmp, `${runtime}-json.log`);
    const s = await startServer(runtime, APP, { args: ["--access-logfile", file, "--access-logformat", "json"] });
    try {
      const line = await loggedLine(s, file, get("/ok?json=1", 'User-Agent: a "quoted" agent\r\n'), "json=1");
      const record = JSON.parse(line) as Record<string, unknown>;
      expect(record).toMatchObject({ remote_addr: "127.0.0.1", method: "GET", uri: "/ok?json=1", protocol: "HTTP/1.1", status: 200, bytes: 2, user_agent: 'a "quoted" agent' });
      expect(Date.parse(record.time as string)).not.toBeNaN();
      expect(typeof record.duration_ms).toBe("number");
    } finally {
      await s.stop();
    }
  });

  test("SIGUSR1 after the file was moved: later lines go to a new file", async () => {
    const file = path.join(tmp, `${runtime}-rotate.log`);
    const error = path.join(tmp, `${runtime}-rotate-error.log`);
    const s = await startServer(runtime, APP, { args: ["--access-logfile", file, "--error-logfile", error] });
    try {
      await loggedLine(s, file, get("/ok?before=1"), "before=1");
      renameSync(file, `${file}.1`);
      renameSync(error, `${error}.1`);
      s.proc.child.kill("SIGUSR1");
      await loggedLine(s, file, get("/ok?after=1"), "after=1");
      expect(lines(`${file}.1`).some((l) => l.includes("before=1"))).toBe(true);
      expect(lines(file).some((l) => l.includes("before=1"))).toBe(false);
      // The error log was reopened too: an app's wsgi.errors line lands in the new file.
      await loggedLine(s, error, get("/errors?n=1"), "tsgi-test: errors line 1");
    } finally {
      expect(await s.stop()).toEqual({ code: 0, signal: null });
    }
  });

  test("--error-logfile with --log-level warning: the app's error lines, not the info ones", async () => {
    const error = path.join(tmp, `${runtime}-error.log`);
    const s = await startServer(runtime, APP, { args: ["--error-logfile", error, "--log-level", "warning"] });
    try {
      await loggedLine(s, error, get("/errors?n=2"), "tsgi-test: errors line 2");
    } finally {
      expect(await s.stop()).toEqual({ code: 0, signal: null });
    }
    // The stop line ("tsgi: SIGTERM: stopping") is info as well; stderr stays empty: all went to the file.
    expect(lines(error).filter((l) => l.startsWith("tsgi: "))).toEqual([]);
    expect(s.proc.stderr.lines).toEqual([]);
  });

  test("an access log on a full disk changes no response: said once on stderr; SIGUSR1 keeps it going", async () => {
    if (runtime === "deno") {
      // Deno opens a device file only with --allow-all, and says so: the startup error is one line naming the flag.
      const r = await runCli(runtime, ["--access-logfile", "/dev/full", APP, "-b", "127.0.0.1:0"]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^tsgi: error: cannot open the access log \/dev\/full: .*--allow-all/);
      return;
    }
    const s = await startServer(runtime, APP, { args: ["--access-logfile", "/dev/full"] });
    try {
      const report = /^tsgi: error: \/dev\/full could not be written \(.*(ENOSPC|No space left)/;
      await pollUntil(
        async () => {
          expect(await send(s, get("/ok?full=1"))).toBe("ok");
          return s.proc.stderr.lines.some((l) => report.test(l));
        },
        (reported) => reported,
        "the report of /dev/full",
      );
      s.proc.child.kill("SIGUSR1");
      await s.waitForStderr(/^tsgi: reopened \/dev\/full$/);
      for (let i = 0; i < 3; i++) expect(await send(s, get(`/ok?full=${i}`))).toBe("ok");
      expect(s.proc.stderr.lines.filter((l) => report.test(l))).toHaveLength(1);
    } finally {
      expect(await s.stop()).toEqual({ code: 0, signal: null });
    }
  });

  test("an access log file that cannot be opened: one error line, exit 1", async () => {
    const r = await runCli(runtime, ["--access-logfile", path.join(tmp, "no-such-dir", "a.log"), APP, "-b", "127.0.0.1:0"]);
    expect(r.code).toBe(1);
    expect(r.stderrLines.filter((l) => l !== "")).toHaveLength(1);
    expect(r.stderr).toMatch(/^tsgi: error: cannot open the access log .*no-such-dir/);
  });
});
