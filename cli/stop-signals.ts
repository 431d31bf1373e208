// How the command line hears "stop": SIGINT/SIGTERM (and, under `bun run`, the parent going away),
// calls close together counted as one, and the wording and exit codes shared by a single server
// (main.ts) and a supervisor (supervisor.ts). Must never stop anything itself.

import type { Platform, StopCause } from "../runtimes/driver.ts";

/** Exit code of a stop forced by a second signal: 128 + the signal's number, as a shell reports a process that signal ended. */
export const FORCED_EXIT = { SIGINT: 130, SIGTERM: 143 } as const;

/**
 * Stop requests this close together are one: a Ctrl-C reaches a child of `bun run` twice, from the
 * terminal (which signals the whole process group) and relayed by `bun run` (measured: the same
 * millisecond), and other launchers relay signals too. A request is acted on once this long has
 * passed; those that arrive meanwhile are the same one.
 */
const SAME_REQUEST_MS = 200;

export function requests(n: number): string {
  return n === 1 ? "1 request" : `${n} requests`;
}

/** Calls `act` for each stop request, counting those SAME_REQUEST_MS apart or less as one. */
export function onStopRequest(platform: Platform, act: (cause: StopCause) => void): void {
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
