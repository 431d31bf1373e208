// `node bench/core/run.mjs [--baseline DIR] [--rounds N] [--count N] [--only LIST] [--scenarios LIST]`:
// the core's own cost per request (ns), measured in-process on a fake transport on Node, Bun and
// Deno, for this checkout and optionally a baseline checkout: a fresh process per side and round,
// alternating which goes first; each round gives one ratio and the median ratio is reported.
// It must never open a socket, and never compare figures taken from different runtimes.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";

const ROOT = path.resolve(new URL("../..", import.meta.url).pathname);
const WORKER = path.join(ROOT, "bench/core/worker.mjs");
const USAGE = `usage: node bench/core/run.mjs [options]

The core's own cost per request (ns), in-process on a fake transport, on Node, Bun and Deno.

  --baseline DIR     also measure the checkout DIR and print tsgi/base ratios
  --rounds N         processes per side and scenario (default 11)
  --count N          requests per process (default 200000)
  --only LIST        runtimes, comma-separated (default node,bun,deno)
  --scenarios LIST   default hello,hello-async,close,close-async,pipeline,pipeline-async,stream,stream-async,upload
  -h, --help         this text`;
let values;
try {
  ({ values } = parseArgs({
    options: {
      baseline: { type: "string" },
      rounds: { type: "string", default: "11" },
      count: { type: "string", default: "200000" },
      only: { type: "string", default: "node,bun,deno" },
      scenarios: { type: "string", default: "hello,hello-async,close,close-async,pipeline,pipeline-async,stream,stream-async,upload" },
      help: { type: "boolean", short: "h" },
    },
  }));
} catch (e) {
  console.error(`bench/core/run.mjs: ${e.message.split("\n")[0]} (--help lists the options)`);
  process.exit(2);
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const out = mkdtempSync(path.join(os.tmpdir(), "tsgi-core-"));
const esbuild = path.join(ROOT, "node_modules/.bin/esbuild");

/** Bundles the ServerCore of checkout `dir` into one ES module; returns its path. */
function bundle(dir, name) {
  const entry = ["src/server/server.ts", "src/server.ts"].map((p) => path.join(dir, p)).find(existsSync);
  if (entry === undefined) throw new Error(`${dir}: no src/server/server.ts or src/server.ts`);
  const file = path.join(out, `${name}.mjs`);
  const r = spawnSync(esbuild, [entry, "--bundle", "--format=esm", "--platform=neutral", `--outfile=${file}`, "--log-level=error"], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(r.stderr);
  return file;
}

const mine = bundle(ROOT, "tsgi");
const base = values.baseline ? bundle(path.resolve(values.baseline), "base") : "-";
const RUNTIMES = {
  node: (args) => [process.execPath, WORKER, ...args],
  bun: (args) => [path.join(ROOT, "node_modules/.bin/bun"), WORKER, ...args],
  deno: (args) => [path.join(ROOT, "node_modules/.bin/deno"), "run", "--allow-read", WORKER, ...args],
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** One process, one side: ns per request over `count` requests after a warm-up. */
function measure(runtime, file, scenario) {
  const [cmd, ...args] = RUNTIMES[runtime]([file, "-", scenario, values.count, "1"]);
  const res = spawnSync(cmd, args, { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
  try {
    return JSON.parse(res.stdout.trim()).a[0];
  } catch {
    throw new Error(`${runtime} ${scenario}: ${res.stderr || res.stdout}`);
  }
}

for (const runtime of values.only.split(",")) {
  console.log(`\n${runtime}: ns per request, median of ${values.rounds} rounds (lower is better)`);
  for (const scenario of values.scenarios.split(",")) {
    const a = [];
    const b = [];
    for (let r = 0; r < Number(values.rounds); r++) {
      // A fresh process per side and round, alternating which goes first.
      if (base !== "-" && r % 2 === 1) b.push(measure(runtime, base, scenario));
      a.push(measure(runtime, mine, scenario));
      if (base !== "-" && r % 2 === 0) b.push(measure(runtime, base, scenario));
    }
    let line = `  ${scenario.padEnd(12)} tsgi ${median(a).toFixed(0).padStart(6)}`;
    if (b.length > 0) {
      const ratios = a.map((x, i) => x / b[i]);
      const sorted = [...ratios].sort((x, y) => x - y);
      const q = (p) => sorted[Math.floor(p * (sorted.length - 1))].toFixed(3);
      line += `   base ${median(b).toFixed(0).padStart(6)}   tsgi/base ${median(ratios).toFixed(3)} (quartiles ${q(0.25)}-${q(0.75)})`;
    }
    console.log(line);
  }
}
