// The Platform of a runtime that offers Node's `process` and `node:fs` (Node itself, and Bun, which
// implements them): argv, files, output, exit, signals and importing by file URL. Each of those
// runtimes' platform.ts adds what is its own. Must never touch sockets or parse arguments.

import { statSync } from "node:fs";
import { pathToFileURL } from "node:url";
import type { Platform, RuntimeName, SignalName } from "./driver.ts";

export function processPlatform(runtime: RuntimeName, own: Partial<Platform> = {}): Platform {
  return {
    runtime,
    afterMicrotasks: (task: () => void) => process.nextTick(task),
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
    onSignal: (signal: SignalName, fn: () => void) => void process.on(signal, fn),
    async importModule(absPath: string): Promise<Record<string, unknown>> {
      return (await import(pathToFileURL(absPath).href)) as Record<string, unknown>;
    },
    ...own,
  };
}
