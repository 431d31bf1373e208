// `npm run bench:instructions`: the instructions a server executes per request, counted by
// valgrind's callgrind, for an A/B of tsgi against another checkout (--baseline) that a noisy
// machine cannot blur: requests/s from wrk vary by ±30% between rounds on a shared VM, instruction
// counts by well under 1%. Each server runs under callgrind with its JavaScript engine on one thread
// (V8's --single-threaded on Node and Deno; JSC without concurrent JIT and GC on Bun), so that the
// count includes the GC and compiler work a request causes and does not depend on timing. A
// counted load (bench/lib/counted-load.mjs) warms it up, the counters are zeroed, the same load
// runs again, and the counters are dumped: instructions divided by requests. Instructions are not
// time (cache misses and system calls weigh more than they count), so this complements wrk's
// figures, never replaces them. It must never connect beyond 127.0.0.1, never leave a server
// running, and never report a count from a server whose responses failed their check.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { countedLoad } from "./lib/counted-load.mjs";
import { startServer } from "./lib/procs.mjs";
import { median, textTable } from "./lib/report.mjs";
import { SCENARIOS } from "./lib/scenarios.mjs";
import { baselineOption, countOption, listOption } from "./lib/options.mjs";
import { ROOT, RUNTIMES, describe, ensureBuild } from "./lib/servers.mjs";

/** The scenarios a counted load can drive: one server process, wrk-like requests (no idle or slow clients). */
const COUNTABLE = SCENARIOS.filter((s) => !s.memory && !s.slowClients && !s.workers);

const USAGE = `usage: npm run bench:instructions -- [options]
  --baseline DIR        also count "base": tsgi from DIR, another checkout of this repository
  --kinds LIST          tsgi,native,base (default tsgi, plus base with --baseline)
  --only LIST           runtimes, comma-separated: node,bun,deno (default all)
  --scenarios LIST      ${COUNTABLE.map((s) => s.name).join(",")} (default hello,close,pipeline,big,upload,stream)
  --variants LIST       sync,async (default both)
  --requests N          requests counted per run, after as many for warm-up (default 1000)
  --connections N       connections of the counted load (default 8)
  --rounds N            runs per server; the median is shown (default 1: counts repeat to about 2%)
  -h, --help            this text`;

