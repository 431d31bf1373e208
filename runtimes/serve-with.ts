// What every library entry shares (runtimes/index.ts, which picks the runtime by looking at
// globalThis, and <runtime>/index.ts, which package.json's runtime conditions choose): the options
// of serve(), the core for an app on a platform, and serve() given a way to get the driver.
// Must never pick a runtime or name a runtime API.

import type { Application } from "../src/wsgi/types.ts";
import type { CoreOptions } from "../src/server/options.ts";
import { ServerCore } from "../src/server/server.ts";
import { DEFAULT_BIND, parseBind } from "./bind.ts";
import type { Driver, ListenOptions, Listener, Platform } from "./driver.ts";
import { listenAll } from "./listener.ts";

/** What serve() accepts: any CoreOptions (times in milliseconds) plus where to listen. */
export type ServeOptions = Partial<CoreOptions> & {
  /** `HOST:PORT`, `[IPV6]:PORT`, `unix:PATH` or `fd://N`, or several; default 127.0.0.1:8888 (port 0: any free port). */
  bind?: string | readonly string[];
  /** TLS, backlog, unix socket file mode (ListenOptions; TLS as PEM text: see runtimes/tls.ts readTls). */
  listen?: ListenOptions;
};

/** The core for `app` on this platform, with the platform's runtime name and scheduler; errors go to its stderr unless `options.log` says otherwise. */
export function createCore(app: Application, options: Partial<CoreOptions>, platform: Platform): ServerCore {
  return new ServerCore(app, { schedule: platform.afterMicrotasks, ...options, log: options.log ?? platform.stderr, runtime: platform.runtime });
}

/** serve() on the driver `getDriver` gives: checks the arguments first, then listens. */
export async function serveWith(getDriver: () => Promise<Driver>, app: Application, options: ServeOptions): Promise<Listener> {
  if (typeof app !== "function") throw new TypeError("serve(app): app must be a function (environ, startResponse) => body");
  const { bind: bindText, listen, ...core } = options;
  const binds = (typeof bindText === "string" ? [bindText] : (bindText ?? [DEFAULT_BIND])).map(parseBind);
  const driver = await getDriver();
  return await listenAll(driver.listen, createCore(app, core, driver.platform), binds, listen);
}
