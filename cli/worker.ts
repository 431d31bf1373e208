// A worker process under a supervisor: loads the app afresh (the welcome app when no MODULE is
// named), listens on the shared addresses (TLS as the command line says), says
// "ready" (or why it failed) over its channel, sends a heartbeat with the requests it is serving,
// and stops gracefully when the supervisor says so, when its supervisor is gone, or on SIGTERM.
// Must never print a ready line or decide about other workers (supervisor.ts does).

import type { Driver, SupervisorChannel } from "../runtimes/driver.ts";
import { parseBind } from "../runtimes/bind.ts";
import { listenAll } from "../runtimes/listener.ts";
import { TlsError } from "../runtimes/tls.ts";
import type { RunArgs } from "./parse.ts";
import { Fatal, oneLine } from "./load-app.ts";
import { appCore } from "./app-core.ts";
import { type WorkerMessage, type WorkerRole, isClosedSeen, isStop } from "./worker-messages.ts";
import { listenOptions } from "./listen-options.ts";

/** How often a worker says it is alive: often enough for the watchdog to judge --timeout, at most once a second. */
export function beatInterval(timeoutMs: number): number {
  return timeoutMs > 0 ? Math.max(50, Math.min(1000, Math.floor(timeoutMs / 4))) : 1000;
}

/** The most requests a heartbeat names (the watchdog's log line). */
const BUSY_REPORTED = 8;

/** How long a stopped worker waits for its supervisor's "closed-seen" before it exits anyway. */
const CLOSED_SEEN_WAIT_MS = 1000;

export async function runWorker(driver: Driver, args: RunArgs, role: WorkerRole, channel: SupervisorChannel): Promise<void> {
  const platform = driver.platform;
  const send = (m: WorkerMessage): void => channel.send(m);
  const fail = async (line: string, code: number): Promise<never> => {
    // The message must leave before the process ends (Deno would drop it), within a second at most.
    await new Promise<void>((resolve) => {
      channel.send({ t: "failed", line, code } satisfies WorkerMessage, resolve);
      setTimeout(resolve, 1000);
    });
    return await platform.exit(code);
  };
  // Listen for "stop" at once: a worker told to stop while it starts stops as soon as it listens.
  let stopWanted = false;
  let stop = (): void => {
    stopWanted = true;
  };
  let connected = true;
  let closedSeen: (() => void) | null = null;
  channel.onMessage((m) => {
    if (isStop(m)) stop();
    else if (isClosedSeen(m)) closedSeen?.();
  });
  // Without its supervisor nobody would stop or replace this worker: finish and go.
  channel.onDisconnect(() => {
    connected = false;
    closedSeen?.();
    stop();
  });
  /**
   * The last word before exit: "closed", then wait for the answer (or the channel's end, or a
   * second). A connection node:cluster handed over before it saw the listener close arrives before
   * the answer, so it is given back to be served by another worker instead of dying with this one.
   */
  const lastWord = (): Promise<void> =>
    !connected
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, CLOSED_SEEN_WAIT_MS);
          closedSeen = () => {
            clearTimeout(timer);
            resolve();
          };
          send({ t: "closed" });
        });
  let listener;
  let core;
  try {
    const options = { ...(await listenOptions(args)), shared: true };
    ({ core } = await appCore(platform, args, { multiprocess: true, worker: role.index, generation: role.generation }));
    const binds = role.binds !== undefined ? role.binds.map((b) => parseBind(b)) : args.binds;
    try {
      listener = await listenAll(driver.listen, core, binds, options);
    } catch (err) {
      // A key or certificate the runtime refused is a bad command line (2); a failed listen is 1.
      throw new Fatal(oneLine(err), err instanceof TlsError ? 2 : 1);
    }
  } catch (err) {
    if (err instanceof Fatal) return await fail(err.message, err.code);
    return await fail(oneLine(err), 1);
  }
  const server = core;
  const open = listener;
  let stopping = false;
  // --max-requests, checked at each heartbeat: "about N requests", at no cost per request.
  const retireAt = args.maxRequests > 0 ? args.maxRequests + Math.floor(Math.random() * (args.maxRequestsJitter + 1)) : 0;
  let retiring = false;
  const beat = (): void => {
    const busy = server.busyRequests(BUSY_REPORTED).map((b) => [b.method, b.path, b.startedAt] as const);
    send({ t: "beat", inFlight: server.requestsInFlight, busy });
    if (retireAt > 0 && !retiring && server.requestsStarted >= retireAt) {
      retiring = true;
      send({ t: "retire", served: server.requestsStarted });
    }
  };
  const heartbeat = setInterval(beat, beatInterval(args.timeout));
  stop = (): void => {
    if (stopping) return;
    stopping = true;
    open.close().then(
      async () => {
        clearInterval(heartbeat);
        await lastWord();
        return platform.exit(0);
      },
      (err: unknown) => {
        platform.stderr(`tsgi: error: worker ${role.index}: shutdown failed: ${oneLine(err)}`);
        return platform.exit(1);
      },
    );
  };
  // A terminal's Ctrl-C signals the whole process group: the supervisor decides for its workers.
  // SIGTERM sent to this worker alone stops it gracefully (and the supervisor starts another).
  platform.onStop((cause) => {
    if (cause !== "SIGINT") stop();
  });
  send({ t: "ready", url: open.url, urls: open.urls });
  beat();
  if (stopWanted) stop();
}
