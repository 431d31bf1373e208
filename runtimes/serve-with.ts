// What every library entry shares (runtimes/index.ts, which picks the runtime by looking at
// globalThis, and <runtime>/index.ts, which package.json's runtime conditions choose): the options
// of serve(), the core for an app on a platform, and serve() given a way to get the driver.
// Must never pick a runtime or name a runtime API.

import type { Application } from "../src/wsgi/types.ts";
import type { CoreOptions } from "../src/server/options.ts";
import { ServerCore } from "../src/server/server.ts";
import { DEFAULT_BIND, parseBind } from "./bind.ts";
import type { Driver, Listener, Platform } from "./driver.ts";

/** What serve() accepts: any CoreOptions (times in milliseconds) plus where to listen. */
export type ServeOptions = Partial<CoreOptions> & {
  /** `HOST:PORT`, `[IPV6]:PORT` or `unix:PATH`; default 127.0.0.1:8888 (port 0: any free port). */
  bind?: string;
};

/** The core for `app` on this platform, with the platform's runtime name and scheduler; errors go to its stderr unless `options.log` says otherwise. */
export function createCore(app: Application, options: Partial<CoreOptions>, platform: Platform): ServerCore {
  return new ServerCore(app, { schedule: platform.afterMicrotasks, ...options, log: options.log ?? platform.stderr, runtime: platform.runtime });
}

/** serve() on the driver `getDriver` gives: checks the arguments first, then listens. */
export async function serveWith(getDriver: () => Promise<Driver>, app: Application, options: ServeOptions): Promise<Listener> {
  if (typeof app !== "function") throw new TypeError("serve(app): app must be a function (environ, startResponse) => body");
  const { bind: bindText, ...core } = options;
  const bind = parseBind(bindText ?? DEFAULT_BIND);
  const driver = await getDriver();
  return await driver.listen(createCore(app, core, driver.platform), bind);
}
