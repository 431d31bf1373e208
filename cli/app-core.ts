// The core a single server (main.ts) or a worker (worker.ts) serves: the log files opened (and
// reopened on SIGUSR1), the app loaded (the welcome app when no MODULE is named, wrapped in
// validate() with --validate), and the ServerCore made from the command line's options.
// Must never listen or act on stop signals.

import { createCore } from "../runtimes/serve-with.ts";
import type { Platform } from "../runtimes/driver.ts";
import type { CoreOptions } from "../src/server/options.ts";
import type { ServerCore } from "../src/server/server.ts";
import type { RunArgs } from "./parse.ts";
import { Fatal, loadApp } from "./load-app.ts";
import { LogOpenError, type Logs, openLogs } from "./logs.ts";
import { welcomeApp } from "./welcome.ts";

/** Opens the logs and loads the app; `extra` adds core options of the caller (a worker's index). */
export async function appCore(platform: Platform, args: RunArgs, extra: Partial<CoreOptions> = {}): Promise<{ core: ServerCore; logs: Logs }> {
  let logs: Logs;
  try {
    logs = openLogs(platform, args.logs);
  } catch (err) {
    if (err instanceof LogOpenError) throw new Fatal(err.message, 1);
    throw err;
  }
  const module = args.module;
  const loaded = module === undefined ? welcomeApp : await loadApp(platform, { ...args, module });
  // validate() is loaded with --validate only (a smaller heap for every other server).
  const app = args.validate ? (await import("../adapters/validate.ts")).validate(loaded) : loaded;
  const core = createCore(app, { ...args.core, accessLog: logs.access, log: logs.error, debug: logs.debug, pid: platform.pid, ...extra }, platform);
  platform.onReopen(() => logs.reopen());
  return { core, logs };
}
