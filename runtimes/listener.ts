// What every driver's listen() shares: the one-line error for a listen that failed, telling the
// core where it listens, and a Listener whose close() stops accepting, removes a unix socket file,
// and shuts the core down gracefully, once. Must never name a runtime API: drivers pass in what to call.

import type { ServerCore } from "../src/server/server.ts";
import { type Bind, formatBind, listenerUrl } from "./bind.ts";
import type { Listener } from "./driver.ts";

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
