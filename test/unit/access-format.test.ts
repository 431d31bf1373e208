// The access-log format compiler (src/server/access-log.ts) without a server: each of gunicorn's
// atoms, escaping, %%, json, bad formats refused; the error-log levels (cli/logs.ts); and a log
// file reopened while a write is under way on the old one (runtimes/log-file.ts, on a fake file API).
import { describe, expect, test } from "vitest";
import { type AccessRecord, AccessFormatError, DEFAULT_ACCESS_FORMAT, compileAccessFormat } from "../../src/server/access-log.ts";
import type { Environ } from "../../src/wsgi/types.ts";
import { levelOf } from "../../cli/logs.ts";
import { type FileApi, type FileHandle, LogFile } from "../../runtimes/log-file.ts";

function record(env: Record<string, unknown>, extra: Partial<AccessRecord> = {}): AccessRecord {
  const environ = {
    REQUEST_METHOD: "GET",
    SCRIPT_NAME: "/app",
    PATH_INFO: "/a b",
    QUERY_STRING: "x=1",
    SERVER_PROTOCOL: "HTTP/1.1",
    REMOTE_ADDR: "192.0.2.1",
    "tsgi.raw_uri": "/app/a%20b?x=1",
    "tsgi.peer_addr": "127.0.0.1",
    ...env,
  } as unknown as Environ;
  return { environ, status: 200, bytes: 13, fields: ["Content-Type", "text/plain", "X-Two", "a", "x-two", "b"], now: Date.UTC(2000, 9, 10, 13, 55, 36, 250), duration: 1234.5678, ...extra };
}

describe("compileAccessFormat", () => {
  test("the default is the combined log format", () => {
    const f = compileAccessFormat(DEFAULT_ACCESS_FORMAT);
    expect(f.timed).toBe(false);
    expect(f.line(record({ HTTP_USER_AGENT: "curl/8", HTTP_REFERER: "http://r/" }))).toBe('192.0.2.1 - - [10/Oct/2000:13:55:36 +0000] "GET /app/a%20b?x=1 HTTP/1.1" 200 13 "http://r/" "curl/8"');
    expect(f.line(record({ REMOTE_ADDR: "" }))).toBe('- - - [10/Oct/2000:13:55:36 +0000] "GET /app/a%20b?x=1 HTTP/1.1" 200 13 "-" "-"');
  });

  test.each([
    ["%(m)s %(U)s %(q)s %(H)s", "GET /app/a b x=1 HTTP/1.1"],
    ["%(s)s %(B)s %(b)s", "200 13 13"],
    ["%(T)s %(M)s %(D)s %(L)s", "1 1234 1234567 1.234568"],
    ["%(p)s", "<4242>"],
    ["%({user-agent}i)s|%({X-Missing}i)s|%({content-type}i)s", "agent|-|text/html"],
    ["%({content-type}o)s|%({X-TWO}o)s|%({none}o)s", "text/plain|a, b|-"],
    ["%({tsgi.peer_addr}e)s|%({request_method}e)s|%({nope}e)s", "127.0.0.1|GET|-"],
    ["100%% %(s)s%%", "100% 200%"],
    ["no atoms", "no atoms"],
    ["", ""],
  ])("%j", (format, line) => {
    expect(compileAccessFormat(format, 4242).line(record({ HTTP_USER_AGENT: "agent", CONTENT_TYPE: "text/html" }))).toBe(line);
  });

  test("only formats with a duration atom are timed", () => {
    for (const a of ["T", "M", "D", "L"]) expect(compileAccessFormat(`%(${a})s`).timed).toBe(true);
    expect(compileAccessFormat("%(h)s %(s)s").timed).toBe(false);
  });

  test("%(u)s is the user of Basic authorization", () => {
    const f = compileAccessFormat("%(u)s");
    expect(f.line(record({ HTTP_AUTHORIZATION: `Basic ${btoa("ann:pw:x")}` }))).toBe("ann");
    expect(f.line(record({ HTTP_AUTHORIZATION: "Bearer abc" }))).toBe("-");
    expect(f.line(record({ HTTP_AUTHORIZATION: "Basic !!!" }))).toBe("-");
    expect(f.line(record({ HTTP_AUTHORIZATION: `basic ${btoa("nocolon")}` }))).toBe("-");
  });

  test("quotes, backslashes and control characters are escaped: a line stays one line", () => {
    const line = compileAccessFormat('"%(a)s"').line(record({ HTTP_USER_AGENT: 'a"b\\c\td\x7f\u00e9' }));
    expect(line).toBe('"a\\"b\\\\c\\x09d\\x7f\u00e9"');
  });

  test("json: one object per line, escaped by JSON", () => {
    const f = compileAccessFormat("json");
    expect(f.timed).toBe(true);
    const line = f.line(record({ HTTP_USER_AGENT: 'x"\ny' }));
    expect(line).not.toContain("\n");
    expect(JSON.parse(line)).toEqual({
      time: "2000-10-10T13:55:36.250Z",
      remote_addr: "192.0.2.1",
      peer_addr: "127.0.0.1",
      method: "GET",
      uri: "/app/a%20b?x=1",
      protocol: "HTTP/1.1",
      status: 200,
      bytes: 13,
      referer: "",
      user_agent: 'x"\ny',
      duration_ms: 1234.568,
    });
  });

  test.each(["%(nope)s", "%(h)d", "%(h", "50%", "%s", "%(H)s %(x)s", "%({a}x)s", "%()s"])("%j is refused", (format) => {
    expect(() => compileAccessFormat(format)).toThrow(AccessFormatError);
  });
});

