// The differential mode of the fuzzer (`npm run fuzz -- --differential [--count N] [--seed S]
// [--only node,bun,deno] [--parallel P] [--idle MS] [--no-shrink] [--shrink-ms MS] [--examples N]`): for each
// runtime, starts tsgi (echo app tsgi-app.ts) and the runtime's own server (node:http, Bun.serve,
// Deno.serve; echo apps native-*.{mjs,ts}), sends both the same inputs (engine.ts's generated and
// mutated requests, each followed by a closing sentinel request so that a server that read it all
// answers and closes at once) over fresh loopback connections, P at a time, and records every
// disagreement (compare.ts) after confirming it once more with a longer idle wait. Prints each
// class with its count, its first example (shrunk) and both servers' answers, then
// `differential: N inputs per runtime, D disagreements in C classes (seed S)`. Exit 0 when every run
// completed (disagreements are findings, not failures), 1 when a server could not be started.
// SIGINT stops taking inputs and reports what was found so far (a second one quits).
// It must never drop a confirmed disagreement or reuse a connection across inputs (an input's
// leftovers would frame the next one differently on each side).
import { Rng, nextInput, toBytes, toLatin1 } from "../engine.ts";
import { type Observation, classify, describeObservation, observe } from "./compare.ts";
import { RUNTIMES, type Runtime, type Running, start } from "./servers.ts";
import { exchange } from "./wire.ts";

export const SENTINEL = "GET /__end HTTP/1.1\r\nHost: sentinel\r\nConnection: close\r\n\r\n";

interface Args {
  count: number;
  seed: number;
  only: Runtime[];
  parallel: number;
  idle: number;
  shrink: boolean;
  examples: number;
  /** Time spent shrinking each example, ms. */
  shrinkMs: number;
}

const USAGE =
  "usage: npm run fuzz -- --differential [--count N] [--seed S] [--only node,bun,deno] [--parallel P] [--idle MS] [--no-shrink] [--shrink-ms MS] [--examples N]";

function usage(msg: string): never {
  console.error(`fuzz: ${msg}\n${USAGE}`);
  process.exit(2);
}

function parseArgs(argv: string[]): Args {
  const args: Args = { count: 10_000, seed: (Date.now() ^ (Math.random() * 0x7fffffff)) >>> 0, only: [...RUNTIMES], parallel: 12, idle: 500, shrink: true, examples: 1, shrinkMs: 3000 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const num = (): number => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 0) usage(`${a} needs a non-negative integer`);
      return v;
    };
    if (a === "--differential") continue;
    else if (a === "-h" || a === "--help") {
      console.log(USAGE);
      process.exit(0);
    }
    else if (a === "--count") args.count = num();
    else if (a === "--seed") args.seed = num() >>> 0;
    else if (a === "--parallel") args.parallel = Math.max(1, num());
    else if (a === "--idle") args.idle = Math.max(1, num());
    else if (a === "--examples") args.examples = Math.max(1, num());
    else if (a === "--no-shrink") args.shrink = false;
    else if (a === "--shrink-ms") args.shrinkMs = num();
    else if (a === "--only") {
      const list = (argv[++i] ?? "").split(",").filter((s) => s !== "");
      for (const r of list) if (!(RUNTIMES as readonly string[]).includes(r)) usage(`--only: unknown runtime ${r}`);
      if (list.length === 0) usage("--only needs a list of runtimes");
      args.only = list as Runtime[];
    } else usage(`unknown argument ${a}`);
  }
  return args;
}

interface Found {
  count: number;
  /** Input indexes and inputs of the first examples. */
  examples: { index: number; input: Uint8Array }[];
}

/** How often each side went idle instead of closing (the sentinel asks both to close). */
interface Stats {
  tsgiWaits: number;
  nativeWaits: number;
  shown: number;
}

interface Pair {
  tsgi: Running;
  native: Running;
}

/** Both sides' observations of one input. */
async function run(pair: Pair, input: Uint8Array, idle: number): Promise<[Observation, Observation]> {
  const [a, b] = await Promise.all([exchange(pair.tsgi.port, input, idle), exchange(pair.native.port, input, idle)]);
  return [observe(a), observe(b)];
}

