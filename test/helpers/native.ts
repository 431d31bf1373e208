// Starts a script on a runtime's own server (Bun.serve, Deno.serve, or node:http for a plain .js/.cjs
// file on Node) for comparison with tsgi: the script prints `native: listening on http://127.0.0.1:PORT`. It must never wait with sleeps (it
// waits for that line; the timeout is only a safety net).
import { BUN, DENO, NODE, Proc, START_MS, STOP_MS } from "./server.ts";

export const NATIVE_RUNTIMES = ["bun", "deno"] as const;
export type NativeRuntime = (typeof NATIVE_RUNTIMES)[number];

export interface NativeServer {
  port: number;
  url: string;
  proc: Proc;
  stop(): Promise<void>;
}

/** Runs `script` (relative to the repo root, or absolute) with bun, deno with --allow-net, or node (JavaScript only). */
export async function startNative(runtime: NativeRuntime | "node", script: string): Promise<NativeServer> {
  const proc = runtime === "bun" ? new Proc(BUN, [script]) : runtime === "deno" ? new Proc(DENO, ["run", "--allow-net", script]) : new Proc(NODE, [script]);
  let line: string;
  try {
    line = await proc.stdout.waitFor(/^native: listening on http:\/\/127\.0\.0\.1:\d+$/, 0, START_MS, proc.gone, `starting ${runtime} ${script}`);
  } catch (err) {
    proc.kill();
    throw err;
  }
  const port = Number(/:(\d+)$/.exec(line)![1]);
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    proc,
    stop: async () => {
      proc.kill("SIGTERM");
      try {
        await proc.waitExit(STOP_MS);
      } finally {
        proc.kill();
      }
    },
  };
}
