// `npm run bench`: tsgi against each runtime's own HTTP server and a bare-socket ceiling, driven by
// wrk on 127.0.0.1. For every runtime (node, bun, deno), scenario and round it starts one server
// pinned to CPU 0, validates one exchange (status and exact body), runs wrk pinned to CPU 1 (or,
// for idle memory, a client process opening N keep-alive connections), then stops the server.
// Every scenario runs in two variants (--variants): the sync bench apps (bench/apps/*.ts) and the
// same apps written as real ones are (bench/apps/async/*.ts: async functions, header lists built per
// response), each against the native server's matching handler; the async variant is the headline.
// Prints medians per scenario and the median of the per-round tsgi/native ratios; --write also
// writes bench/RESULTS.md. With --baseline DIR it also runs "base" (tsgi from another checkout,
// serving this checkout's bench apps) in every round and prints the median tsgi/base ratio: for
// throughput scenarios side by side with this checkout's tsgi, both at once on CPU 0, as the ratio
// of their CPU time per request (side-by-side.mjs); for memory and slow clients, back to back.
// It must never listen or connect beyond 127.0.0.1, never leave a server running (every process
// is killed on error, Ctrl-C and exit), never report a figure from a server that failed to
// validate without flagging it, and never modify the baseline checkout beyond `npm run build`.
import { readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { measureIdleMemory } from "./lib/memory.mjs";
import { measureSideBySide } from "./lib/side-by-side.mjs";
import { pinningAvailable, pinned, startServer } from "./lib/procs.mjs";
import { besideCpu, header, markdownTable, notes, roundRatios, rows, textTable, variantRows } from "./lib/report.mjs";
import { SCENARIOS, displayRows } from "./lib/scenarios.mjs";
import { SLOW_HEAD_TIMEOUT, fdLimitProblem, measureSlowClients } from "./lib/slow-clients.mjs";
import { exchange } from "./lib/http-wire.mjs";
import { ensureWrk, errorLine, runWrk } from "./lib/wrk.mjs";
import { baselineOption, countOption, flagsOption, listOption } from "./lib/options.mjs";
import { ROOT, RUNTIMES, describe, ensureBuild, firstLine, withNodeFlags } from "./lib/servers.mjs";

const SERVER_CPU = 0;
const LOAD_CPU = 1;

const USAGE = `usage: npm run bench -- [options]
  --rounds N            rounds per measurement, tsgi and native (and base) alternate (default 3)
  --duration S          seconds per wrk run (default 5)
  --warmup S            seconds of discarded wrk warm-up before each run (default 1, 0 = none)
  --connections N       wrk connections (default 64)
  --idle-connections N  connections for the idle-memory scenario (default 5000)
  --slow-clients N      slow clients for the slow-clients scenario (default 2000; it uses 8 wrk
                        connections and a head timeout of 3 s, and runs at least 6 s per wrk run)
  --only LIST           runtimes, comma-separated: node,bun,deno (default all)
  --scenarios LIST      ${SCENARIOS.map((s) => s.name).join(",")} (default all)
  --kinds LIST          tsgi,native,bare,base (default all; base only with --baseline)
  --variants LIST       sync,async: the apps as bench/apps/*.ts (sync) and bench/apps/async/*.ts
                        (async functions, headers built per response) (default both; async is
                        the headline; bare is measured once, it has no app)
  --baseline DIR        also run "base": tsgi from DIR, another checkout of this repository
                        (built with npm run build when needed), on the same bench apps; prints
                        tsgi/base, the median of the per-round ratios, to measure a change A/B.
                        Throughput scenarios run base and this tsgi side by side (both at once
                        on CPU 0, each with its own wrk on CPU 1) and compare their CPU time per
                        request, which this VM's changing speed does not move; memory and slow
                        clients run back to back. --kinds base gives the A/B alone
  --node-flags=FLAGS    options for node itself, given to every Node server (tsgi, base, native,
                        bare), e.g. --node-flags=--single-threaded-gc to see what V8's GC threads
                        add (with "=": the value starts with a dash); the runtime's heading names them
  --write               also write bench/RESULTS.md
  -h, --help            this text`;

function options() {
  const { values } = parseArgs({
    options: {
      rounds: { type: "string", default: "3" },
      duration: { type: "string", default: "5" },
      warmup: { type: "string", default: "1" },
      connections: { type: "string", default: "64" },
      "idle-connections": { type: "string", default: "5000" },
      "slow-clients": { type: "string", default: "2000" },
      only: { type: "string", default: "node,bun,deno" },
      scenarios: { type: "string", default: SCENARIOS.map((s) => s.name).join(",") },
      kinds: { type: "string" },
      variants: { type: "string", default: "sync,async" },
      baseline: { type: "string" },
      "node-flags": { type: "string", default: "" },
      write: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const count = (name, min) => countOption(values, name, min);
  const list = (name, allowed) => listOption(values, name, allowed);
  const baseline = baselineOption(values);
  if (values.kinds === undefined) values.kinds = baseline === undefined ? "tsgi,native,bare" : "tsgi,native,bare,base";
  const kinds = list("kinds", ["tsgi", "native", "bare", "base"]);
  if (kinds.includes("base") && baseline === undefined) throw new Error("--kinds base needs --baseline DIR");
  return {
    rounds: count("rounds", 1),
    duration: count("duration", 1),
    warmup: count("warmup", 0),
    connections: count("connections", 1),
    idleConnections: count("idle-connections", 1),
    slowClients: count("slow-clients", 1),
    runtimes: list("only", ["node", "bun", "deno"]),
    scenarios: SCENARIOS.filter((s) => list("scenarios", SCENARIOS.map((x) => x.name)).includes(s.name)),
    kinds,
    // the headline (async) first
    variants: list("variants", ["sync", "async"]).sort((a, b) => (a === "async" ? -1 : b === "async" ? 1 : 0)),
    baseline,
    nodeFlags: flagsOption(values, "node-flags"),
    write: values.write,
  };
}

function machine(wrkVersion, runtimes, nodeFlags) {
  const cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
  const model = /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? "unknown";
  return {
    nproc: firstLine("nproc", []),
    model,
    kernel: `${os.type()} ${os.release()}`,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    wrk: wrkVersion,
    versions: Object.fromEntries(runtimes.map((r) => [r, RUNTIMES[r].version() + (r === "node" && nodeFlags.length > 0 ? ` ${nodeFlags.join(" ")}` : "")])),
  };
}

/** One raw exchange checked against the scenario: { problem } when wrong, { note } to explain errors. */
async function validate(port, scenario) {
  const v = scenario.validate;
  const result = await exchange(port, v.request, { expected: v.expected, waitClose: v.waitClose });
  if (result.error) return { problem: result.error };
  if (result.responses.length !== v.expected) return { problem: `${result.responses.length} responses, expected ${v.expected}` };
  for (const response of result.responses) {
    const problem = v.check(response);
    if (problem) return { problem };
  }
  return { note: v.note?.(result.responses[0]) };
}

/** Whether base runs side by side with tsgi in this scenario (a throughput one) rather than back to back. */
const sideBySide = (scenario) => !scenario.memory && !scenario.slowClients;

/** One server run: start, validate, measure, stop. Returns { value, errors } or throws. */
async function measure(runtime, kind, scenario, variant, opts, pin, round) {
  if (scenario.unpinned) pin = false; // several server processes: no CPU of their own
  const env = { ...process.env, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" };
  // base is the tsgi kind run from the baseline checkout (its own serve.ts / dist/serve.js, cwd there)
  const flagged = (argv) => (runtime === "node" ? withNodeFlags(argv, opts.nodeFlags) : argv);
  const start = (dir) => ({ argv: pinned(SERVER_CPU, flagged(RUNTIMES[runtime].tsgi(scenario, dir, variant)), pin), cwd: dir, env });
  if (kind === "base" && sideBySide(scenario)) {
    const { wrk } = scenario;
    return measureSideBySide({ tsgi: start(ROOT), base: start(opts.baseline), baseFirst: round % 2 === 0, validate: (port) => validate(port, scenario), wrk, connections: opts.connections, duration: opts.duration, warmup: opts.warmup, cpu: LOAD_CPU, pin });
  }
  const dir = kind === "base" ? opts.baseline : ROOT;
  const argv = pinned(SERVER_CPU, flagged(RUNTIMES[runtime][kind === "base" ? "tsgi" : kind](scenario, dir, variant)), pin);
  let server;
  try {
    server = await startServer(argv, { cwd: dir, env });
  } catch (error) {
    error.startFailure = true;
    throw error;
  }
  try {
    const { problem, note } = await validate(server.port, scenario);
    if (problem) throw new Error(`validation failed: ${problem}`);
    if (scenario.memory) {
      const m = await measureIdleMemory({ pid: server.child.pid, port: server.port, connections: opts.idleConnections, cpu: LOAD_CPU, pin });
      return { value: m.bytesPerConn, errors: m.errors, detail: `${(m.bytesPerConn / 1024).toFixed(2)} KiB/conn (RSS ${(m.baseline / 2 ** 20).toFixed(1)} -> ${(m.loaded / 2 ** 20).toFixed(1)} MiB)` };
    }
    if (scenario.slowClients) {
      // Bun.serve and Deno.serve have no head timeout: their slow clients stay open (not an error).
      const expiring = kind !== "native" || runtime === "node";
      const m = await measureSlowClients({ port: server.port, wrk: scenario.wrk, connections: scenario.connections, duration: opts.duration, warmup: opts.warmup, slowCount: opts.slowClients, cpu: LOAD_CPU, pin, expiring });
      if (server.child.exitCode !== null || server.child.signalCode !== null) m.errors.push("server died during the run");
      return m;
    }
    const drive = { port: server.port, wrk: scenario.wrk, connections: opts.connections, cpu: LOAD_CPU, pin };
    if (opts.warmup > 0) await runWrk({ ...drive, duration: opts.warmup });
    const r = await runWrk({ ...drive, duration: opts.duration });
    const errors = [];
    const wrkErrors = errorLine(r, note);
    if (wrkErrors !== null) errors.push(wrkErrors);
    if (server.child.exitCode !== null || server.child.signalCode !== null) errors.push("server died during the run");
    return { value: r.rps, errors, detail: `${Math.round(r.rps)} req/s, p50 ${(r.p50_us / 1000).toFixed(2)} ms, p99 ${(r.p99_us / 1000).toFixed(2)} ms` };
  } finally {
    await server.stop();
  }
}

async function main() {
  const opts = options();
  const wrkVersion = ensureWrk();
  const pin = os.availableParallelism() >= 2 && pinningAvailable();
  if (!pin) console.log("bench: WARNING taskset or a second CPU is missing; server and wrk are NOT pinned");

  const unavailable = {}; // "runtime/kind" or "runtime/kind/scenario" -> reason: what is skipped
  for (const [kind, dir] of [["tsgi", ROOT], ["base", opts.baseline]]) {
    if (!opts.runtimes.includes("node") || !opts.kinds.includes(kind)) continue;
    const buildError = ensureBuild(dir);
    if (buildError) unavailable[`node/${kind}`] = buildError;
  }
  const fdProblem = opts.scenarios.some((s) => s.slowClients) ? fdLimitProblem(opts.slowClients) : undefined;
  if (fdProblem) for (const r of opts.runtimes) for (const k of opts.kinds) unavailable[`${r}/${k}/slow-clients`] = fdProblem;
  const info = machine(wrkVersion, opts.runtimes, opts.nodeFlags);
  console.log(`bench: ${info.nproc} CPUs (${info.model}), ${info.wrk}; ${Object.values(info.versions).join(", ")}`);
  const withBase = opts.kinds.includes("base");
  const baseInfo = withBase ? `tsgi at ${describe(ROOT)}, base at ${describe(opts.baseline)}` : undefined;
  if (withBase) console.log(`bench: ${baseInfo}`);
  const loadBefore = os.loadavg()[0];
  if (loadBefore > 0.5) {
    console.log(`bench: WARNING load average is ${loadBefore.toFixed(2)} before starting: other work shares the CPUs, figures will be noisy`);
  }
  const throughput = opts.scenarios.filter((s) => !s.memory && !s.slowClients).length;
  const memory = opts.scenarios.filter((s) => s.memory).length;
  const slow = opts.scenarios.filter((s) => s.slowClients).length;
  const runs = opts.variants.length * opts.kinds.filter((k) => k !== "bare").length + (opts.kinds.includes("bare") ? 1 : 0);
  const estimate = opts.rounds * opts.runtimes.length * runs * (throughput * (opts.duration + opts.warmup + 1) + memory * 8 + slow * (2 * Math.max(opts.duration, SLOW_HEAD_TIMEOUT + 3) + opts.warmup + 5));
  console.log(`bench: ${opts.rounds} round(s), ${opts.duration} s per run; about ${Math.ceil(estimate / 60)} min\n`);

  // variant -> runtime -> scenario -> kind -> { values, byRound, errors, failures }; bare (no app,
  // the same in every variant) is measured once per round and filed under the "bare" variant
  const results = {};
  for (let round = 0; round < opts.rounds; round++) {
    for (const runtime of opts.runtimes) {
      for (const scenario of opts.scenarios) {
        if (scenario.runtimes !== undefined && !scenario.runtimes.includes(runtime)) continue;
        // base, tsgi, native one round and the reverse the next: tsgi runs back to back with both,
        // and neither side of a ratio always goes first; the variants alternate too; bare comes last
        const order = ["base", "tsgi", "native"].filter((k) => opts.kinds.includes(k));
        const variants = round % 2 === 1 ? [...opts.variants].reverse() : opts.variants;
        if (round % 2 === 1) order.reverse();
        const runs = variants.flatMap((variant) => order.map((kind) => [variant, kind]));
        if (opts.kinds.includes("bare") && scenario.bare !== null) runs.push(["bare", "bare"]);
        for (const [variant, kind] of runs) {
          // base side by side with tsgi is its own entry: its figure is a ratio, not base's req/s
          const key = kind === "base" && sideBySide(scenario) ? "beside" : kind;
          const entry = ((((results[variant] ??= {})[runtime] ??= {})[scenario.name] ??= {})[key] ??= { values: [], byRound: [], errors: [], failures: [], cpu: [] });
          const tag = `[${round + 1}/${opts.rounds}] ${runtime.padEnd(4)} ${scenario.name.padEnd(8)} ${(kind === "bare" ? "" : variant).padEnd(5)} ${kind.padEnd(6)}`;
          // a kind that cannot start for a scenario (base may lack an option it needs) is skipped
          // in that scenario's other variants and rounds, not in the other scenarios
          const skip = unavailable[`${runtime}/${kind}`] ?? unavailable[`${runtime}/${kind}/${scenario.name}`];
          if (skip) {
            if (!entry.failures.includes(skip)) entry.failures.push(skip);
            console.log(`${tag} skipped: ${skip}`);
            continue;
          }
          try {
            const r = await measure(runtime, kind, scenario, variant, opts, pin, round);
            entry.values.push(r.value);
            entry.byRound[round] = r.value;
            if (r.tsgiNs !== undefined) entry.cpu.push([r.tsgiNs, r.baseNs, r.tsgiMainNs, r.baseMainNs]);
            if (r.quiet !== undefined) {
              // the slow-clients scenario's run without them: its own row
              const alone = (results[variant][runtime][`${scenario.name}:alone`] ??= {})[kind] ??= { values: [], byRound: [], errors: [], failures: [] };
              alone.values.push(r.quiet);
              alone.byRound[round] = r.quiet;
            }
            entry.errors.push(...r.errors.map((e) => `round ${round + 1}: ${e}`));
            console.log(`${tag} ${r.detail}${r.errors.length ? `  FLAGGED: ${r.errors.join("; ")}` : ""}`);
          } catch (error) {
            const reason = error.startFailure ? `could not start: ${error.message}` : error.message;
            entry.failures.push(`round ${round + 1}: ${reason}`);
            if (error.startFailure) unavailable[`${runtime}/${kind}/${scenario.name}`] = reason;
            console.log(`${tag} FAILED: ${reason}`);
          }
        }
      }
    }
  }

  const loadAfter = os.loadavg()[0];
  const load = `1-minute load average ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after (it includes the bench itself)`;
  const command = `npm run bench --${process.argv.slice(2).map((a) => ` ${a}`).join("")}`.replace(/ --$/, "");
  const sections = [];
  console.log(`\nbench: ${load}\n`);
  const VARIANT_TITLE = { async: "async apps (headline)", sync: "sync apps" };
  const shown = displayRows(opts.scenarios);
  for (const variant of opts.variants) {
    for (const runtime of opts.runtimes) {
      // bare has no app: its one figure per round is shown in every variant's table, flagged once
      const byScenario = results[variant]?.[runtime] ?? {};
      const bare = results.bare?.[runtime] ?? {};
      const withBare = Object.fromEntries(shown.map((sc) => [sc.name, { ...byScenario[sc.name], bare: bare[sc.name]?.bare }]));
      const table = rows(shown, withBare, withBase);
      const flagged = notes(shown, byScenario);
      if (variant === opts.variants[0]) flagged.push(...notes(shown, bare));
      const perRound = roundRatios(shown, byScenario, "native");
      const perRoundBase = withBase ? roundRatios(shown, byScenario, "base") : [];
      const cpuBase = withBase ? besideCpu(shown, byScenario) : [];
      const title = `${runtime} (${info.versions[runtime]}), ${VARIANT_TITLE[variant]}: requests/s (unless a unit is given), median of ${opts.rounds}`;
      console.log(textTable(title, header(withBase), table));
      if (perRound.length) console.log(`  tsgi/native per round: ${perRound.join("; ")}`);
      if (perRoundBase.length) console.log(`  tsgi/base per round: ${perRoundBase.join("; ")}`);
      if (cpuBase.length) console.log(`  side by side, CPU us per request tsgi / base, all threads (main thread), medians: ${cpuBase.join("; ")}`);
      for (const n of flagged) console.log(`  ! ${n}`);
      console.log("");
      sections.push({ runtime, title, head: header(withBase), table, flagged, perRound, perRoundBase, cpuBase });
    }
  }
  if (opts.variants.length === 2) {
    // async/sync: the cost of writing the app as real apps are, per server (median of per-round ratios)
    for (const runtime of opts.runtimes) {
      // base side by side has no req/s of its own to compare: a kind with no figure at all is left out
      const kinds = opts.kinds.filter((k) => k !== "bare");
      const full = variantRows(shown, results.async?.[runtime] ?? {}, results.sync?.[runtime] ?? {}, kinds);
      const kept = kinds.map((_, i) => i + 1).filter((col) => full.some((row) => row[col] !== "-"));
      if (kept.length === 0) continue;
      const head = ["scenario", ...kept.map((col) => `${kinds[col - 1]} async/sync`)];
      const table = full.map((row) => [row[0], ...kept.map((col) => row[col])]);
      const title = `${runtime}: async variant / sync variant (1.00 = no cost; memory and p99: lower is better)`;
      console.log(textTable(title, head, table), "\n");
      sections.push({ runtime, title, head, table, flagged: [], perRound: [], perRoundBase: [], cpuBase: [] });
    }
  }

  if (opts.write) {
    const md = [
      "# tsgi benchmark results",
      "",
      `Written by \`${command}\` (bench/run.mjs) on ${new Date().toISOString()}.`,
      "",
      `- Machine: ${info.nproc} CPUs, ${info.model}, ${info.memory} RAM, ${info.kernel}`,
      `- Runtimes: ${Object.values(info.versions).join("; ")}`,
      `- Load generator: ${info.wrk}, 1 thread, ${opts.connections} connections, ${opts.duration} s per run after ${opts.warmup} s warm-up, ${opts.rounds} round(s); figures are medians, and tsgi/native is the median of the per-round ratios (tsgi and native run back to back in each round)`,
      `- Pinning: ${pin ? `server on CPU ${SERVER_CPU}, wrk and the idle client on CPU ${LOAD_CPU} (taskset)` : "none (taskset or a second CPU missing)"}`,
      `- Load: ${load}${loadBefore > 0.5 ? " - other work shared the machine, figures are noisy" : ""}`,
      ...(withBase ? [`- A/B: ${baseInfo}; base is tsgi run from that checkout on the same bench apps, and tsgi/base is the median of the per-round ratios. Throughput scenarios ("side by side") run base and tsgi at once on CPU ${SERVER_CPU}, each with its own wrk on CPU ${LOAD_CPU}, and their ratio is base's CPU time per request over tsgi's (schedstat); memory and slow clients run back to back`] : []),
      `- Variants: ${opts.variants.map((v) => (v === "async" ? "async (bench/apps/async: async functions, header lists built per response, async generator bodies; native servers with async handlers)" : "sync (bench/apps: the constant-header sync apps)")).join("; ")}; bare has no app and is measured once per round`,
      `- Idle memory: ${opts.idleConnections} keep-alive connections that each made one request, server RSS delta (VmRSS) / ${opts.idleConnections}`,
      `- Slow clients: wrk p99 of 8 keep-alive connections alone, then while ${opts.slowClients} connections from another process trickle a request head one line a second and time out together (head timeout ${SLOW_HEAD_TIMEOUT} s for tsgi and node:http; Bun.serve and Deno.serve have none, so theirs stay open)`,
      "",
      "tsgi runs through its CLI; native is the runtime's own server (node:http, Bun.serve, Deno.serve)",
      "with the same behaviour; bare socket is a ceiling that only counts `\\r\\n\\r\\n` and writes a canned",
      "response. Every server's response is validated (status and exact body) before it is measured.",
      "A `!` marks a figure with flagged errors (listed under the table); `failed` means not measured.",
      "",
    ];
    for (const s of sections) {
      md.push(`## ${s.title}`, "", markdownTable(s.head, s.table), "");
      if (s.perRound.length) md.push(`tsgi/native per round: ${s.perRound.join("; ")}`, "");
      if (s.perRoundBase.length) md.push(`tsgi/base per round: ${s.perRoundBase.join("; ")}`, "");
      if (s.cpuBase.length) md.push(`side by side, CPU us per request tsgi / base, all threads (main thread), medians: ${s.cpuBase.join("; ")}`, "");
      if (s.flagged.length) md.push(...s.flagged.map((n) => `- ${n}`), "");
    }
    writeFileSync(path.join(ROOT, "bench/RESULTS.md"), md.join("\n"));
    console.log("bench: wrote bench/RESULTS.md");
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(`bench: error: ${error.message}`);
    process.exit(1);
  },
);