describe("levelOf", () => {
  test.each([
    ["tsgi: error: something", "error"],
    ["tsgi: internal error on a connection: x", "error"],
    ["tsgi: 3 log lines dropped: stderr could not keep up", "warning"],
    ["tsgi: client error (GET /): 400 Bad Request: x", "info"],
    ["tsgi: SIGTERM: stopping (no request in flight)", "info"],
    ["an app's own line", "error"],
    ["    at frame (file.ts:1:2)", "error"],
  ])("%j is %s", (line, level) => {
    expect(levelOf(line)).toBe(level);
  });
});

describe("LogFile", () => {
  /** A fake file API: each opened file records its writes; a write completes when the test says so. */
  function fakeFiles() {
    const files: { path: string; data: string[]; closed: boolean; pending: (() => void)[] }[] = [];
    const handle = (path: string): FileHandle => {
      const f = { path, data: [] as string[], closed: false, pending: [] as (() => void)[] };
      files.push(f);
      return {
        write: (bytes) =>
          new Promise<number>((resolve) => {
            f.pending.push(() => {
              f.data.push(new TextDecoder().decode(bytes));
              resolve(bytes.length);
            });
          }),
        close: () => {
          f.closed = true;
        },
      };
    };
    const api: FileApi = { openSync: handle, open: async (path) => handle(path) };
    return { api, files };
  }

  test("reopen during a write: that write ends on the old file, which is then closed; the next goes to the new one", async () => {
    const { api, files } = fakeFiles();
    const log = new LogFile("/x.log", api);
    const results: unknown[] = [];
    log.write(new TextEncoder().encode("one\n"), (e) => results.push(e));
    await log.reopen();
    expect(files).toHaveLength(2);
    expect(files[0]!.closed).toBe(false);
    files[0]!.pending.shift()!();
    await new Promise((r) => setTimeout(r, 0));
    expect(results).toEqual([null]);
    expect(files[0]).toMatchObject({ data: ["one\n"], closed: true });
    log.write(new TextEncoder().encode("two\n"), (e) => results.push(e));
    files[1]!.pending.shift()!();
    await new Promise((r) => setTimeout(r, 0));
    expect(files[1]!.data).toEqual(["two\n"]);
    expect(results).toEqual([null, null]);
  });

  test("reopen while idle closes the old file at once; a failed reopen keeps it", async () => {
    const { api, files } = fakeFiles();
    const log = new LogFile("/y.log", api);
    await log.reopen();
    expect(files[0]!.closed).toBe(true);
    const failing: FileApi = { ...api, open: () => Promise.reject(new Error("EACCES")) };
    const kept = new LogFile("/z.log", failing);
    await expect(kept.reopen()).rejects.toThrow("EACCES");
    expect(files[2]!.closed).toBe(false);
  });
});
