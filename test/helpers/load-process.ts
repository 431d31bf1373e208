// The load generator of test/helpers/load.ts as a process of its own, for a test that needs its
// traffic inside a network namespace (bundled with esbuild and run by node under `ip netns exec`).
// Usage: node load-process.mjs URL LANES. Prints one JSON line per 50 answers ({ ok, retried,
// failures, last }), and on SIGTERM the final counts ({ done: true, ... }) after each lane's current
// request, then exits. It must never send anything but GET requests to URL.
import { startLoad } from "./load.ts";

const [url = "", lanesText = "4"] = process.argv.slice(2);
const load = startLoad(url, { lanes: Number(lanesText), keepAlive: true });
const report = (done: boolean): string =>
  JSON.stringify({ done, ok: load.stats.ok, retried: load.stats.retried, failures: load.stats.failures, last: load.stats.answers.at(-1) ?? null });

let reported = 0;
const ticker = setInterval(() => {
  // Cheap check, off the load's path: a line for each 50 answers since the last one.
  if (load.stats.ok >= reported + 50) {
    reported = load.stats.ok;
    process.stdout.write(report(false) + "\n");
  }
}, 5);
process.on("SIGTERM", () => {
  clearInterval(ticker);
  void load.stop().then(() => {
    process.stdout.write(report(true) + "\n");
    process.exit(0);
  });
});
