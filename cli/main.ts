// The command line: `serve [options] MODULE[:NAME]` parses argv, reads the TLS files, loads the
// app, listens on every address, prints the ready line (all of them), and stops on SIGINT/SIGTERM:
// gracefully on the first, at once on the second; with --workers or --reload it hands over to a
// supervisor (supervisor.ts), and a worker process to worker.ts. Reads
// argv, files and signals and writes its output only through the runtime's Platform.
// Must never parse HTTP or name a runtime API itself.

import { loadDriver } from "../runtimes/load-driver.ts";
import type { Driver, Listener, Platform, StopCause } from "../runtimes/driver.ts";
import { listenAll } from "../runtimes/listener.ts";
import { TlsError, type TlsFiles } from "../runtimes/tls.ts";
import type { ServerCore } from "../src/server/server.ts";
import { VERSION } from "./options.ts";
import { type RunArgs, UsageError, parseArgs } from "./parse.ts";
import { helpText } from "./help.ts";
import { Fatal, oneLine } from "./load-app.ts";
import { FORCED_EXIT, onStopRequest, requests } from "./stop-signals.ts";
import { workerRole } from "./worker-messages.ts";
import { welcomeHint } from "./welcome.ts";
import { listenOptions } from "./listen-options.ts";
import { appCore } from "./app-core.ts";
import type { Logs } from "./logs.ts";
import { reloadTlsOnHup } from "./tls-reload.ts";

/** How long exit waits for the log files to take what is queued. */
const FILES_DRAIN_MS = 1000;

interface Running {
  core: ServerCore;
  listener: Listener;
  logs: Logs;
  /** The TLS files, read again on SIGHUP (tls-reload.ts). */
  tls?: TlsFiles;
}

async function start(driver: Driver, args: RunArgs): Promise<Running> {
  const platform = driver.platform;
  const options = await listenOptions(args);
  const { core, logs } = await appCore(platform, args);
  let listener: Listener;
  try {
    listener = await listenAll(driver.listen, core, args.binds, options);
  } catch (err) {
    // A key or certificate the runtime refused is a bad command line (2); a failed listen is 1.
    throw new Fatal(oneLine(err), err instanceof TlsError ? 2 : 1);
  }
  if (args.module === undefined) platform.stderr(welcomeHint(platform.runtime));
  return { core, listener, logs, tls: args.listen.tls };
}

/**
 * The first SIGINT/SIGTERM stops gracefully: no new connections, in-flight requests finish (up to
 * the graceful timeout), exit 0; it says so on stderr with the number of requests in flight. A
 * second one (SAME_REQUEST_MS later or more) stops at once (FORCED_EXIT). The parent of `bun run`
 * going away stops gracefully too, but never forces.
 */
function stopOnSignals(platform: Platform, { listener, core, logs }: Running): void {
  const say = logs.error;
  const exit = async (code: number): Promise<never> => {
    await logs.drained(FILES_DRAIN_MS);
    return await platform.exit(code);
  };
  let stopping = false;
  let forced = false;
  const act = (cause: StopCause): void => {
    const inFlight = core.requestsInFlight;
    if (!stopping) {
      stopping = true;
      const seconds = core.options.shutdownTimeout / 1000;
      say(
        inFlight === 0
          ? `tsgi: ${cause}: stopping (no request in flight)`
          : `tsgi: ${cause}: stopping; waiting up to ${seconds} s for ${requests(inFlight)} in flight (Ctrl-C or SIGTERM again to stop at once)`,
      );
      listener.close().then(
        () => exit(0),
        (err: unknown) => {
          say(`tsgi: error: shutdown failed: ${oneLine(err)}`);
          return exit(1);
        },
      );
      return;
    }
    if (cause === "parent exited" || forced) return;
    forced = true;
    say(`tsgi: ${cause} while stopping: stopping at once${inFlight === 0 ? "" : `, cutting ${requests(inFlight)} short`}`);
    void exit(FORCED_EXIT[cause]);
  };
  onStopRequest(platform, act);
}

export async function main(): Promise<void> {
  const driver = await loadDriver();
  const platform = driver.platform;
  let running: Running;
  try {
    const argv = platform.argv();
    const role = workerRole(argv);
    const channel = platform.supervisor();
    if (role !== null && channel !== null) {
      const parsed = parseArgs(argv.slice(1));
      if ("binds" in parsed) return await (await import("./worker.ts")).runWorker(driver, parsed, role, channel);
    }
    const parsed = parseArgs(argv);
    if ("help" in parsed) {
      platform.stdout(helpText());
      return;
    }
    if ("version" in parsed) {
      platform.stdout(`tsgi ${VERSION}`);
      return;
    }
    const workers = parsed.workers === "auto" ? platform.cpuCount() : parsed.workers;
    if (workers > 1 || parsed.reload) {
      // Loaded here only: a single server never needs the supervisor or the process facilities behind
      // it (on Deno, node: compatibility modules that would enlarge its heap; driver.ts, supervision).
      const [{ supervise }, processes] = await Promise.all([import("./supervisor.ts"), platform.supervision()]);
      return await supervise(platform, processes, parsed, argv, workers);
    }
    running = await start(driver, parsed);
  } catch (err) {
    if (err instanceof UsageError || err instanceof Fatal) {
      platform.stderr(`tsgi: error: ${err.message}`);
      return await platform.exit(err instanceof Fatal ? err.code : 2);
    }
    throw err;
  }
  stopOnSignals(platform, running);
  if (running.tls !== undefined) reloadTlsOnHup(platform, running.tls, running.listener, running.logs.error);
  platform.stdout(`tsgi: listening on ${running.listener.url} (${platform.runtime})`);
}
