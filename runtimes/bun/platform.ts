// Bun's Platform for the command line: argv, files, output, signals, exit, module loading and the
// after-microtasks hook. Must never touch sockets (sockets.ts does) or parse arguments.

import { statSync } from "node:fs";
import { pathToFileURL } from "node:url";
import type { Platform, SignalName } from "../driver.ts";

/**
 * `bun run serve` runs serve.ts as a child of `bun run`, which does not pass SIGTERM on: the child
 * would outlive a stopped parent. So when started by `bun run`, losing the parent counts as SIGTERM.
 */
function watchBunRunParent(onGone: () => void): void {
  if (process.env.npm_lifecycle_event === undefined || !process.env.npm_config_user_agent?.startsWith("bun/")) return;
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onGone();
  }, 250);
  timer.unref();
}

export const platform: Platform = {
  afterMicrotasks: (task: () => void) => process.nextTick(task),
  runtime: "bun",
  argv: () => process.argv.slice(2),
  cwd: () => process.cwd(),
  isFile(path: string): boolean {
    try {
      return statSync(path).isFile();
    } catch {
      return false;
    }
  },
  stdout: (line: string) => void process.stdout.write(line + "\n"),
  stderr: (line: string) => void process.stderr.write(line + "\n"),
  exit: (code: number): never => process.exit(code),
  onSignal(signal: SignalName, fn: () => void): void {
    process.on(signal, fn);
    if (signal === "SIGTERM") watchBunRunParent(fn);
  },
  async importModule(absPath: string): Promise<Record<string, unknown>> {
    return (await import(pathToFileURL(absPath).href)) as Record<string, unknown>;
  },
};
