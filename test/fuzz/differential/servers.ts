// Starts the servers the differential fuzzer talks to: tsgi on one runtime (its real command line,
// with test/fuzz/differential/tsgi-app.ts) and that runtime's own server (native-node.mjs under
// node, native-fetch.ts under bun or deno), each on 127.0.0.1 port 0, and stops them. Runs under
// Bun (npm run fuzz) or Node. It must never wait with sleeps (it waits for the listening line;
// the timeout is a safety net) and never use bun or deno from PATH (node_modules/.bin).
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const RUNTIMES = ["node", "bun", "deno"] as const;
export type Runtime = (typeof RUNTIMES)[number];
export type Side = "tsgi" | "native";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const BUN = path.join(ROOT, "node_modules/.bin/bun");
const DENO = path.join(ROOT, "node_modules/.bin/deno");
const APP = "test/fuzz/differential/tsgi-app.ts";
const DIR = "test/fuzz/differential";

export interface Running {
  side: Side;
  runtime: Runtime;
  port: number;
  stop(): Promise<void>;
  /** The server's stderr so far (for a crash report). */
  stderr(): string;
  /** Whether it has exited. */
  exited(): boolean;
}

function commandFor(runtime: Runtime, side: Side): string[] {
  if (side === "tsgi") {
    if (runtime === "node") return ["node", "dist/serve.js", APP, "-b", "127.0.0.1:0"];
    if (runtime === "bun") return [BUN, "serve.ts", APP, "-b", "127.0.0.1:0"];
    return [DENO, "run", "--allow-net", "--allow-read", "serve.ts", APP, "-b", "127.0.0.1:0"];
  }
  if (runtime === "node") return ["node", `${DIR}/native-node.mjs`];
  if (runtime === "bun") return [BUN, `${DIR}/native-fetch.ts`];
  return [DENO, "run", "--allow-net", `${DIR}/native-fetch.ts`];
}

const LISTENING = /(?:tsgi: listening on http:\/\/127\.0\.0\.1:|native: listening on )(\d+)/;

export async function start(runtime: Runtime, side: Side, ms = 30_000): Promise<Running> {
  if (runtime === "node" && side === "tsgi" && !existsSync(path.join(ROOT, "dist/serve.js"))) {
    throw new Error("dist/serve.js is missing: run `npm run build` first");
  }
  const [file, ...argv] = commandFor(runtime, side);
  const child: ChildProcess = spawn(file!, argv, {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1", DENO_NO_PROMPT: "1" },
  });
  let out = "";
  let err = "";
  let exited = false;
  const gone = new Promise<void>((resolve) => child.on("close", () => ((exited = true), resolve())));
  child.stderr!.setEncoding("utf8").on("data", (s: string) => (err = (err + s).slice(-4000)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${side} on ${runtime} did not start in ${ms} ms: ${err}`)), ms);
    child.stdout!.setEncoding("utf8").on("data", (s: string) => {
      out += s;
      const m = LISTENING.exec(out);
      if (m !== null) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    void gone.then(() => {
      clearTimeout(timer);
      reject(new Error(`${side} on ${runtime} exited before listening: ${err}`));
    });
  });
  return {
    side,
    runtime,
    port,
    stderr: () => err,
    exited: () => exited,
    stop: async () => {
      if (exited) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await gone;
      clearTimeout(timer);
    },
  };
}
