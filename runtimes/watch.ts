// Watching a folder for changed source files (`--reload`), through node:fs.watch, which Node (20 on
// Linux: recursive), Bun and Deno provide; loaded only by a supervisor (Platform.supervision).
// Must never decide what a change means (the supervisor reloads) and never throw from a watcher callback.

import { watch } from "node:fs";

/** Changes this close together are one edit (an editor writes a file in several steps). */
const QUIET_MS = 100;

const SOURCE = /\.(?:ts|mts|cts|tsx|js|mjs|cjs)$/;
const IGNORED = /(?:^|[\\/])(?:node_modules|\.git)(?:[\\/]|$)/;

/** Calls `fn` with the file name once changes to .ts/.js/.mjs files under `dir` have settled (QUIET_MS). */
export function watchSources(dir: string, fn: (file: string) => void): void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const watcher = watch(dir, { recursive: true }, (_event, name) => {
    const file = name === null ? "" : String(name);
    if (!SOURCE.test(file) || IGNORED.test(file)) return;
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      try {
        fn(file);
      } catch {}
    }, QUIET_MS);
  });
  watcher.on("error", () => {});
}
