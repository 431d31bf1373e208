// Bun's Platform for the command line: Node's process facilities as Bun provides them, plus what
// `bun run` needs. Must never touch sockets (sockets.ts does) or parse arguments.

import type { Platform } from "../driver.ts";
import { processPlatform } from "../process-platform.ts";

/**
 * `bun run serve` runs serve.ts as a child of `bun run`, which does not pass SIGTERM on: the child
 * would outlive a stopped parent. So when started by `bun run`, losing the parent is a reason to stop.
 */
function watchBunRunParent(onGone: () => void): void {
  if (process.env.npm_lifecycle_event === undefined || !process.env.npm_config_user_agent?.startsWith("bun/")) return;
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onGone();
  }, 250);
  timer.unref();
}

const base = processPlatform("bun");

export const platform: Platform = {
  ...base,
  onStop(fn) {
    base.onStop(fn);
    watchBunRunParent(() => fn("parent exited"));
  },
};
