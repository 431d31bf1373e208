// What every driver's listen() shares: refusing a unix socket path too long for this OS before
// anything is created, the one-line error for a listen that failed, telling the core where it
// listens, and a Listener whose close() stops accepting, removes a unix socket file, and shuts the
// core down gracefully, once. Must never name a runtime's own API (drivers pass in what to call);
// it uses only node:os and node:path, which Node, Bun and Deno all provide.

import { platform } from "node:os";
import { resolve } from "node:path";
import type { ServerCore } from "../src/server/server.ts";
import { type Bind, formatBind, listenerUrl, unixPathProblem } from "./bind.ts";
import type { Driver, Listener } from "./driver.ts";

const PHRASES: Readonly<Record<string, string>> = {
  EADDRINUSE: "address in use",
  AddrInUse: "address in use",
  EACCES: "permission denied",
  PermissionDenied: "permission denied",
  EADDRNOTAVAIL: "address not available",
  AddrNotAvailable: "address not available",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host not found",
};

/** A runtime's listen failure as a short phrase (Node/Bun error codes, Deno error class names). */
export function describeListenError(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === "string" && PHRASES[code] !== undefined) return PHRASES[code];
  const name = err instanceof Error ? err.name : "";
  if (PHRASES[name] !== undefined) return PHRASES[name];
  return err instanceof Error ? err.message : String(err);
}

/** The error a driver's listen() rejects with: "cannot listen on ADDRESS: phrase". */
export function listenFailure(bind: Bind, err: unknown): Error {
  return Object.assign(new Error(`cannot listen on ${formatBind(bind)}: ${describeListenError(err)}`), { cause: err });
}

/**
 * `listen` preceded by a check of the unix socket path against this OS's sun_path: a longer path
 * is refused with "cannot listen on unix:PATH: the path is N bytes, longer than the M ..." before
 * anything is created, on every runtime (Node would silently bind a path cut short; Bun and Deno
 * refuse it in words of their own). `absolute` is for a runtime that binds the path resolved
 * against its working directory (Deno) rather than the path as given (Node, Bun).
 */
export function checkingPathLength(listen: Driver["listen"], absolute?: { cwd(): string }): Driver["listen"] {
  return async (core, bind, options) => {
    if (bind.kind === "unix") {
      const bound = absolute === undefined ? bind.path : resolve(absolute.cwd(), bind.path);
      const problem = unixPathProblem(bound, platform(), bound === bind.path ? "the path" : `the path resolved against the working directory (${bound})`);
      if (problem !== null) throw listenFailure(bind, new Error(problem));
    }
    return await listen(core, bind, options);
  };
}

export interface OpenListener {
  /** The port the runtime reports for a TCP listener (the real one when 0 was asked for). */
  port?: number;
  /** Stops accepting new connections. */
  stopAccepting(): void;
  /** Removes the unix socket file, where the runtime leaves it behind. */
  removeSocketFile?(): void;
}

/** The Listener for an open listening socket; tells the core its address. */
export function listenerFor(core: ServerCore, bind: Bind, open: OpenListener): Listener {
  let actual = bind;
  if (bind.kind === "tcp") {
    actual = { kind: "tcp", host: bind.host, port: open.port ?? bind.port };
    core.setAddress(bind.host, String(actual.port));
  } else core.setAddress(bind.path, "");
  let closing: Promise<void> | null = null;
  return {
    url: listenerUrl(actual),
    close(): Promise<void> {
      if (closing === null) {
        try {
          open.stopAccepting();
        } catch {}
        if (bind.kind === "unix") {
          try {
            open.removeSocketFile?.();
          } catch {}
        }
        closing = core.shutdown();
      }
      return closing;
    },
  };
}
