// Starts the real tsgi server for one runtime through its real command line (bun, deno or node)
// on 127.0.0.1 port 0, waits for its "listening" line, collects stdout/stderr, and stops it.
// It must never wait with sleeps (it waits for output lines and exit events; timeouts are only
// safety nets) and never use binaries from PATH for bun and deno (the repo's node_modules/.bin).
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll } from "vitest";

export const RUNTIMES = ["bun", "deno", "node"] as const;
export type Runtime = (typeof RUNTIMES)[number];

/** The repository root (test/helpers/../..). Servers run with it as the working directory. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export const BUN = path.join(ROOT, "node_modules/.bin/bun");
export const DENO = path.join(ROOT, "node_modules/.bin/deno");
/** The Node that runs the tests (v20) also runs the node server. */
export const NODE = process.execPath;

/** Safety net for startup (Deno and Node compile TypeScript on the way). */
export const START_MS = 20_000;
/** Safety net for waiting on a log line. */
export const LOG_MS = 15_000;
/** Safety net for exit after SIGTERM (graceful shutdown of a test server is quick). */
export const STOP_MS = 15_000;

/** Environment for every child: no colours, no update checks, nothing interactive. */
function childEnv(): NodeJS.ProcessEnv {
  return { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0", DENO_NO_UPDATE_CHECK: "1", DENO_NO_PROMPT: "1" };
}

/** An argument that makes Deno write a file: a unix socket, a log file. */
const needsWrite = (a: string): boolean => a.startsWith("unix:") || a === "--access-logfile" || a === "--error-logfile";

/** The command line that runs `serve.ts` (or dist/serve.js) on `runtime` with `args`. */
export function command(runtime: Runtime, args: string[], denoFlags: readonly string[] = []): { file: string; argv: string[] } {
  switch (runtime) {
    case "bun":
      return { file: BUN, argv: ["serve.ts", ...args] };
    case "deno":
      // Deno needs write permission to create a unix socket file or write a log file, --allow-sys to set the umask
      // (documented in the README), and run and env permission to start worker processes.
      return {
        file: DENO,
        argv: [
          "run",
          "--allow-net",
          "--allow-read",
          ...(args.some(needsWrite) ? ["--allow-write"] : []),
          ...(args.includes("--umask") ? ["--allow-sys"] : []),
          ...(args.some((a) => a === "-w" || a.startsWith("--workers")) ? ["--allow-run", "--allow-env"] : []),
          ...denoFlags,
          "serve.ts",
          ...args,
        ],
      };
    case "node":
      return { file: NODE, argv: ["dist/serve.js", ...args] };
  }
}

/** Every child started here, killed if the test process exits without stopping them. */
const children = new Set<ChildProcess>();
process.on("exit", () => {
  for (const c of children) c.kill("SIGKILL");
});

/** Line-collecting view of one output stream, with event-driven waits for a matching line. */
class Lines {
  readonly lines: string[] = [];
  private partial = "";
  private waiters = new Set<() => void>();

  push(chunk: string): void {
    const parts = (this.partial + chunk).split("\n");
    this.partial = parts.pop() ?? "";
    for (const p of parts) this.lines.push(p.replace(/\r$/, ""));
    for (const w of [...this.waiters]) w();
  }

  /** Flush a last line without newline (at exit). */
  flush(): void {
    if (this.partial !== "") {
      this.lines.push(this.partial);
      this.partial = "";
    }
    for (const w of [...this.waiters]) w();
  }

  get text(): string {
    return this.lines.join("\n") + (this.partial ? "\n" + this.partial : "");
  }

  /** Resolve with the first line at index >= from matching `re`. `gone()` non-null rejects. */
  waitFor(re: RegExp, from: number, ms: number, gone: () => string | null, what: string): Promise<string> {
    return new Promise((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const check = () => {
        for (let i = from; i < this.lines.length; i++) {
          if (re.test(this.lines[i])) {
            cleanup();
            resolve(this.lines[i]);
            return;
          }
        }
        const why = gone();
        if (why !== null) {
          cleanup();
          reject(new Error(`${what}: no line matching ${re} (${why}); lines:\n${this.lines.slice(from).join("\n")}`));
        }
      };
      const cleanup = () => {
        this.waiters.delete(check);
        if (timer) clearTimeout(timer);
      };
      timer = setTimeout(() => {
        cleanup();
        reject(new Error(`${what}: no line matching ${re} within ${ms} ms; lines:\n${this.lines.slice(from).join("\n")}`));
      }, ms);
      this.waiters.add(check);
      check();
    });
  }
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** How a Proc is spawned besides its command line. */
export interface SpawnOptions {
  /** Extra environment over the children's default (undefined values remove a variable). */
  env?: NodeJS.ProcessEnv;
  /** In a process group of its own (for signals to the whole group, as a terminal's Ctrl-C sends). */
  detached?: boolean;
  /** A file descriptor for stdout or stderr instead of a pipe (its lines are then not collected). */
  stdout?: number;
  stderr?: number;
  /** The working directory; the repository root unless given. */
  cwd?: string;
  /** File descriptors the child inherits as its fd 3, 4, ... (a listening socket for fd://3). */
  inherit?: number[];
}

/** A spawned process with its output collected. */
export class Proc {
  readonly child: ChildProcess;
  readonly stdout = new Lines();
  readonly stderr = new Lines();
  exitInfo: ExitInfo | null = null;
  readonly exited: Promise<ExitInfo>;

  constructor(file: string, argv: string[], options: SpawnOptions = {}) {
    const env = { ...childEnv(), ...options.env };
    for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
    this.child = spawn(file, argv, { cwd: options.cwd ?? ROOT, env, detached: options.detached ?? false, stdio: ["ignore", options.stdout ?? "pipe", options.stderr ?? "pipe", ...(options.inherit ?? [])] });
    children.add(this.child);
    this.child.stdout?.setEncoding("utf8").on("data", (s: string) => this.stdout.push(s));
    this.child.stderr?.setEncoding("utf8").on("data", (s: string) => this.stderr.push(s));
    this.exited = new Promise((resolve) => {
      // "close" fires after the exit and after stdio has ended, so all output is collected.
      this.child.on("close", (code, signal) => {
        children.delete(this.child);
        this.exitInfo = { code, signal };
        this.stdout.flush();
        this.stderr.flush();
        resolve(this.exitInfo);
      });
      this.child.on("error", (err) => {
        children.delete(this.child);
        this.exitInfo = { code: null, signal: null };
        this.stderr.push(`spawn error: ${err.message}\n`);
        this.stderr.flush();
        resolve(this.exitInfo);
      });
    });
  }

  /** Why waiting for more output is pointless, or null while the process runs. */
  gone = (): string | null => (this.exitInfo ? `process exited with ${JSON.stringify(this.exitInfo)}; stderr:\n${this.stderr.text}` : null);

  /** Wait for the process to exit (safety net `ms`). */
  async waitExit(ms = STOP_MS): Promise<ExitInfo> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`process did not exit within ${ms} ms; stderr:\n${this.stderr.text}`)), ms);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  kill(signal: NodeJS.Signals = "SIGKILL"): void {
    if (!this.exitInfo) this.child.kill(signal);
  }
}

