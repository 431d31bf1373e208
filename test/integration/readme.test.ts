// The README's "Serve an app" section, run as written: every command in its `sh` blocks runs as
// `sh -c "exec COMMAND"` (so it leads its process group, as in a terminal) in a copy of the
// repository (node_modules linked, dist/ copied). A command that prints a ready line is a server:
// GET / must answer "Hello, World!" from the runtime the README says; then Ctrl-C (SIGINT to its
// process group, as a terminal sends it) must end every process of it and free the port, and the
// tsgi command line itself must exit 0. A command that ends by itself is a step (a build) and must
// exit 0. `bun ...` and `deno ...` run with node_modules/.bin on PATH, standing in for a global
// install; every other command runs with no bun or deno anywhere on PATH, as for someone with only
// Node. A command naming examples/hello.ts gets `-b 127.0.0.1:0` appended (a free port, not 8888);
// examples/own-serve.ts listens on 127.0.0.1:8000 as written.
// It must never wait with sleeps or leave a process running.
import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { RawClient, get, text } from "../helpers/raw.ts";
import { ROOT, START_MS, STOP_MS } from "../helpers/server.ts";

/** The `sh` blocks of the README section under `heading`, each as its command lines (comments and blank lines dropped). */
function shBlocks(readme: string, heading: string): string[][] {
  const start = readme.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`README.md has no heading ${JSON.stringify(heading)}`);
  const next = readme.indexOf("\n## ", start + heading.length + 2);
  const section = readme.slice(start, next < 0 ? undefined : next);
  return [...section.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) =>
    m[1].split("\n").map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("#")),
  );
}

const BLOCKS = shBlocks(readFileSync(path.join(ROOT, "README.md"), "utf8"), "## Serve an app");
const COMMANDS = BLOCKS.flat();

/** The runtime the README says a command serves on. */
function runtimeOf(command: string): string {
  if (/^(npx )?deno /.test(command)) return "deno";
  if (/^(npx )?bun /.test(command) || command.startsWith("npm run serve ")) return "bun";
  if (command.startsWith("npm start ") || command.startsWith("node ")) return "node";
  throw new Error(`which runtime does ${JSON.stringify(command)} serve on?`);
}

const usesGlobal = (command: string) => /^(bun|deno) /.test(command);

/** PATH without node_modules/.bin or any directory holding bun or deno: only Node (and the system). */
function pathWithoutBunOrDeno(): string {
  return (process.env.PATH ?? "")
    .split(path.delimiter)
    .filter((dir) => dir !== "" && !existsSync(path.join(dir, "bun")) && !existsSync(path.join(dir, "deno")))
    .join(path.delimiter);
}

/** The environment of a user's shell: none of the npm_* variables `npm test` sets, no colours. */
function userEnv(command: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k) && k !== "INIT_CWD") env[k] = v;
  const plain = pathWithoutBunOrDeno();
  env.PATH = usesGlobal(command) ? [path.join(ROOT, "node_modules/.bin"), plain].join(path.delimiter) : plain;
  return { ...env, NO_COLOR: "1", FORCE_COLOR: "0", DENO_NO_UPDATE_CHECK: "1", DENO_NO_PROMPT: "1" };
}

// A copy of the repository, so `npm start` rebuilds its own dist/ (not the one other tests run)
// and the own-serve bundle lands there.
const copy = mkdtempSync(path.join(tmpdir(), "tsgi-readme-"));
cpSync(ROOT, copy, { recursive: true, filter: (src) => !["node_modules", ".git"].includes(path.relative(ROOT, src)) });
symlinkSync(realpathSync(path.join(ROOT, "node_modules")), path.join(copy, "node_modules"));

const running = new Set<ChildProcess>();
afterAll(() => {
  for (const child of running) killGroup(child, "SIGKILL");
  rmSync(copy, { recursive: true, force: true });
});

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {}
}

/** One command run under sh in its own process group, its stdout and stderr collected together. */
class Run {
  readonly child: ChildProcess;
  output = "";
  closed: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  private waiters = new Set<() => void>();

  constructor(readonly command: string) {
    this.child = spawn("sh", ["-c", `exec ${command}`], { cwd: copy, env: userEnv(command), detached: true, stdio: ["ignore", "pipe", "pipe"] });
    running.add(this.child);
    const take = (s: string) => {
      this.output += s;
      this.notify();
    };
    this.child.stdout!.setEncoding("utf8").on("data", take);
    this.child.stderr!.setEncoding("utf8").on("data", take);
    // "close": the leader exited and every process holding its stdout or stderr did too.
    this.child.on("close", (code, signal) => {
      running.delete(this.child);
      this.closed = { code, signal };
      this.notify();
    });
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }

  /** Resolves with the first match of `re` in the output, or null once everything has closed without one. */
  until(re: RegExp | null, ms: number): Promise<RegExpExecArray | null> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const m = re?.exec(this.output) ?? null;
        if (m !== null || this.closed !== null) {
          done();
          resolve(m);
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${this.command}: nothing ${re === null ? "ended" : `matching ${re}`} within ${ms} ms; output:\n${this.output}`));
      }, ms);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }
}

/** True when nothing accepts connections on 127.0.0.1:port. */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1");
    s.once("connect", () => {
      s.destroy();
      resolve(false);
    });
    s.once("error", () => resolve(true));
  });
}

const READY = /(?:tsgi: listening on|serving \S+ on) http:\/\/127\.0\.0\.1:(\d+)(?: \((\w+)\))?/;

describe("README: Serve an app", () => {
  test("shows the global forms and the ones that need only Node", () => {
    for (const form of [/^bun run serve /, /^deno run /, /^npm run serve -- /, /^npx bun /, /^npx deno /, /^npm start -- /, /^node dist\/serve\.js /]) {
      expect(COMMANDS.some((c) => form.test(c)), `no command matching ${form} in:\n${COMMANDS.join("\n")}`).toBe(true);
    }
  });

  test.each(BLOCKS.map((block) => [block.join(" ; "), block] as const))("%s", async (_title, block) => {
    let served = 0;
    for (const written of block) {
      const command = written.includes("examples/hello.ts") ? `${written} -b 127.0.0.1:0` : written;
      const run = new Run(command);
      const ready = await run.until(READY, START_MS * 2);
      if (ready === null) {
        // A step: it ended by itself.
        expect(run.closed, `${command}\n${run.output}`).toEqual({ code: 0, signal: null });
        continue;
      }
      served++;
      const port = Number(ready[1]);
      if (ready[2] !== undefined) expect(ready[2], `${command} serves on`).toBe(runtimeOf(written));
      const c = await RawClient.connect(port);
      const res = await c.request(get("/"));
      c.destroy();
      expect(res.status, command).toBe(200);
      expect(text(res), command).toBe("Hello, World!");
      killGroup(run.child, "SIGINT"); // Ctrl-C
      await run.until(null, STOP_MS);
      expect(await refused(port), `${command}: still listening after Ctrl-C`).toBe(true);
      // The tsgi command line itself stops gracefully and exits 0; npm and npx end by the signal.
      if (ready[2] !== undefined && !/^(npm|npx) /.test(written)) expect(run.closed, command).toEqual({ code: 0, signal: null });
      expect(run.output, command).not.toMatch(/error/i);
    }
    expect(served, "servers started in this block").toBeGreaterThan(0);
  }, 4 * 60_000);
});
