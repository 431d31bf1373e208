// The file of a unix socket listener, before and after the bind: its path made absolute, the OS
// whose length limit applies, a socket file left by a server that died removed only when nothing
// answers on it (a live one is refused), the umask set while the file is created, its mode set once
// bound. Loaded by listener.ts for a unix bind only. Must never listen or accept (the drivers do);
// it uses only node:fs, node:net, node:os, node:path and node:process, which Node, Bun and Deno all provide.

import { chmodSync, lstatSync, unlinkSync } from "node:fs";
import { connect } from "node:net";
import { platform } from "node:os";
import { resolve } from "node:path";
import process from "node:process";

/** This OS as node:os names it ("linux", "darwin", ...): sun_path's length differs between them. */
export const osName = platform;

/** A path resolved against a working directory, as a runtime that binds an absolute path (Deno) binds it. */
export const resolvePath = resolve;

/** How long a connect to an existing socket file may take before it counts as live. */
const PROBE_MS = 1000;

/** Whether something accepts connections on the socket file at `path`. */
function probe(path: string): Promise<"live" | "stale" | string> {
  return new Promise((resolve) => {
    const socket = connect({ path });
    const done = (answer: string) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => done("live"), PROBE_MS);
    socket.once("connect", () => done("live"));
    socket.once("error", (err: Error & { code?: string }) => {
      // Refused: a file with no listener behind it. EAGAIN: a listener whose queue is full.
      if (err.code === "ECONNREFUSED" || err.code === "ENOENT") done("stale");
      else if (err.code === "EAGAIN") done("live");
      else done(err.message);
    });
  });
}

/**
 * Makes `path` free for a new socket: nothing there is fine; a socket file nobody listens on is
 * removed; anything else is refused. Returns the reason it cannot be used, or null.
 */
export async function clearStaleSocket(path: string): Promise<string | null> {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch {
    return null; // nothing there (or not ours to look at: the bind will say)
  }
  if (!isSocket) return "the file exists and is not a socket";
  const answer = await probe(path);
  if (answer === "live") return "another process is listening on it";
  if (answer !== "stale") return `cannot tell whether another process listens on it: ${answer}`;
  try {
    unlinkSync(path);
  } catch (err) {
    return `cannot remove the stale socket file: ${err instanceof Error ? err.message : String(err)}`;
  }
  return null;
}

/** Runs `bind` with the process umask set to `mask` (when given), restoring it afterwards. */
export async function withUmask<T>(mask: number | undefined, bind: () => Promise<T>): Promise<T> {
  if (mask === undefined) return await bind();
  const before = process.umask(mask);
  try {
    return await bind();
  } finally {
    process.umask(before);
  }
}

/** chmod of the bound socket file; the reason it failed, or null. */
export function setSocketMode(path: string, mode: number): string | null {
  try {
    chmodSync(path, mode);
    return null;
  } catch (err) {
    return `cannot set its mode to ${mode.toString(8)}: ${err instanceof Error ? err.message : String(err)}`;
  }
}
