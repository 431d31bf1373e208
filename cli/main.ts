// The command line: `serve [options] MODULE[:NAME]` parses argv, loads the app, listens, prints the
// ready line, and stops gracefully on SIGINT/SIGTERM. Reads argv, files and signals only through
// the runtime's Platform. Must never parse HTTP or name a runtime API itself.

import { createCore, loadDriver } from "../runtimes/index.ts";
import type { Driver, Listener, Platform } from "../runtimes/driver.ts";
import { VERSION } from "./options.ts";
import { type RunArgs, UsageError, parseArgs } from "./parse.ts";
import { helpText } from "./help.ts";
import { Fatal, loadApp, oneLine } from "./load-app.ts";

async function start(driver: Driver, args: RunArgs): Promise<Listener> {
  const platform = driver.platform;
  const app = await loadApp(platform, args);
  const core = createCore(app, { ...args.core, accessLog: args.accessLog ? platform.stdout : null }, platform);
  try {
    return await driver.listen(core, args.bind);
  } catch (err) {
    throw new Fatal(oneLine(err), 1);
  }
}

/** Stops on the first SIGINT/SIGTERM: stop accepting, finish in-flight requests, exit 0. */
function stopOnSignals(platform: Platform, listener: Listener): void {
  let stopping = false;
  const stop = () => {
    if (stopping) return; // a second signal (often the same Ctrl-C relayed by a parent) changes nothing
    stopping = true;
    listener.close().then(
      () => platform.exit(0),
      (err: unknown) => {
        platform.stderr(`tsgi: error: shutdown failed: ${oneLine(err)}`);
        platform.exit(1);
      },
    );
  };
  platform.onSignal("SIGINT", stop);
  platform.onSignal("SIGTERM", stop);
}

export async function main(): Promise<void> {
  const driver = await loadDriver();
  const platform = driver.platform;
  let listener: Listener;
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
    listener = await start(driver, parsed);
  } catch (err) {
    if (err instanceof UsageError || err instanceof Fatal) {
      platform.stderr(`tsgi: error: ${err.message}`);
      platform.exit(err instanceof Fatal ? err.code : 2);
    }
    throw err;
  }
  stopOnSignals(platform, listener);
  platform.stdout(`tsgi: listening on ${listener.url} (${platform.runtime})`);
}
