// Deno's Platform for the command line: argv, files, output, signals, exit, module loading and the
// after-microtasks hook. Must never touch sockets (sockets.ts does) or parse arguments.

import { nextTick } from "node:process";
import type { Platform, SignalName } from "../driver.ts";
import { deno } from "./api.ts";

const encoder = new TextEncoder();

function writeAll(out: { writeSync(p: Uint8Array): number }, text: string): void {
  let bytes = encoder.encode(text);
  while (bytes.length > 0) bytes = bytes.subarray(out.writeSync(bytes));
}

/** An absolute path as a file: URL (the URL setter percent-encodes what needs it). */
function fileUrl(absPath: string): string {
  const url = new URL("file:///");
  url.pathname = absPath;
  return url.href;
}

export const platform: Platform = {
  // Deno's node:process nextTick runs after the microtask queue drains, as on Node and Bun (measured).
  afterMicrotasks: (task: () => void) => nextTick(task),
  runtime: "deno",
  argv: () => [...deno.args],
  cwd: () => deno.cwd(),
  isFile(path: string): boolean {
    try {
      return deno.statSync(path).isFile;
    } catch {
      return false;
    }
  },
  stdout: (line: string) => writeAll(deno.stdout, line + "\n"),
  stderr: (line: string) => writeAll(deno.stderr, line + "\n"),
  exit: (code: number): never => deno.exit(code),
  onSignal: (signal: SignalName, fn: () => void) => deno.addSignalListener(signal, fn),
  async importModule(absPath: string): Promise<Record<string, unknown>> {
    return (await import(fileUrl(absPath))) as Record<string, unknown>;
  },
};