/**
 * The class of an input, confirmed: when a side went idle (which a slow answer can look like), a
 * disagreement must show again with a 5x longer idle wait. A side that closed has said all it will.
 */
async function judge(rt: Runtime, pair: Pair, input: Uint8Array, idle: number, stats: Stats): Promise<{ key: string | null; flaky: boolean }> {
  const [a, b] = await run(pair, input, idle);
  if (!a.ex.closed) stats.tsgiWaits++;
  if (!b.ex.closed) stats.nativeWaits++;
  const first = classify(rt, a, b);
  if (first === null) return { key: null, flaky: false };
  if (a.ex.closed && b.ex.closed) return { key: first, flaky: false };
  const [a2, b2] = await run(pair, input, idle * 5);
  const again = classify(rt, a2, b2);
  if (again !== first && stats.shown < 3 && process.env.FUZZ_DEBUG) {
    stats.shown++;
    console.error(`fuzz: ${JSON.stringify(toLatin1(input))}\n  first: ${first}\n    ${describeObservation("tsgi", a)}\n    ${describeObservation(rt, b)}\n  again: ${again}\n    ${describeObservation("tsgi", a2)}\n    ${describeObservation(rt, b2)}`);
  }
  return { key: again, flaky: again !== first };
}

/** Removes pieces of the input before the sentinel while the class stays the same (bounded in tries and time). */
async function shrink(rt: Runtime, pair: Pair, key: string, input: Uint8Array, idle: number, shrinkMs: number, budget = 400): Promise<Uint8Array> {
  const sentinel = toBytes(SENTINEL);
  const endsWithSentinel = toLatin1(input).endsWith(SENTINEL);
  let body = endsWithSentinel ? input.subarray(0, input.length - sentinel.length) : input;
  const withSentinel = (b: Uint8Array): Uint8Array => {
    if (!endsWithSentinel) return b;
    const out = new Uint8Array(b.length + sentinel.length);
    out.set(b, 0);
    out.set(sentinel, b.length);
    return out;
  };
  let tries = 0;
  const deadline = performance.now() + shrinkMs;
  for (let size = Math.max(1, body.length >> 1); size >= 1 && tries < budget && performance.now() < deadline; size = size === 1 ? 0 : Math.max(1, size >> 1)) {
    for (let at = 0; at + size <= body.length && tries < budget && performance.now() < deadline; ) {
      const cand = new Uint8Array(body.length - size);
      cand.set(body.subarray(0, at), 0);
      cand.set(body.subarray(at + size), at);
      tries++;
      const [a, b] = await run(pair, withSentinel(cand), idle);
      if (classify(rt, a, b) === key) body = cand;
      else at += size;
    }
  }
  return withSentinel(body);
}

async function startPair(rt: Runtime): Promise<Pair> {
  const [tsgi, native] = await Promise.all([start(rt, "tsgi"), start(rt, "native")]);
  return { tsgi, native };
}

interface RuntimeResult {
  rt: Runtime;
  inputs: number;
  disagreements: number;
  flaky: number;
  seconds: number;
  classes: Map<string, Found>;
  crashes: number;
  stats: Stats;
}