export interface RunResult extends ExitInfo {
  stdout: string;
  stderr: string;
  stdoutLines: string[];
  stderrLines: string[];
}

/** Run the CLI to completion (for usage errors, --help, --version). Kills it after `ms`. */
export async function runCli(runtime: Runtime, args: string[], ms = START_MS, spawnOptions: SpawnOptions = {}): Promise<RunResult> {
  const { file, argv } = command(runtime, args);
  const p = new Proc(file, argv, spawnOptions);
  try {
    const info = await p.waitExit(ms);
    return { ...info, stdout: p.stdout.text, stderr: p.stderr.text, stdoutLines: p.stdout.lines, stderrLines: p.stderr.lines };
  } finally {
    p.kill();
  }
}

/** A running server. */
export interface Server {
  runtime: Runtime;
  port: number;
  host: string;
  /** http://127.0.0.1:PORT */
  url: string;
  /** The "tsgi: listening on ..." line. */
  listeningLine: string;
  proc: Proc;
  /** The number of stderr lines so far: pass it to waitForStderr to look only at later lines. */
  stderrMark(): number;
  stdoutMark(): number;
  /** Resolve with the first stderr line (from index `from`) matching `re`. */
  waitForStderr(re: RegExp, from?: number, ms?: number): Promise<string>;
  waitForStdout(re: RegExp, from?: number, ms?: number): Promise<string>;
  stderr(): string;
  /** SIGTERM, then wait for exit. */
  stop(): Promise<ExitInfo>;
}

