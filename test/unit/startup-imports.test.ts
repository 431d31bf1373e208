// What a plain `deno run serve.ts app.ts` loads before it serves: the static imports of serve.ts and
// of Deno's driver (which load-driver.ts imports), read from esbuild's metafile (nothing is run).
// The only node: module among them may be node:process: every other node: compatibility module
// Deno loads enlarges the live heap (the first by about 1 MB, most by 0.4-0.9 MB, measured with
// gc() in a bare Deno), and each major GC costs time in proportion to it, which showed as a slower
// 64 KiB upload (docs/architecture.md). Supervisors, unix sockets, TLS files and --validate load
// theirs through dynamic imports; the check below also proves that those are still reachable.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Metafile } from "esbuild";
import { describe, expect, test } from "vitest";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

async function metafile(entries: string[]): Promise<Metafile> {
  const result = await build({
    entryPoints: entries.map((e) => path.join(ROOT, e)),
    absWorkingDir: ROOT,
    bundle: true,
    write: false,
    metafile: true,
    outdir: "out",
    format: "esm",
    platform: "node",
    packages: "external",
    logLevel: "silent",
  });
  return result.metafile;
}

/** The modules reached from `entries` through imports of the given kinds (node: ones as `node:x`). */
function reached(meta: Metafile, entries: string[], kinds: ReadonlySet<string>): Set<string> {
  const seen = new Set<string>();
  const todo = [...entries];
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const imp of meta.inputs[file]?.imports ?? []) {
      if (kinds.has(imp.kind)) todo.push(imp.path);
    }
  }
  return seen;
}

const STATIC = new Set(["import-statement"]);
const ANY = new Set(["import-statement", "dynamic-import"]);
const ENTRIES = ["serve.ts", "runtimes/deno/driver.ts"];

describe("what the command line loads on Deno before it serves", () => {
  test("no node: module but node:process is imported statically", async () => {
    const meta = await metafile(ENTRIES);
    const nodeModules = [...reached(meta, ENTRIES, STATIC)].filter((m) => m.startsWith("node:")).sort();
    expect(nodeModules).toEqual(["node:process"]);
  });

  test("the features that need more load it on demand (the walk sees dynamic imports)", async () => {
    const meta = await metafile(ENTRIES);
    const all = reached(meta, ENTRIES, ANY);
    for (const m of ["node:child_process", "node:fs", "node:net", "node:path", "node:url"]) expect(all.has(m), m).toBe(true);
    for (const f of ["runtimes/worker-process.ts", "runtimes/watch.ts", "runtimes/unix-socket.ts", "runtimes/tls-files.ts", "adapters/validate.ts", "cli/supervisor.ts", "cli/worker.ts"]) {
      expect(all.has(f), f).toBe(true);
      expect(reached(meta, ENTRIES, STATIC).has(f), f).toBe(false);
    }
  });
});
