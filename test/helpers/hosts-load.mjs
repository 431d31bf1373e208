// The many-hosts test's load generator, run by Node inside the balancer's network namespace
// (`ip netns exec NS node hosts-load.mjs URL LANES PACE_MS`): LANES loops, each sending one GET at
// a time to URL (nginx) over keep-alive connections, the next one PACE_MS after an answer (a pace,
// so that the test leaves CPU to the tests running beside it), counting answers by the pid that
// served them (the app's JSON `pid`) and every failure with its reason. It prints `ready` once
// nginx answered a first GET, then a `progress {json}` line every 50 answers, and on SIGTERM (from
// the test) stops and prints `done {json}` with the totals and the failures. It never retries a
// request (nginx's proxy_next_upstream is what is tested), waits on a clock for nothing but its
// pace, and never hides a failure.
import http from "node:http";

const [url, lanesArg, paceArg] = process.argv.slice(2);
const lanes = Number(lanesArg ?? "4");
const paceMs = Number(paceArg ?? "0");
const REQUEST_MS = 10_000;
const agent = new http.Agent({ keepAlive: true, maxSockets: lanes });

/** @type {{ ok: number, failed: number, byPid: Record<string, number>, failures: string[] }} */
const stats = { ok: 0, failed: 0, byPid: {}, failures: [] };
let stopping = false;

/** One GET; resolves with the pid that answered, or throws with the reason of the failure. */
function get() {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent, timeout: REQUEST_MS }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => {
        const body = Buffer.concat(chunks).toString("latin1");
        if (res.statusCode !== 200) return reject(new Error(`status ${res.statusCode}: ${body.slice(0, 200)}`));
        try {
          resolve(String(JSON.parse(body).pid));
        } catch {
          reject(new Error(`not JSON: ${body.slice(0, 200)}`));
        }
      });
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`no answer within ${REQUEST_MS} ms`)));
    req.on("error", reject);
  });
}

function line(kind) {
  process.stdout.write(`${kind} ${JSON.stringify({ ...stats, failures: stats.failures.slice(0, 50) })}\n`);
}

async function lane() {
  while (!stopping) {
    try {
      const pid = await get();
      stats.ok++;
      stats.byPid[pid] = (stats.byPid[pid] ?? 0) + 1;
    } catch (err) {
      stats.failed++;
      stats.failures.push(`${new Date().toISOString()} ${err instanceof Error ? err.message : String(err)}`);
    }
    if ((stats.ok + stats.failed) % 50 === 0) line("progress");
    if (paceMs > 0) await new Promise((resolve) => setTimeout(resolve, paceMs));
  }
}

// nginx was checked by the test before this starts; one GET proves the path through it.
try {
  await get();
} catch (err) {
  process.stdout.write(`unready ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
process.stdout.write("ready\n");
process.on("SIGTERM", () => {
  stopping = true;
});
await Promise.all(Array.from({ length: lanes }, lane));
line("done");
agent.destroy();
