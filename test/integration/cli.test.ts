// The command line on every runtime: startup errors (one `tsgi: error: ` line on stderr, exit 2 for
// usage/module/export problems, 1 when it cannot listen; a syntax error as file:line:col, plain
// text; Deno's missing read permission named), --help and --version, MODULE[:NAME] resolution, the
// listening line, options that change the wire (--server-header, --root-path, --access-log), unix
// sockets, graceful shutdown on SIGTERM (exit 0, in-flight responses finish), and the signals of a
// terminal: Ctrl-C (SIGINT to the process group) says it drains, a second one stops at once, and
// under `bun run` one Ctrl-C (which arrives twice) counts once.
// It must never leave a server running: every started process is stopped or killed.
import net from "node:net";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { RawClient, get, header, headerValues, text } from "../helpers/raw.ts";
import { BUN, DENO, type ExitInfo, Proc, RUNTIMES, type RunResult, START_MS, runCli, startServer } from "../helpers/server.ts";

const tmp = mkdtempSync(path.join(tmpdir(), "tsgi-cli-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Non-empty stderr lines. */
function errorLines(r: RunResult): string[] {
  return r.stderrLines.filter((l) => l.trim() !== "");
}

function expectStartupError(r: RunResult, code: number): void {
  const lines = errorLines(r);
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^tsgi: error: \S/);
  expect(r.code, r.stderr).toBe(code);
  expect(r.stdout).toBe("");
}

/** A signal to the process group of `proc` (spawned detached), as a terminal's Ctrl-C sends it. */
function groupSignal(proc: Proc, signal: NodeJS.Signals): void {
  process.kill(-proc.child.pid!, signal);
}

/** Kills what is left of a detached process group (a test that failed half-way). */
function killGroup(proc: Proc): void {
  try {
    process.kill(-proc.child.pid!, "SIGKILL");
  } catch {
    // already gone
  }
}

/** The draining line of the first signal, with one request in flight. */
const draining = (signal: string) => new RegExp(`^tsgi: ${signal}: stopping; waiting up to 30 s for 1 request in flight`);

/** The body of stream.ts's /slow with n ticks. */
const ticks = (n: number) => Array.from({ length: n }, (_, i) => `tick ${i + 1}\n`).join("");

/** A request in flight (/slow, `n` ticks 50 ms apart), then `signal` to the process group and the draining line. */
async function drainingRequest(proc: Proc, port: number, signal: NodeJS.Signals, n: number): Promise<RawClient> {
  const busy = await RawClient.connect(port);
  await busy.write(get(`/slow?n=${n}&ms=50`));
  await busy.waitForText("tick 1\n");
  groupSignal(proc, signal);
  await proc.stderr.waitFor(draining(signal), 0, START_MS, proc.gone, "draining line");
  return busy;
}

/** Each option with the default --help must show (BRIEF.md). */
const OPTIONS: [string, string | null][] = [
  ["--bind", "127.0.0.1:8888"],
  ["--keep-alive", "5"],
  ["--head-timeout", "10"],
  ["--body-timeout", "30"],
  ["--response-timeout", "60"],
  ["--graceful-timeout", "30"],
  ["--max-request-line", "8192"],
  ["--max-head-size", "16384"],
  ["--max-headers", "100"],
  ["--max-body-size", "67108864"],
  ["--max-connections", "16384"],
  ["--root-path", null],
  ["--server-header", "tsgi"],
  ["--access-log", null],
  ["--validate", null],
  ["--forwarded-allow-ips", "127.0.0.1,::1"],
  ["--forwarded-host", null],
  ["--proxy-protocol", "off"],
  ["--access-logfile", "none"],
  ["--access-logformat", null],
  ["--error-logfile", "-"],
  ["--log-level", "info"],
  ["--workers", "1"],
  ["--timeout", "30"],
  ["--max-requests", "0"],
  ["--max-requests-jitter", "0"],
  ["--reload", null],
  ["--help", null],
  ["--version", null],
];

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

describe.each(RUNTIMES)("command line (%s)", (runtime) => {
  test("--help lists every option with its default and exits 0", async () => {
    const r = await runCli(runtime, ["--help"]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdoutLines;
    for (const [option, def] of OPTIONS) {
      const line = lines.find((l) => new RegExp(`${escape(option)}\\b`).test(l));
      expect(line, `--help has no line for ${option}:\n${r.stdout}`).toBeDefined();
      if (def !== null) expect(line, `default of ${option}`).toMatch(new RegExp(`${escape(option)}\\b.*[^\\w.]${escape(def)}(?![\\w.])`));
    }
    expect(r.stdout).toMatch(/-b\b/);
    expect(r.stdout).toMatch(/-h\b/);
  });

  test("--version prints the version and exits 0", async () => {
    const r = await runCli(runtime, ["--version"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\b0\.1\.0\b/);
  });

  test("a missing module file: one error line, exit 2", async () => {
    expectStartupError(await runCli(runtime, ["test/apps/does-not-exist.ts", "-b", "127.0.0.1:0"]), 2);
  });

  test("a missing export: one error line, exit 2", async () => {
    expectStartupError(await runCli(runtime, ["test/apps/exports.ts:nope", "-b", "127.0.0.1:0"]), 2);
  });

  test("an export that is not a function: one error line, exit 2", async () => {
    expectStartupError(await runCli(runtime, ["test/apps/exports.ts:notAFunction", "-b", "127.0.0.1:0"]), 2);
    expectStartupError(await runCli(runtime, ["test/apps/not-a-function.ts", "-b", "127.0.0.1:0"]), 2);
  });

  test.each([
    ["an unknown option", ["--nope", "test/apps/stream.ts"]],
    ["a bad number", ["--keep-alive", "soon", "test/apps/stream.ts"]],
    ["a bad bind address", ["-b", "nowhere", "test/apps/stream.ts"]],
    ["a port out of range", ["-b", "127.0.0.1:70000", "test/apps/stream.ts"]],
    ["two modules", ["test/apps/stream.ts", "test/apps/body.ts"]],
    ["a name in --forwarded-allow-ips", ["--forwarded-allow-ips", "127.0.0.1,localhost", "test/apps/stream.ts"]],
    ["a bad CIDR prefix", ["--forwarded-allow-ips", "10.0.0.0/33", "test/apps/stream.ts"]],
    ["an unknown access-log atom", ["--access-logformat", "%(h)s %(nope)s", "test/apps/stream.ts"]],
    ["a bad PROXY protocol version", ["--proxy-protocol", "v3", "test/apps/stream.ts"]],
    ["a bad log level", ["--log-level", "loud", "test/apps/stream.ts"]],
  ])("usage error (%s): one error line, exit 2", async (_name, args) => {
    expectStartupError(await runCli(runtime, args), 2);
  });

  test("a busy port: one error line, exit 1", async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      expectStartupError(await runCli(runtime, ["test/apps/stream.ts", "-b", `127.0.0.1:${port}`]), 1);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  test("the listening line is the only stdout line; --bind=ADDR before MODULE works too", async () => {
    const s = await startServer(runtime, "", { argv: ["--bind=127.0.0.1:0", "test/apps/stream.ts"] });
    try {
      expect(s.proc.stdout.lines).toEqual([s.listeningLine]);
      const c = await RawClient.connect(s.port);
      expect(text(await c.request(get("/x")))).toBe("GET /x");
    } finally {
      expect(await s.stop()).toEqual({ code: 0, signal: null });
    }
  });

  test("NAME: the default export is used, else `app`, else `application`; :NAME picks one", async () => {
    for (const [target, answer] of [
      ["examples/hello.ts", "Hello, World!"],
      ["test/apps/exports.ts", "app"],
      ["test/apps/only-application.ts", "application"],
      ["test/apps/exports.ts:other", "other"],
      ["test/apps/exports.ts:application", "application"],
    ]) {
      const s = await startServer(runtime, target);
      try {
        const c = await RawClient.connect(s.port);
        expect(text(await c.request(get("/"))), target).toBe(answer);
      } finally {
        await s.stop();
      }
    }
  }, 60_000);

  test("--server-header sets the Server header; an empty value sends none", async () => {
    const s = await startServer(runtime, "test/apps/stream.ts", { args: ["--server-header", "tsgi-test/9"] });
    try {
      const c = await RawClient.connect(s.port);
      expect(header(await c.request(get("/")), "server")).toBe("tsgi-test/9");
    } finally {
      await s.stop();
    }
    const none = await startServer(runtime, "test/apps/stream.ts", { args: ["--server-header", ""] });
    try {
      const c = await RawClient.connect(none.port);
      expect(headerValues(await c.request(get("/")), "server")).toEqual([]);
    } finally {
      await none.stop();
    }
  });

  test("--root-path becomes SCRIPT_NAME", async () => {
    const s = await startServer(runtime, "test/apps/environ.ts", { args: ["--root-path", "/mount"] });
    try {
      const c = await RawClient.connect(s.port);
      const env = JSON.parse(text(await c.request(get("/mount/x")))) as Record<string, unknown>;
      expect(env.SCRIPT_NAME).toBe("/mount");
    } finally {
      await s.stop();
    }
  });

  test("--access-log prints a line per request to stdout", async () => {
    const s = await startServer(runtime, "test/apps/stream.ts", { args: ["--access-log"] });
    try {
      const mark = s.stdoutMark();
      const c = await RawClient.connect(s.port);
      await c.request(get("/logged-path-1"));
      await s.waitForStdout(/\/logged-path-1\b.*\b200\b/, mark);
    } finally {
      await s.stop();
    }
  });

  test("unix:PATH: listens on a unix socket and says so", async () => {
    const sock = path.join(tmp, `${runtime}.sock`);
    const s = await startServer(runtime, "test/apps/stream.ts", {
      bind: `unix:${sock}`,
      listening: new RegExp(`^tsgi: listening on unix:${escape(sock)} \\(${runtime}\\)$`),
    });
    try {
      const c = await RawClient.connect(sock);
      expect(text(await c.request(get("/over-unix")))).toBe("GET /over-unix");
    } finally {
      await s.stop();
    }
  });

  /** Runs a module with `source` that cannot load (colours asked for, as Deno colours parts of its messages even into a pipe): one plain line, exit 1. */
  async function loadFailure(name: string, source: string): Promise<{ file: string; line: string }> {
    const file = path.join(tmp, `${runtime}-${name}.ts`);
    writeFileSync(file, source);
    const r = await runCli(runtime, [file, "-b", "127.0.0.1:0"], START_MS, { env: { FORCE_COLOR: "1", NO_COLOR: undefined } });
    expectStartupError(r, 1);
    expect(r.stderr).not.toMatch(/\x1b/);
    return { file, line: errorLines(r)[0]! };
  }

  test("a syntax error: one plain line naming file:line:col, exit 1", async () => {
    const { file, line } = await loadFailure("syntax", "export default function app() {}\nconst x = ;\n");
    expect(line).toMatch(new RegExp(`^tsgi: error: cannot load "${escape(file)}": ${escape(file)}:2:11: \\S`));
  });

  test("a missing import: one plain line, exit 1", async () => {
    const { line } = await loadFailure("import", 'import "./nowhere.ts";\nexport default function app() {}\n');
    expect(line).toMatch(/nowhere\.ts/);
  });

  test("Ctrl-C during a request: says it drains 1 request, the response finishes, exit 0", async () => {
    const s = await startServer(runtime, "test/apps/stream.ts", { spawn: { detached: true } });
    try {
      const busy = await drainingRequest(s.proc, s.port, "SIGINT", 20);
      expect(text(await busy.readResponse())).toBe(ticks(20));
      expect(await s.proc.waitExit()).toEqual({ code: 0, signal: null });
    } finally {
      killGroup(s.proc);
    }
  });

  test.each([
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const)("a second %s while draining stops at once: exit %i, the response is cut short", async (signal, code) => {
    const s = await startServer(runtime, "test/apps/stream.ts", { spawn: { detached: true } });
    try {
      const busy = await drainingRequest(s.proc, s.port, signal, 100_000);
      groupSignal(s.proc, signal);
      expect(await s.proc.waitExit()).toEqual({ code, signal: null });
      await busy.untilClosed();
      expect(busy.received.toString("latin1")).not.toMatch(/\r\n0\r\n\r\n$/);
      expect(s.proc.stderr.lines).toContainEqual(`tsgi: ${signal} while stopping: stopping at once, cutting 1 request short`);
    } finally {
      killGroup(s.proc);
    }
  });

  test("SIGTERM: an in-flight stream finishes, idle connections close, exit 0", async () => {
    const s = await startServer(runtime, "test/apps/stream.ts");
    const idle = await RawClient.connect(s.port);
    expect(text(await idle.request(get("/idle")))).toBe("GET /idle");
    const busy = await RawClient.connect(s.port);
    await busy.write(get("/slow?n=8&ms=50"));
    await busy.waitForText("tick 1\n");
    const exit = s.stop();
    const res = await busy.readResponse();
    expect(text(res)).toBe(Array.from({ length: 8 }, (_, i) => `tick ${i + 1}\n`).join(""));
    await busy.untilClosed();
    expect((await idle.untilClosed()).rest.length).toBe(0);
    expect(await exit).toEqual({ code: 0, signal: null });
  });
});

// A unix socket path longer than sun_path (108 bytes with the NUL on Linux, 104 on macOS and the
// BSDs) is refused before anything is created, on every runtime, with exit 1 like any address the
// OS cannot listen on. Node used to bind a path cut short while printing the full one, and leave
// the short one behind; Bun and Deno refused it in words of their own.
describe.each(RUNTIMES)("unix socket path length (%s)", (runtime) => {
  const MAX = process.platform === "linux" ? 107 : 103;

  /** A fresh directory holding only what the server creates, and a socket path in it of `bytes` bytes. */
  function socketPath(name: string, bytes: number): { dir: string; sock: string } {
    const dir = mkdtempSync(path.join(tmp, `${runtime}-${name}-`));
    const fill = bytes - dir.length - "/.sock".length;
    expect(fill, `the temporary directory ${dir} is too long to build a ${bytes}-byte path in`).toBeGreaterThan(8);
    const sock = path.join(dir, "s".repeat(fill) + ".sock");
    expect(Buffer.byteLength(sock)).toBe(bytes);
    return { dir, sock };
  }

  test.each([MAX + 1, 130])("a %d-byte path: one line naming the path and the limit, exit 1, no file left", async (bytes) => {
    const { dir, sock } = socketPath("long", bytes);
    const r = await runCli(runtime, ["-b", `unix:${sock}`, "examples/hello.ts"]);
    expectStartupError(r, 1);
    expect(errorLines(r)[0]).toBe(
      `tsgi: error: cannot listen on unix:${sock}: the path is ${bytes} bytes, longer than the ${MAX} a unix socket path can have on ${process.platform} (sun_path holds ${MAX + 1} with the NUL)`,
    );
    expect(readdirSync(dir)).toEqual([]);
  });

  test(`the longest path that fits (${MAX} bytes) listens under its full name and is removed on stop`, async () => {
    const { dir, sock } = socketPath("max", MAX);
    const s = await startServer(runtime, "examples/hello.ts", {
      bind: `unix:${sock}`,
      listening: new RegExp(`^tsgi: listening on unix:${escape(sock)} \\(${runtime}\\)$`),
    });
    try {
      expect(readdirSync(dir)).toEqual([path.basename(sock)]);
      const c = await RawClient.connect(sock);
      expect(text(await c.request(get("/")))).toBe("Hello, World!");
    } finally {
      expect(await s.stop()).toEqual({ code: 0, signal: null });
    }
    expect(readdirSync(dir)).toEqual([]);
  });
});

/**
 * `bun run serve` (Bun's own launcher, so Bun only): a Ctrl-C reaches the server twice, from the
 * terminal and relayed by `bun run`. It must count once; a second Ctrl-C stops at once.
 */
describe("bun run serve", () => {
  async function bunRun(): Promise<{ proc: Proc; port: number }> {
    const proc = new Proc(BUN, ["run", "serve", "test/apps/stream.ts", "-b", "127.0.0.1:0"], { detached: true });
    const line = await proc.stdout.waitFor(/^tsgi: listening on http:\/\/127\.0\.0\.1:(\d+) \(bun\)$/, 0, START_MS, proc.gone, "bun run serve");
    return { proc, port: Number(/:(\d+) \(/.exec(line)![1]) };
  }

  test("one Ctrl-C drains (said once), the response finishes, exit 0", async () => {
    const { proc, port } = await bunRun();
    try {
      const busy = await drainingRequest(proc, port, "SIGINT", 30);
      expect(text(await busy.readResponse())).toBe(ticks(30));
      expect(await proc.waitExit()).toEqual({ code: 0, signal: null });
      expect(proc.stderr.lines.filter((l) => l.includes("stopping"))).toHaveLength(1);
    } finally {
      killGroup(proc);
    }
  });

  test("a second Ctrl-C stops at once: exit 130", async () => {
    const { proc, port } = await bunRun();
    try {
      const busy = await drainingRequest(proc, port, "SIGINT", 100_000);
      groupSignal(proc, "SIGINT");
      expect(await proc.waitExit()).toEqual({ code: 130, signal: null });
      await busy.untilClosed();
    } finally {
      killGroup(proc);
    }
  });
});

/** Deno alone has permissions: without --allow-read it may not even look at the module file. */
describe("deno without a permission", () => {
  /** Runs serve.ts on Deno with these arguments to its exit: the non-empty stderr lines and the exit. */
  async function denoRun(argv: string[]): Promise<{ lines: string[]; text: string; info: ExitInfo }> {
    const p = new Proc(DENO, ["run", ...argv]);
    const info = await p.waitExit(START_MS);
    return { lines: p.stderr.lines.filter((l) => l.trim() !== ""), text: p.stderr.text, info };
  }

  test("without --allow-read: says which permission is missing and how to grant it, exit 2", async () => {
    const r = await denoRun(["--allow-net", "serve.ts", "examples/hello.ts", "-b", "127.0.0.1:0"]);
    expect(r.lines, r.text).toHaveLength(1);
    expect(r.lines[0]).toMatch(/^tsgi: error: cannot read module file "examples\/hello\.ts": .*read access.*--allow-read/);
    expect(r.info).toEqual({ code: 2, signal: null });
  });

  test("a unix socket without --allow-write: the error line names the flag, exit 1", async () => {
    const r = await denoRun(["--allow-net", "--allow-read", "serve.ts", "examples/hello.ts", "-b", `unix:${path.join(tmp, "deno-no-write.sock")}`]);
    expect(r.lines, r.text).toHaveLength(1);
    expect(r.lines[0]).toMatch(/^tsgi: error: .*write access.*--allow-write/);
    expect(r.info).toEqual({ code: 1, signal: null });
  });
});