function options() {
  const { values } = parseArgs({
    options: {
      baseline: { type: "string" },
      kinds: { type: "string" },
      only: { type: "string", default: "node,bun,deno" },
      scenarios: { type: "string", default: "hello,close,pipeline,big,upload,stream" },
      variants: { type: "string", default: "sync,async" },
      requests: { type: "string", default: "1000" },
      connections: { type: "string", default: "8" },
      rounds: { type: "string", default: "1" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const count = (name) => countOption(values, name, 1);
  const list = (name, allowed) => listOption(values, name, allowed);
  const baseline = baselineOption(values);
  values.kinds ??= baseline === undefined ? "tsgi" : "tsgi,base";
  const kinds = list("kinds", ["tsgi", "native", "base"]);
  if (kinds.includes("base") && baseline === undefined) throw new Error("--kinds base needs --baseline DIR");
  const names = list("scenarios", COUNTABLE.map((s) => s.name));
  return {
    baseline,
    kinds,
    runtimes: list("only", ["node", "bun", "deno"]),
    scenarios: COUNTABLE.filter((s) => names.includes(s.name)),
    variants: list("variants", ["sync", "async"]).sort((a) => (a === "async" ? -1 : 1)),
    requests: count("requests"),
    connections: count("connections"),
    rounds: count("rounds"),
  };
}

/** valgrind with callgrind, installed with apt-get when missing and running as root. */
function ensureValgrind() {
  const has = () => spawnSync("valgrind", ["--version"]).status === 0 && spawnSync("callgrind_control", ["-h"]).status === 0;
  if (has()) return;
  if (process.getuid?.() === 0) {
    console.log("bench: installing valgrind (apt-get install -y valgrind)");
    spawnSync("apt-get", ["install", "-y", "valgrind"], { stdio: "ignore" });
    if (has()) return;
  }
  throw new Error("valgrind is missing: install it (Debian/Ubuntu: apt-get install -y valgrind)");
}

/** The server's command with its engine on one thread, under callgrind writing to `dir`, and its environment. */
function counted(runtime, argv, dir) {
  const env = { ...process.env, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" };
  let own = argv;
  if (runtime === "node") own = [argv[0], "--single-threaded", ...argv.slice(1)];
  if (runtime === "deno") own = [argv[0], argv[1], "--v8-flags=--single-threaded", ...argv.slice(2)];
  if (runtime === "bun") Object.assign(env, { BUN_JSC_useConcurrentJIT: "0", BUN_JSC_useConcurrentGC: "0" });
  return { argv: ["valgrind", "--tool=callgrind", `--callgrind-out-file=${dir}/cg.%p`, "--dump-line=no", ...own], env };
}

/** Runs callgrind_control `flag` on `pid`; throws with its output when it fails. */
function control(flag, pid) {
  const r = spawnSync("callgrind_control", [flag, String(pid)], { encoding: "utf8", timeout: 120_000 });
  if (r.status !== 0) throw new Error(`callgrind_control ${flag} ${pid} failed: ${(r.stderr || r.stdout).trim()}`);
}

/** The instructions in the first dump callgrind wrote for `pid` (the counted load, after the zeroing). */
function dumped(dir, pid) {
  const file = readdirSync(dir).find((f) => f === `cg.${pid}.1`);
  if (file === undefined) throw new Error(`callgrind wrote no dump for pid ${pid}`);
  const totals = /^totals:\s*(\d+)/m.exec(readFileSync(path.join(dir, file), "utf8"));
  if (totals === null) throw new Error(`no totals line in ${file}`);
  return Number(totals[1]);
}

/** One counted run: start under callgrind, warm up, zero, count, dump, stop. Returns instructions per request. */
async function measure(runtime, kind, scenario, variant, opts) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "tsgi-callgrind-"));
  const checkout = kind === "base" ? opts.baseline : ROOT;
  const { argv, env } = counted(runtime, RUNTIMES[runtime][kind === "base" ? "tsgi" : kind](scenario, checkout, variant), dir);
  const server = await startServer(argv, { cwd: checkout, env, timeoutMs: 180_000 });
  try {
    const load = { requests: opts.requests, connections: opts.connections };
    const warm = await countedLoad(server.port, scenario, load);
    if (warm.problems.length > 0) throw new Error(`responses failed their check: ${warm.problems.join("; ")}`);
    control("-z", server.child.pid);
    const run = await countedLoad(server.port, scenario, load);
    control("-d", server.child.pid);
    if (run.problems.length > 0) throw new Error(`responses failed their check: ${run.problems.join("; ")}`);
    return dumped(dir, server.child.pid) / run.requests;
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const opts = options();
  ensureValgrind();
  for (const [kind, dir] of [["tsgi", ROOT], ["base", opts.baseline]]) {
    if (!opts.runtimes.includes("node") || !opts.kinds.includes(kind)) continue;
    const error = ensureBuild(dir);
    if (error) throw new Error(`${dir}: ${error}`);
  }
  if (opts.kinds.includes("base")) console.log(`bench: tsgi at ${describe(ROOT)}, base at ${describe(opts.baseline)}`);
  console.log(`bench: ${opts.requests} requests counted per run after as many for warm-up, ${opts.connections} connections, ${opts.rounds} round(s)`);
  for (const runtime of opts.runtimes) {
    for (const variant of opts.variants) {
      const table = [];
      for (const scenario of opts.scenarios) {
        if (scenario.runtimes !== undefined && !scenario.runtimes.includes(runtime)) continue;
        const counts = Object.fromEntries(opts.kinds.map((k) => [k, []]));
        for (let round = 0; round < opts.rounds; round++) {
          // Alternate which kind goes first, as run.mjs does.
          const order = round % 2 === 0 ? opts.kinds : [...opts.kinds].reverse();
          for (const kind of order) {
            try {
              const perRequest = await measure(runtime, kind, scenario, variant, opts);
              counts[kind].push(perRequest);
              console.log(`[${round + 1}/${opts.rounds}] ${runtime} ${scenario.name} ${variant} ${kind}: ${Math.round(perRequest).toLocaleString("en-US")} instructions/request`);
            } catch (error) {
              console.log(`[${round + 1}/${opts.rounds}] ${runtime} ${scenario.name} ${variant} ${kind}: FAILED ${error.message}`);
            }
          }
        }
        const cell = (k) => (counts[k].length === 0 ? "failed" : Math.round(median(counts[k])).toLocaleString("en-US"));
        const row = [scenario.label, ...opts.kinds.map(cell)];
        for (const other of opts.kinds.filter((k) => k !== "tsgi")) {
          row.push(counts.tsgi.length === 0 || counts[other].length === 0 ? "-" : (median(counts.tsgi) / median(counts[other])).toFixed(3));
        }
        table.push(row);
      }
      const head = ["scenario", ...opts.kinds, ...opts.kinds.filter((k) => k !== "tsgi").map((k) => `tsgi/${k}`)];
      console.log(`\n${textTable(`${runtime}, ${variant} apps: instructions per request (lower is better; tsgi/x below 1 means tsgi does less work)`, head, table)}\n`);
    }
  }
}

main().catch((error) => {
  console.error(`bench: ${error.message}`);
  process.exit(1);
});