export interface StartOptions {
  /** Options placed before APP. */
  args?: string[];
  /** The bind address; "127.0.0.1:0" unless given. Passed as `-b BIND` after APP. */
  bind?: string;
  /** The expected listening line; defaults to the http://127.0.0.1:PORT form. */
  listening?: RegExp;
  /** The whole argument list instead of `[args] APP -b BIND` (app and bind are then ignored). */
  argv?: string[];
  /** Environment, process group, stdout/stderr of the server process. */
  spawn?: SpawnOptions;
  /** More Deno permission flags (Express reads NODE_ENV: `--allow-env`); ignored on Bun and Node. */
  deno?: string[];
}

/**
 * Start `app` (a path relative to the repo root, e.g. "test/apps/echo-environ.ts", optionally with
 * ":NAME") on `runtime`: `[opts] APP -b 127.0.0.1:0`. Resolves once the listening line arrived.
 */
export async function startServer(runtime: Runtime, app: string, opts: StartOptions = {}): Promise<Server> {
  if (runtime === "node" && !existsSync(path.join(ROOT, "dist/serve.js"))) {
    throw new Error("dist/serve.js is missing: run `npm run build` first (npm test does it)");
  }
  const bind = opts.bind ?? "127.0.0.1:0";
  const { file, argv } = command(runtime, opts.argv ?? [...(opts.args ?? []), app, "-b", bind], opts.deno);
  const proc = new Proc(file, argv, opts.spawn);
  const re = opts.listening ?? new RegExp(`^tsgi: listening on http://127\\.0\\.0\\.1:(\\d+) \\(${runtime}\\)$`);
  let line: string;
  try {
    line = await proc.stdout.waitFor(re, 0, START_MS, proc.gone, `starting ${runtime} ${app}`);
  } catch (err) {
    proc.kill();
    throw err;
  }
  const port = Number(/:(\d+) \(/.exec(line)?.[1] ?? "0");
  const server: Server = {
    runtime,
    port,
    host: "127.0.0.1",
    url: `http://127.0.0.1:${port}`,
    listeningLine: line,
    proc,
    stderrMark: () => proc.stderr.lines.length,
    stdoutMark: () => proc.stdout.lines.length,
    waitForStderr: (r, from = 0, ms = LOG_MS) => proc.stderr.waitFor(r, from, ms, proc.gone, `${runtime} stderr`),
    waitForStdout: (r, from = 0, ms = LOG_MS) => proc.stdout.waitFor(r, from, ms, proc.gone, `${runtime} stdout`),
    stderr: () => proc.stderr.text,
    stop: async () => {
      if (proc.exitInfo) return proc.exitInfo;
      proc.kill("SIGTERM");
      try {
        return await proc.waitExit(STOP_MS);
      } finally {
        proc.kill();
      }
    },
  };
  return server;
}

/**
 * For describe.each(RUNTIMES): start one server per suite in beforeAll and stop it in afterAll.
 * Returns a getter (the server exists only once beforeAll ran).
 */
export function useServer(runtime: Runtime, app: string, opts: StartOptions = {}): () => Server {
  let server: Server | undefined;
  beforeAll(async () => {
    server = await startServer(runtime, app, opts);
  }, START_MS + 5_000);
  afterAll(async () => {
    await server?.stop();
  }, STOP_MS + 5_000);
  return () => {
    if (!server) throw new Error(`server for ${runtime} ${app} did not start`);
    return server;
  };
}
