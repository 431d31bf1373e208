// The long fuzz run (`npm run fuzz` = `bun test/fuzz/long.ts`): checks --count N inputs (default
// 1,000,000) drawn from --seed S (default: time-based, printed), prints progress to stderr and at the
// end `fuzz: N inputs, F failures (seed S)`. On the first failure it shrinks the input, prints the
// seed, the input's index, the input (JSON-escaped) and the assertion, and exits 1.
// --keep-going checks every input and reports the first (shrunk) example of each kind of failure.
// --from I skips the checks before input I (the same stream is drawn, so I reproduces one input).
// --differential runs the differential mode instead (differential/main.ts: tsgi against node:http,
// Bun.serve and Deno.serve over real sockets).
// It must never change what is checked (engine.ts does that) or hide a failure.
import { type Failure, Rng, check, nextCase, show, shrink, watchUnhandledRejections } from "./engine.ts";

const USAGE = [
  "usage: npm run fuzz -- [--count N] [--seed S] [--from I] [--keep-going] [--no-shrink]",
  "       npm run fuzz -- --differential --help   (the differential mode's options)",
].join("\n");

interface Args {
  count: number;
  seed: number;
  keepGoing: boolean;
  from: number;
  shrink: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { count: 1_000_000, seed: (Date.now() ^ (Math.random() * 0x7fffffff)) >>> 0, keepGoing: false, from: 0, shrink: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const num = (): number => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 0) {
        console.error(`fuzz: ${a} needs a non-negative integer`);
        process.exit(2);
      }
      return v;
    };
    if (a === "--count") args.count = num();
    else if (a === "--seed") args.seed = num() >>> 0;
    else if (a === "--from") args.from = num();
    else if (a === "--keep-going") args.keepGoing = true;
    else if (a === "--no-shrink") args.shrink = false;
    else if (a === "-h" || a === "--help") {
      console.log(USAGE);
      process.exit(0);
    } else {
      console.error(`fuzz: unknown argument ${a}\n${USAGE}`);
      process.exit(2);
    }
  }
  return args;
}

async function main(): Promise<void> {
  if (process.argv.includes("--differential")) {
    // Differential mode: tsgi against each runtime's own server (differential/main.ts).
    const { differential } = await import("./differential/main.ts");
    await differential(process.argv.slice(2));
    return;
  }
  const args = parseArgs(process.argv.slice(2));
  watchUnhandledRejections();
  const rng = new Rng(args.seed);
  const started = performance.now();
  let lastReport = started;
  const kinds = new Map<string, { count: number; first: Failure; index: number }>();
  let failures = 0;
  console.error(`fuzz: seed ${args.seed}, ${args.count} inputs`);
  for (let i = 0; i < args.count; i++) {
    const c = nextCase(rng);
    if (i < args.from) continue;
    for (const f of await check(c)) {
      failures++;
      const key = `${f.app} app: ${f.kind}`;
      const known = kinds.get(key);
      if (known !== undefined) known.count++;
      else {
        const small = args.shrink ? await shrink(f) : f;
        kinds.set(key, { count: 1, first: small, index: i });
        console.log(`fuzz: FAILURE at input ${i} (seed ${args.seed}; reproduce with --seed ${args.seed} --from ${i} --count ${i + 1})`);
        if (args.shrink) console.log(`original input: ${JSON.stringify(new TextDecoder("latin1").decode(f.input))}\nshrunk:`);
        console.log(show(small));
        if (!args.keepGoing) {
          console.log(`fuzz: ${i + 1} inputs, 1 failures (seed ${args.seed})`);
          process.exit(1);
        }
      }
    }
    const now = performance.now();
    if (now - lastReport > 10_000) {
      lastReport = now;
      const rate = Math.round(((i + 1 - args.from) * 1000) / (now - started));
      console.error(`fuzz: ${i + 1}/${args.count} inputs, ${failures} failures, ${rate}/s`);
    }
  }
  const secs = ((performance.now() - started) / 1000).toFixed(1);
  if (kinds.size > 0) {
    console.log("fuzz: failures by kind:");
    for (const [kind, k] of kinds) console.log(`  ${kind}: ${k.count} (first at input ${k.index})`);
  }
  console.error(`fuzz: ${secs} s`);
  console.log(`fuzz: ${args.count} inputs, ${failures} failures (seed ${args.seed})`);
  process.exit(failures === 0 ? 0 : 1);
}

await main();
