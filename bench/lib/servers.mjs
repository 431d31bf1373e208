// How each kind of server is started on each runtime (tsgi from this checkout or a baseline, the
// runtime's own server, the bare-socket ceiling), and the checkouts' builds. Shared by run.mjs (wrk)
// and instructions.mjs (instruction counts). It must never start a process beyond `npm run build`
// and the runtimes' --version.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";

export const ROOT = path.resolve(new URL("../..", import.meta.url).pathname);
/** The keep-alive timeout given to every server, so idle connections stay. */
export const IDLE_SECONDS = "120";

const BUN = path.join(ROOT, "node_modules/.bin/bun");
const DENO = path.join(ROOT, "node_modules/.bin/deno");
const DENO_RUN = [DENO, "run", "--allow-net"];
const TSGI_OPTIONS = ["-b", "127.0.0.1:0", "--keep-alive", IDLE_SECONDS];
// Absolute, so tsgi started from another checkout (base) serves these very files; they import types only.
/** A bench app's file; an app with no separate async variant (hono: a fetch handler is async anyway) serves both. */
const app = (name, variant) => {
  const file = path.join(ROOT, "bench/apps/async", `${name}.ts`);
  return variant === "async" && existsSync(file) ? file : path.join(ROOT, "bench/apps", `${name}.ts`);
};
/** A scenario's own tsgi options (the slow-clients scenario's short head timeout, the workers scenario's -w). */
const extra = (s) => [...(s.headTimeout ? ["--head-timeout", String(s.headTimeout)] : []), ...(s.workers ? ["-w", String(s.workers)] : [])];
/** The native servers' option for several processes (the workers scenario). */
const nativeWorkers = (s) => (s.workers ? [`--workers=${s.workers}`] : []);
/** Deno permissions to start worker processes (tsgi's supervisor; the native server's children, with unstable reusePort). */
const denoWorkers = (s, native) => (s.workers ? [...(native ? ["--unstable-net", "--allow-read"] : []), "--allow-run", "--allow-env"] : []);

/** How to start each kind of server on each runtime; tsgi gets the checkout it runs from (ROOT, or the baseline for base). */
export const RUNTIMES = {
  node: {
    version: () => `node ${process.version}`,
    tsgi: (s, dir, v) => [process.execPath, path.join(dir, "dist/serve.js"), ...TSGI_OPTIONS, ...extra(s), app(s.app, v)],
    // node:http has a head timeout (headersTimeout): given the scenario's, it expires slow clients too
    native: (s, _dir, v) => (s.nativeScript ? [process.execPath, s.nativeScript, IDLE_SECONDS] : [process.execPath, "bench/native/node.mjs", s.native ?? s.app, IDLE_SECONDS, v, ...(s.headTimeout ? [String(s.headTimeout)] : []), ...nativeWorkers(s)]),
    bare: (s) => [process.execPath, "bench/bare/node.mjs", s.bare],
  },
  bun: {
    version: () => `bun ${firstLine(BUN, ["--version"])}`,
    tsgi: (s, dir, v) => [BUN, path.join(dir, "serve.ts"), ...TSGI_OPTIONS, ...extra(s), app(s.app, v)],
    native: (s, _dir, v) => (s.nativeScript ? [BUN, s.nativeScript, IDLE_SECONDS] : [BUN, "bench/native/bun.mjs", s.native ?? s.app, IDLE_SECONDS, v, ...nativeWorkers(s)]),
    bare: (s) => [BUN, "bench/bare/bun.mjs", s.bare],
  },
  deno: {
    version: () => firstLine(DENO, ["--version"]),
    tsgi: (s, dir, v) => [...DENO_RUN, ...(s.denoEnv ? ["--allow-env"] : []), "--allow-read", ...denoWorkers(s, false), path.join(dir, "serve.ts"), ...TSGI_OPTIONS, ...extra(s), app(s.app, v)],
    native: (s, _dir, v) => (s.nativeScript ? [...DENO_RUN, "--allow-env", "--allow-read", s.nativeScript, IDLE_SECONDS] : [...DENO_RUN, ...denoWorkers(s, true), ...(s.reads && !s.workers ? ["--allow-read"] : []), "bench/native/deno.mjs", s.native ?? s.app, v, ...nativeWorkers(s)]),
    bare: (s) => [...DENO_RUN, "bench/bare/deno.mjs", s.bare],
  },
};

/** A Node server's command line with options for node itself (--node-flags) after the executable. */
export function withNodeFlags(argv, flags) {
  return flags.length === 0 ? argv : [argv[0], ...flags, ...argv.slice(1)];
}

export function firstLine(bin, args) {
  const r = spawnSync(bin, args, { encoding: "utf8" });
  return (r.stdout || r.stderr || "?").split("\n")[0].trim();
}

/** A checkout as "DIR (commit abc1234, modified)", for the A/B header line. */
export function describe(dir) {
  const git = (...args) => spawnSync("git", ["-C", dir, ...args], { encoding: "utf8" });
  const head = git("rev-parse", "--short", "HEAD");
  if (head.status !== 0) return `${dir} (not a git checkout)`;
  const dirty = git("status", "--porcelain", "--untracked-files=no").stdout.trim();
  return `${dir} (commit ${head.stdout.trim()}${dirty ? ", modified" : ""})`;
}

/** Runs `npm run build` in checkout `dir` (esbuild takes well under a second: no staleness guess). Returns an error or undefined. */
export function ensureBuild(dir) {
  if (!existsSync(path.join(dir, "serve.ts"))) return "serve.ts does not exist yet";
  const build = spawnSync("npm", ["run", "build"], { cwd: dir, encoding: "utf8" });
  if (build.status !== 0) return `npm run build failed: ${(build.stderr || build.stdout).trim().split("\n").slice(-2).join(" | ")}`;
  return undefined;
}
