// What every driver's listen() shares: refusing a unix socket path too long for this OS before
// anything is created, a stale socket file replaced (unix-socket.ts), the one-line error for a
// listen that failed, each listener's Site (where it listens, for the environ), listening on
// several addresses at once, and a Listener whose close() stops accepting, removes a unix socket
// file, and shuts the core down gracefully, once. Must never name a runtime's own API (drivers pass
// in what to call) or load a node: module for a TCP listener (unix-socket.ts is loaded for a unix bind only).

import type { ServerCore } from "../src/server/server.ts";
import type { Site } from "../src/server/site.ts";
import { type Bind, formatBind, listenerUrl, unixPathProblem } from "./bind.ts";
import type { Driver, ListenOptions, Listener } from "./driver.ts";
import type { TlsMaterial } from "./tls.ts";

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
 * `listen` preceded by what every runtime must do first for a unix socket: a path longer than this
 * OS's sun_path is refused with "cannot listen on unix:PATH: the path is N bytes, longer than the M
 * ..." before anything is created (Node would silently bind a path cut short; Bun and Deno refuse it
 * in words of their own), and a socket file left behind is removed only when nothing listens on it;
 * the file is created under --umask and given --socket-mode. `absolute` is for a runtime that binds
 * the path resolved against its working directory (Deno) rather than the path as given (Node, Bun).
 */
export function checkingPathLength(listen: Driver["listen"], absolute?: { cwd(): string }): Driver["listen"] {
  return async (core, bind, options = {}) => {
    if (bind.kind !== "unix") return await listen(core, bind, options);
    // Loaded for a unix bind only: on Deno its node: modules would otherwise enlarge every server's heap.
    const { clearStaleSocket, osName, resolvePath, setSocketMode, withUmask } = await import("./unix-socket.ts");
    const bound = absolute === undefined ? bind.path : resolvePath(absolute.cwd(), bind.path);
    const problem = unixPathProblem(bound, osName(), bound === bind.path ? "the path" : `the path resolved against the working directory (${bound})`);
    if (problem !== null) throw listenFailure(bind, new Error(problem));
    const stale = await clearStaleSocket(bind.path);
    if (stale !== null) throw listenFailure(bind, new Error(stale));
    const listener = await withUmask(options.umask, () => listen(core, bind, options));
    const modeProblem = options.socketMode === undefined ? null : setSocketMode(bind.path, options.socketMode);
    if (modeProblem !== null) {
      await listener.close();
      throw listenFailure(bind, new Error(modeProblem));
    }
    return listener;
  };
}

/**
 * Listens on every address in turn (each with its own Site); if one fails, those already open are
 * closed (their socket files removed) and the failure is thrown. The Listener returned closes them all.
 */
export async function listenAll(listen: Driver["listen"], core: ServerCore, binds: readonly Bind[], options?: ListenOptions): Promise<Listener> {
  const open: Listener[] = [];
  try {
    for (const bind of binds) open.push(await listen(core, bind, options));
  } catch (err) {
    await Promise.all(open.map((l) => l.close()));
    throw err;
  }
  if (open.length === 1) return open[0]!;
  const urls = open.flatMap((l) => l.urls);
  const reloading = open.filter((l) => l.reloadTls !== undefined);
  return {
    url: urls.join(", "),
    urls,
    // Each TLS listener in turn; the first refusal is reported once all have been asked.
    ...(reloading.length === 0
      ? {}
      : {
          reloadTls: async (material: TlsMaterial) => {
            const results = await Promise.allSettled(reloading.map((l) => l.reloadTls!(material)));
            const refused = results.find((r) => r.status === "rejected");
            if (refused !== undefined) throw refused.reason;
          },
        }),
    // Every listener stops accepting (synchronously, in close()) before any waits for its connections.
    close: async () => {
      await Promise.all(open.map((l) => l.close()));
    },
  };
}

export interface OpenListener {
  /** Stops accepting new connections. */
  stopAccepting(): void;
  /** Removes the unix socket file, where the runtime leaves it behind. */
  removeSocketFile?(): void;
  /** New TLS material for the connections accepted from now on (Listener.reloadTls). */
  reloadTls?(material: TlsMaterial): Promise<void>;
}

/**
 * Where a listener really listens: the TCP port the runtime reports (the real one when 0 was asked
 * for), or for fd://N the address of the adopted socket as node:net's `address()` gives it.
 */
export function boundAddress(bind: Bind, address: { address?: string; port?: number } | string | null | undefined): Bind {
  if (typeof address === "string") return { kind: "unix", path: address };
  if (bind.kind === "tcp") return { kind: "tcp", host: bind.host, port: address?.port ?? bind.port };
  if (bind.kind === "fd" && address?.address !== undefined && address.port !== undefined) return { kind: "tcp", host: address.address, port: address.port };
  return bind;
}

/** The Site of a listener at `actual` (its SERVER_NAME, SERVER_PORT and scheme); TLS only on TCP. */
export function siteFor(core: ServerCore, actual: Bind, tls: boolean): Site {
  if (actual.kind === "tcp") return core.site({ serverName: actual.host, serverPort: String(actual.port), tls });
  if (actual.kind === "unix") return core.site({ serverName: actual.path, serverPort: "", unix: true });
  return core.site({ serverName: formatBind(actual), serverPort: "", tls });
}

/**
 * The Listener for an open listening socket at `actual` serving `site`. `bind` is the address as
 * given: its unix socket file (not an adopted one) is removed on close.
 */
export function listenerFor(core: ServerCore, bind: Bind, actual: Bind, site: Site, open: OpenListener): Listener {
  let closing: Promise<void> | null = null;
  const url = listenerUrl(actual, site.urlScheme);
  return {
    url,
    urls: [url],
    ...(open.reloadTls === undefined ? {} : { reloadTls: (material: TlsMaterial) => open.reloadTls!(material) }),
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