async function runRuntime(rt: Runtime, args: Args): Promise<RuntimeResult> {
  let pair = await startPair(rt);
  const rng = new Rng(args.seed);
  const sentinel = toBytes(SENTINEL);
  const classes = new Map<string, Found>();
  let next = 0;
  let done = 0;
  let disagreements = 0;
  let flaky = 0;
  let crashes = 0;
  let restarting: Promise<void> | null = null;
  const stats: Stats = { tsgiWaits: 0, nativeWaits: 0, shown: 0 };
  const started = performance.now();
  let lastReport = started;
  const take = (): { index: number; input: Uint8Array } | null => {
    if (next >= args.count || stopping) return null;
    const b = nextInput(rng);
    const input = new Uint8Array(b.length + sentinel.length);
    input.set(b, 0);
    input.set(sentinel, b.length);
    return { index: next++, input };
  };
  const record = (key: string, index: number, input: Uint8Array): void => {
    disagreements++;
    const f = classes.get(key);
    if (f === undefined) classes.set(key, { count: 1, examples: [{ index, input }] });
    else {
      f.count++;
      if (f.examples.length < args.examples) f.examples.push({ index, input });
    }
  };
  const worker = async (): Promise<void> => {
    for (let item = take(); item !== null; item = take()) {
      if (restarting !== null) await restarting;
      const { key, flaky: f } = await judge(rt, pair, item.input, args.idle, stats);
      if (f) flaky++;
      if (pair.tsgi.exited() || pair.native.exited()) {
        const who = pair.tsgi.exited() ? pair.tsgi : pair.native;
        crashes++;
        record(`${who.side === "tsgi" ? "tsgi" : rt} server exited`, item.index, item.input);
        console.error(`fuzz: ${who.side} on ${rt} exited at input ${item.index}; stderr:\n${who.stderr()}`);
        if (restarting === null) {
          restarting = (async () => {
            await Promise.all([pair.tsgi.stop(), pair.native.stop()]);
            pair = await startPair(rt);
            restarting = null;
          })();
        }
        await restarting;
      } else if (key !== null) record(key, item.index, item.input);
      done++;
      const now = performance.now();
      if (now - lastReport > 10_000) {
        lastReport = now;
        console.error(`fuzz: ${rt}: ${done}/${args.count} inputs, ${disagreements} disagreements, ${Math.round((done * 1000) / (now - started))}/s`);
      }
    }
  };
  await Promise.all(Array.from({ length: args.parallel }, worker));
  const seconds = (performance.now() - started) / 1000;
  const result: RuntimeResult = { rt, inputs: done, disagreements, flaky, seconds, classes, crashes, stats };
  await report(rt, pair, result, args);
  await Promise.all([pair.tsgi.stop(), pair.native.stop()]);
  return result;
}

async function report(rt: Runtime, pair: Pair, r: RuntimeResult, args: Args): Promise<void> {
  console.log(
    `differential: ${rt}: ${r.inputs} inputs in ${r.seconds.toFixed(1)} s (${Math.round(r.inputs / r.seconds)}/s), ` +
      `${r.disagreements} disagreements in ${r.classes.size} classes (${r.flaky} more did not show again; seed ${args.seed}); ` +
      `idle instead of closing: tsgi ${r.stats.tsgiWaits}, ${rt} ${r.stats.nativeWaits}`,
  );
  const sorted = [...r.classes].sort((x, y) => y[1].count - x[1].count);
  for (const [key, f] of sorted) {
    console.log(`  [${rt}] ${key}: ${f.count} (first at input ${f.examples[0]!.index})`);
    for (const ex of f.examples) {
      let input = ex.input;
      if (args.shrink && !key.endsWith("server exited")) input = await shrink(rt, pair, key, input, args.idle, args.shrinkMs);
      const [a, b] = await run(pair, input, args.idle * 5);
      console.log(`    input:  ${JSON.stringify(toLatin1(input))}`);
      console.log(`    tsgi:   ${describeObservation("tsgi", a)}`);
      console.log(`    ${rt}:${" ".repeat(Math.max(1, 7 - rt.length))}${describeObservation(rt, b)}`);
    }
  }
}

/** Set by SIGINT: take no more inputs, report what was found. */
let stopping = false;

export async function differential(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  process.on("SIGINT", () => {
    if (stopping) process.exit(130);
    stopping = true;
    console.error("fuzz: SIGINT: finishing the inputs in flight, then reporting (again to quit at once)");
  });
  console.error(`fuzz: differential, seed ${args.seed}, ${args.count} inputs per runtime on ${args.only.join(", ")}, ${args.parallel} in parallel`);
  let total = 0;
  let classes = 0;
  const counts: string[] = [];
  for (const rt of args.only) {
    let r: RuntimeResult;
    try {
      r = await runRuntime(rt, args);
    } catch (e) {
      console.error(`fuzz: ${rt}: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(1);
    }
    total += r.disagreements;
    counts.push(`${r.inputs} on ${rt}`);
    classes += r.classes.size;
  }
  const same = counts.every((c) => c.startsWith(`${args.count} `));
  console.log(`differential: ${same ? `${args.count} inputs per runtime` : `inputs: ${counts.join(", ")}`}, ${total} disagreements in ${classes} classes (seed ${args.seed})`);
  process.exit(0);
}
