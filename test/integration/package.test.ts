// The published package, as a new user gets it: `npm pack` in a copy of the repository (its
// prepack builds dist/ and the declaration files, as on a fresh clone), the tarball installed into
// an empty folder with `npm install --offline` (tsgi has no runtime dependencies, so nothing else is
// fetched), then served from there: the `tsgi` bin on Node (its #! line), `bun x` on Node and Bun,
// `npm:tsgi` on Deno, the library entry through each runtime's export condition, and a user's tsc
// with moduleResolution NodeNext type-checking an app that imports tsgi. The folder has no esbuild:
// a .ts app on a Node without type stripping must fail with one line saying what to install (exit 2).
// It must never use the network or wait with sleeps.
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { RawClient, get, text } from "../helpers/raw.ts";
import { BUN, DENO, NODE, Proc, ROOT, START_MS, STOP_MS } from "../helpers/server.ts";

const work = mkdtempSync(path.join(tmpdir(), "tsgi-package-"));
const clone = path.join(work, "clone");
const user = path.join(work, "user");
let tarball = "";
let packed: string[] = [];

/** Runs a command to completion; its output on failure. */
function run(file: string, args: string[], cwd: string): string {
  try {
    return execFileSync(file, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1", DENO_NO_PROMPT: "1" } });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${file} ${args.join(" ")} (in ${cwd}) failed: ${e.message}\n${e.stdout ?? ""}\n${e.stderr ?? ""}`);
  }
}

const HELLO_JS = `export default (environ, startResponse) => {
  startResponse("200 OK", [["Content-Type", "text/plain"]]);
  return [\`Hello from \${environ["tsgi.runtime"]}\`];
};
`;

const HELLO_TS = `import type { Application, Environ } from "tsgi";

const app: Application = (environ: Environ, startResponse) => {
  startResponse("200 OK", [["Content-Type", "text/plain"]]);
  return [\`Hello from \${String(environ["tsgi.runtime"])}\`];
};

export default app;
`;

/** A user's own serve script: the library through the package's export for this runtime; prints which file that was. */
const OWN_SERVE = (from: string) => `import { serve } from "${from}";
import app from "./hello.mjs";

const server = await serve(app, { bind: "127.0.0.1:0" });
console.log(\`serving \${server.url} from \${import.meta.resolve("${from}")}\`);
`;

/** A user's tsc setup: NodeNext, strict, library checks on (skipLibCheck false), no @types at all. */
const TSCONFIG = {
  compilerOptions: { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, noEmit: true, skipLibCheck: false, types: [], lib: ["ES2022"] },
  files: ["app.ts", "typed-serve.ts"],
};

/** What that tsc checks besides app.ts: the programmatic API with its types. */
const TYPED_SERVE = `import { serve, type Listener, type ServeOptions } from "tsgi";
import app from "./app.js";

const options: ServeOptions = { bind: "127.0.0.1:0", keepAliveTimeout: 5000 };
const server: Listener = await serve(app, options);
await server.close();
`;

beforeAll(() => {
  // A fresh clone: the files git knows (committed or not), no dist/, node_modules linked.
  const files = run("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], ROOT).split("\0").filter((f) => f !== "" && f !== "node_modules");
  for (const f of files) {
    try {
      cpSync(path.join(ROOT, f), path.join(clone, f));
    } catch {} // a file deleted in the working tree
  }
  symlinkSync(realpathSync(path.join(ROOT, "node_modules")), path.join(clone, "node_modules"));
  const out = run("npm", ["pack", "--pack-destination", work, "--loglevel", "warn"], clone).trim().split("\n");
  tarball = path.join(work, out[out.length - 1]!);
  packed = run("tar", ["-tzf", tarball], work).split("\n").filter((l) => l !== "");

  mkdirSync(user);
  writeFileSync(path.join(user, "package.json"), JSON.stringify({ name: "tsgi-user", private: true, type: "module" }));
  run("npm", ["install", "--offline", "--no-audit", "--no-fund", "--loglevel", "warn", tarball], user);
  writeFileSync(path.join(user, "hello.mjs"), HELLO_JS);
  writeFileSync(path.join(user, "app.ts"), HELLO_TS);
  writeFileSync(path.join(user, "own-serve.mjs"), OWN_SERVE("tsgi"));
  writeFileSync(path.join(user, "own-serve.ts"), OWN_SERVE("tsgi"));
  writeFileSync(path.join(user, "own-serve-deno.ts"), OWN_SERVE("npm:tsgi"));
  writeFileSync(path.join(user, "typed-serve.ts"), TYPED_SERVE);
  writeFileSync(path.join(user, "tsconfig.json"), JSON.stringify(TSCONFIG, null, 2));
}, 180_000);

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

/**
 * Starts `file args` in the user's folder, waits for `ready`, GETs / and expects `Hello from RUNTIME`;
 * then SIGTERM, or with `group` Ctrl-C to its process group as a terminal sends it (npx does not
 * pass SIGTERM on to the server it started). Returns the ready line.
 */
async function serveAndGet(file: string, args: string[], ready: RegExp, runtime: string, group = false): Promise<string> {
  const proc = new Proc(file, args, { cwd: user, detached: group });
  try {
    const line = await proc.stdout.waitFor(ready, 0, START_MS * 2, proc.gone, `${file} ${args.join(" ")}`);
    const port = Number(/127\.0\.0\.1:(\d+)/.exec(line)![1]);
    const c = await RawClient.connect(port);
    const res = await c.request(get("/"));
    c.destroy();
    expect(res.status).toBe(200);
    expect(text(res)).toBe(`Hello from ${runtime}`);
    return line;
  } finally {
    if (group && proc.exitInfo === null) process.kill(-proc.child.pid!, "SIGINT");
    else proc.kill("SIGTERM");
    await proc.waitExit(STOP_MS);
    proc.kill();
  }
}

const LISTENING = (runtime: string) => new RegExp(`^tsgi: listening on http://127\\.0\\.0\\.1:\\d+ \\(${runtime}\\)$`);
const BIND = ["-b", "127.0.0.1:0"];

describe("npm pack", () => {
  test("ships dist/ (built by prepack), the sources, the declarations, README and LICENSE; not test/, bench/ or .ci/", () => {
    for (const f of ["package/package.json", "package/README.md", "package/LICENSE", "package/dist/serve.js", "package/dist/runtimes/index.js", "package/dist/runtimes/index.d.ts", "package/dist/runtimes/node/index.js", "package/dist/runtimes/node/ts-loader.js", "package/runtimes/bun/index.ts", "package/src/wsgi/types.ts"]) {
      expect(packed, f).toContain(f);
    }
    expect(packed.filter((f) => /^package\/(test|bench|\.ci|node_modules|examples)\//.test(f))).toEqual([]);
    const manifest = JSON.parse(readFileSync(path.join(user, "node_modules/tsgi/package.json"), "utf8")) as { private?: unknown; dependencies?: unknown };
    expect(manifest.private).toBeUndefined();
    expect(manifest.dependencies).toBeUndefined();
  });

  test("the bin starts with #!/usr/bin/env node", () => {
    expect(readFileSync(path.join(user, "node_modules/tsgi/dist/serve.js"), "utf8").split("\n")[0]).toBe("#!/usr/bin/env node");
  });
});

describe("the installed package serves an app", () => {
  test("on Node, through node_modules/.bin/tsgi (its #! line)", async () => {
    await serveAndGet(path.join(user, "node_modules/.bin/tsgi"), ["hello.mjs", ...BIND], LISTENING("node"), "node");
  });

  test("on Node, through npx tsgi", async () => {
    await serveAndGet("npx", ["--offline", "tsgi", "hello.mjs", ...BIND], LISTENING("node"), "node", true);
  });

  test("on Node, a .ts app: served with Node's own type stripping where it has it, else one line saying what to install (exit 2)", async () => {
    const features = process.features as { typescript?: unknown };
    const module = (await import("node:module")) as { stripTypeScriptTypes?: unknown };
    if (features.typescript || typeof module.stripTypeScriptTypes === "function") {
      await serveAndGet(path.join(user, "node_modules/.bin/tsgi"), ["app.ts", ...BIND], LISTENING("node"), "node");
      return;
    }
    const proc = new Proc(path.join(user, "node_modules/.bin/tsgi"), ["app.ts", ...BIND], { cwd: user });
    const exit = await proc.waitExit(START_MS);
    expect(exit).toEqual({ code: 2, signal: null });
    expect(proc.stderr.lines).toEqual([
      `tsgi: error: cannot load "app.ts": Node ${process.version} cannot load TypeScript by itself and esbuild is not installed: run \`npm install esbuild\`, use Node 22.18 or later, or compile the app to JavaScript`,
    ]);
  });

  test("on Node, through bun x tsgi (bunx respects the #! line)", async () => {
    await serveAndGet(BUN, ["x", "tsgi", "hello.mjs", ...BIND], LISTENING("node"), "node");
  });

  test("on Bun, through bun x --bun tsgi, a .ts app", async () => {
    await serveAndGet(BUN, ["x", "--bun", "tsgi", "app.ts", ...BIND], LISTENING("bun"), "bun");
  });

  test("on Deno, through the npm:tsgi specifier, a .ts app", async () => {
    await serveAndGet(DENO, ["run", "--allow-net", "--allow-read", "npm:tsgi", "app.ts", ...BIND], LISTENING("deno"), "deno");
  });
});

describe("the installed package as a library: each runtime gets its own entry through its export condition", () => {
  const SERVING = /^serving http:\/\/127\.0\.0\.1:\d+ from (\S+)$/;

  test("Node: the node condition", async () => {
    const line = await serveAndGet(NODE, ["own-serve.mjs"], SERVING, "node");
    expect(line).toMatch(/\/node_modules\/tsgi\/dist\/runtimes\/node\/index\.js$/);
  });

  test("Bun: the bun condition (the TypeScript sources)", async () => {
    const line = await serveAndGet(BUN, ["own-serve.ts"], SERVING, "bun");
    expect(line).toMatch(/\/node_modules\/tsgi\/runtimes\/bun\/index\.ts$/);
  });

  test("Deno: the deno condition, through npm:tsgi", async () => {
    const line = await serveAndGet(DENO, ["run", "--allow-net", "--allow-read", "own-serve-deno.ts"], SERVING, "deno");
    expect(line).toMatch(/\/node_modules\/tsgi\/dist\/runtimes\/deno\/index\.js$/);
  });

  test("a user's tsc (moduleResolution NodeNext, skipLibCheck off) finds the declarations and reports no errors", () => {
    const tsc = path.join(ROOT, "node_modules/typescript/bin/tsc");
    const out = (() => {
      try {
        return execFileSync(NODE, [tsc, "-p", "tsconfig.json", "--pretty", "false"], { cwd: user, encoding: "utf8" });
      } catch (err) {
        return (err as { stdout?: string }).stdout ?? String(err);
      }
    })();
    expect(out).toBe("");
    const traced = execFileSync(NODE, [tsc, "-p", "tsconfig.json", "--listFilesOnly"], { cwd: user, encoding: "utf8" });
    expect(traced).toMatch(/node_modules\/tsgi\/dist\/runtimes\/index\.d\.ts/);
    expect(traced).not.toMatch(/node_modules\/tsgi\/(src|runtimes)\/.*\.ts\n/);
  });
});
