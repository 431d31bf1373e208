// Watching a folder for changed source files (`--reload`), through node:fs.watch, which Node (20 on
// Linux: recursive), Bun and Deno provide. Must never decide what a change means (the supervisor
// reloads) and never throw from a watcher callback.

import { watch } from "node:fs";

const SOURCE = /\.(?:ts|mts|cts|tsx|js|mjs|cjs)$/;
const IGNORED = /(?:^|[\\/])(?:node_modules|\.git)(?:[\\/]|$)/;

/** Calls `fn` with the file name once changes to .ts/.js/.mjs files under `dir` have settled (`quietMs`). */
export function watchSources(dir: string, quietMs: number, fn: (file: string) => void): void {
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
    }, quietMs);
  });
  watcher.on("error", () => {});
}
