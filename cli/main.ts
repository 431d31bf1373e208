// The command line: `serve [options] MODULE[:NAME]` parses argv, reads the TLS files, loads the
// app, listens on every address, prints the ready line (all of them), and stops on SIGINT/SIGTERM: gracefully on the first, at once on the second. Reads
// argv, files and signals and writes its output only through the runtime's Platform.
// Must never parse HTTP or name a runtime API itself.

import { createCore, loadDriver } from "../runtimes/index.ts";
import type { Driver, ListenOptions, Listener, Platform, StopCause } from "../runtimes/driver.ts";
import { listenAll } from "../runtimes/listener.ts";
import { TlsError, readTls } from "../runtimes/tls.ts";
import type { ServerCore } from "../src/server/server.ts";
import { VERSION } from "./options.ts";
import { type RunArgs, UsageError, parseArgs } from "./parse.ts";
import { helpText } from "./help.ts";
import { Fatal, loadApp, oneLine } from "./load-app.ts";
import { welcomeApp, welcomeHint } from "./welcome.ts";
import { validate } from "../adapters/validate.ts";
import { LogOpenError, type Logs, openLogs } from "./logs.ts";

/** How long exit waits for the log files to take what is queued. */
const FILES_DRAIN_MS = 1000;

/** Exit code of a stop forced by a second signal: 128 + the signal's number, as a shell reports a process that signal ended. */
const FORCED_EXIT = { SIGINT: 130, SIGTERM: 143 } as const;

/**
 * Stop requests this close together are one: a Ctrl-C reaches a child of `bun run` twice, from the
 * terminal (which signals the whole process group) and relayed by `bun run` (measured: the same
 * millisecond), and other launchers relay signals too. A request is acted on once this long has
 * passed; those that arrive meanwhile are the same one.
 */
const SAME_REQUEST_MS = 200;

interface Running {
  core: ServerCore;
  listener: Listener;
  logs: Logs;
}

async function start(driver: Driver, args: RunArgs): Promise<Running> {
  const platform = driver.platform;
  let logs: Logs;
  try {
    logs = openLogs(platform, args.logs);
  } catch (err) {
    if (err instanceof LogOpenError) throw new Fatal(err.message, 1);
    throw err;
  }
  const { tls: tlsFiles, ...listenRest } = args.listen;
  const options: ListenOptions = { ...listenRest };
  try {
    if (tlsFiles !== undefined) options.tls = readTls(tlsFiles);
  } catch (err) {
    throw new Fatal(oneLine(err), 2);
  }
  const module = args.module;
  const loaded = module === undefined ? welcomeApp : await loadApp(platform, { ...args, module });
  const app = args.validate ? validate(loaded) : loaded;
  const core = createCore(app, { ...args.core, accessLog: logs.access, log: logs.error, pid: platform.pid }, platform);
  platform.onReopen(() => logs.reopen());
  let listener: Listener;
  try {
    listener = await listenAll(driver.listen, core, args.binds, options);
  } catch (err) {
    // A key or certificate the runtime refused is a bad command line (2); a failed listen is 1.
    throw new Fatal(oneLine(err), err instanceof TlsError ? 2 : 1);
  }
  if (module === undefined) platform.stderr(welcomeHint(platform.runtime));
  return { core, listener, logs };
}

function requests(n: number): string {
  return n === 1 ? "1 request" : `${n} requests`;
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
  let settling = false;
  platform.onStop((cause) => {
    if (settling) return;
    settling = true;
    setTimeout(() => {
      settling = false;
      act(cause);
    }, SAME_REQUEST_MS);
  });
}

export async function main(): Promise<void> {
  const driver = await loadDriver();
  const platform = driver.platform;
  let running: Running;
  try {
    const parsed = parseArgs(platform.argv());
    if ("help" in parsed) {
      platform.stdout(helpText());
      return;
    }
    if ("version" in parsed) {
      platform.stdout(`tsgi ${VERSION}`);
      return;
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
  platform.stdout(`tsgi: listening on ${running.listener.url} (${platform.runtime})`);
}
