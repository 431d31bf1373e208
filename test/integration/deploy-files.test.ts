// The deployment files of examples/deploy/ against what they claim (docs/deploy.md). No image is
// built (there is no Docker here): each Dockerfile.<runtime> is read, its ENTRYPOINT and CMD must
// be exec form (JSON arrays) starting with the runtime itself (no shell, no init wrapper) and its
// STOPSIGNAL SIGTERM; then exactly that command line is run on the machine, in a folder laid out as
// the image's /app (app.ts, tsgi's package files in node_modules/tsgi), with one change: it binds
// 127.0.0.1:0 instead of 0.0.0.0:8000. It must serve the readiness probe's path of
// kubernetes.yaml with 200, and exit 0 on the STOPSIGNAL. kubernetes.yaml's args must be
// Dockerfile.node's CMD, and its grace period must cover the preStop pause plus --graceful-timeout.
// It must never bind anything but loopback, and never pretend an image was built.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { get, once } from "../helpers/raw.ts";
import { BUN, DENO, NODE, Proc, ROOT, RUNTIMES, type Runtime, START_MS, STOP_MS } from "../helpers/server.ts";

const DEPLOY = path.join(ROOT, "examples/deploy");
const tmp = mkdtempSync(path.join(tmpdir(), "tsgi-deploy-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The instructions of a Dockerfile (comments and blank lines dropped; no line continuations are used). */
function instructions(file: string): { op: string; rest: string }[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "" && !l.trim().startsWith("#"))
    .map((l) => {
      const m = /^\s*([A-Z]+)\s+(.*)$/.exec(l);
      if (m === null) throw new Error(`${file}: not an instruction: ${l}`);
      return { op: m[1]!, rest: m[2]!.trim() };
    });
}

/** The one instruction `op` of a Dockerfile (there must be exactly one). */
function only(list: { op: string; rest: string }[], op: string): string {
  const found = list.filter((i) => i.op === op);
  expect(found, `one ${op}`).toHaveLength(1);
  return found[0]!.rest;
}

/** An exec-form argument list (a JSON array of strings); the shell form is refused. */
function execForm(text: string, what: string): string[] {
  expect(text.startsWith("["), `${what} in exec form (a JSON array), not shell form: ${text}`).toBe(true);
  const parsed = JSON.parse(text) as unknown;
  expect(Array.isArray(parsed) && parsed.every((a) => typeof a === "string")).toBe(true);
  return parsed as string[];
}

/** The image's /app: app.ts (examples/hello.ts) and tsgi's package files in node_modules/tsgi, as npm installs them. */
function appFolder(runtime: Runtime): string {
  const app = path.join(tmp, runtime);
  const pkg = path.join(app, "node_modules/tsgi");
  mkdirSync(pkg, { recursive: true });
  cpSync(path.join(ROOT, "examples/hello.ts"), path.join(app, "app.ts"));
  for (const f of ["package.json", "serve.ts", "dist", "cli", "runtimes", "src", "adapters"]) cpSync(path.join(ROOT, f), path.join(pkg, f), { recursive: true });
  // Node 20 (the tests' Node) compiles app.ts with esbuild, a dependency the app adds; the image's Node 22 strips types itself.
  if (runtime === "node") symlinkSync(path.join(ROOT, "node_modules/esbuild"), path.join(app, "node_modules/esbuild"));
  return app;
}

const kubernetes = readFileSync(path.join(DEPLOY, "kubernetes.yaml"), "utf8");
const probePath = /readinessProbe:\s*\n(?:\s+#.*\n)*\s+httpGet:\s*\n\s+path: (\S+)/.exec(kubernetes)?.[1];

describe.each(RUNTIMES)("examples/deploy/Dockerfile.%s", (runtime: Runtime) => {
  const binary: Record<string, string> = { node: NODE, bun: BUN, deno: DENO };

  test("exec form, the runtime as PID 1, STOPSIGNAL SIGTERM; its command serves the readiness path and exits 0 on the stop signal", async () => {
    const list = instructions(path.join(DEPLOY, `Dockerfile.${runtime}`));
    expect(list.map((i) => i.op)).not.toContain("SHELL");
    const entry = execForm(only(list, "ENTRYPOINT"), "ENTRYPOINT");
    const cmd = execForm(only(list, "CMD"), "CMD");
    expect(entry[0]).toBe(runtime);
    const stop = only(list, "STOPSIGNAL");
    expect(stop).toBe("SIGTERM");
    expect(cmd).toContain("0.0.0.0:8000");

    const argv = [...entry.slice(1), ...cmd].map((a) => (a === "0.0.0.0:8000" ? "127.0.0.1:0" : a));
    const workers = cmd.includes("-w") ? Number(cmd[cmd.indexOf("-w") + 1]) : 1;
    const proc = new Proc(binary[entry[0]!]!, argv, { cwd: appFolder(runtime) });
    try {
      const listening = new RegExp(`^tsgi: listening on http://127\\.0\\.0\\.1:(\\d+) \\(${runtime}${workers > 1 ? `, ${workers} workers` : ""}\\)$`);
      const line = await proc.stdout.waitFor(listening, 0, START_MS, proc.gone, `Dockerfile.${runtime}'s command`);
      const port = Number(listening.exec(line)![1]);
      expect(probePath).toBeDefined();
      const res = await once(port, get(probePath!));
      expect(res.status).toBe(200);
      proc.kill(stop as NodeJS.Signals);
      expect(await proc.waitExit(STOP_MS)).toEqual({ code: 0, signal: null });
    } finally {
      proc.kill();
    }
  }, 60_000);
});

describe("examples/deploy/kubernetes.yaml", () => {
  test("args are Dockerfile.node's CMD; the grace period covers the preStop pause and --graceful-timeout", () => {
    const args = JSON.parse(/^\s+args: (\[.*\])$/m.exec(kubernetes)![1]!) as string[];
    expect(args).toEqual(execForm(only(instructions(path.join(DEPLOY, "Dockerfile.node")), "CMD"), "CMD"));
    const graceful = Number(args[args.indexOf("--graceful-timeout") + 1]);
    const grace = Number(/terminationGracePeriodSeconds: (\d+)/.exec(kubernetes)![1]);
    const preStop = Number(/preStop:\s*\n(?:\s+#.*\n)*\s+sleep:\s*\n\s+seconds: (\d+)/.exec(kubernetes)![1]);
    expect(graceful).toBeGreaterThan(0);
    expect(preStop).toBeGreaterThan(0);
    expect(grace).toBeGreaterThanOrEqual(preStop + graceful);
  });
});
