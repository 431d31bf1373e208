// The slow-clients measurement: with a server already started and validated (its head timeout set
// short by the scenario), runs wrk with a few keep-alive connections twice: alone, then while a
// separate client process (bench/lib/slow-client.mjs, pinned to the load CPU) holds COUNT
// connections that trickle a request head one line a second, so that their head timeouts expire
// together in the middle of the second run. Reports the good traffic's p99 in both runs and what
// became of the slow connections (answered 408, closed, still open).
// It must never count a run as valid when the slow clients could not connect, or when tsgi did not
// answer every one of them before the end of the run.
import { spawnSync } from "node:child_process";
import readline from "node:readline";
import { pinned, stopProcess, track } from "./procs.mjs";
import { errorLine, runWrk } from "./wrk.mjs";

const CLIENT = new URL("./slow-client.mjs", import.meta.url).pathname;
/** The slow clients' head timeout (seconds), given to every server that has one. */
export const SLOW_HEAD_TIMEOUT = 3;
/** Seconds of the loaded run after the head timeout, so the expiry falls well inside it. */
const AFTER_EXPIRY = 3;

function wrkProblems(r) {
  const line = errorLine(r);
  return line === null ? [] : [line];
}

const ms = (us) => (us / 1000).toFixed(2);

/**
 * The open-file limit the servers and the slow client start with (they inherit this process's: Node
 * raises its soft limit to the hard one at startup). Returns a problem when it is below `count`
 * sockets plus a margin, or undefined.
 */
export function fdLimitProblem(count) {
  const r = spawnSync("sh", ["-c", "ulimit -n"], { encoding: "utf8" });
  const limit = r.stdout.trim();
  if (limit === "unlimited" || Number(limit) >= count + 512) return undefined;
  return `ulimit -n is ${limit || "unknown"} in the processes the bench starts; ${count} slow clients need at least ${count + 512}: raise the hard limit (ulimit -Hn, or LimitNOFILE) and run again`;
}

/**
 * Resolves { value: p99 ms with slow clients, quiet: p99 ms without, errors, detail }.
 * `expiring`: whether this server has a head timeout (tsgi, node:http); the slow clients must then
 * all be answered or closed by the end of the loaded run.
 */
export async function measureSlowClients({ port, wrk, connections, duration, warmup, slowCount, cpu, pin, expiring }) {
  const drive = { port, wrk, connections, cpu, pin };
  const loadedSeconds = Math.max(duration, SLOW_HEAD_TIMEOUT + AFTER_EXPIRY);
  if (warmup > 0) await runWrk({ ...drive, duration: warmup });
  const quiet = await runWrk({ ...drive, duration: loadedSeconds });
  const errors = wrkProblems(quiet).map((e) => `without slow clients: ${e}`);

  const client = track(pinned(cpu, [process.execPath, CLIENT, String(port), String(slowCount), "1000"], pin), {
    stdio: ["pipe", "pipe", "pipe"],
  });
  const lines = readline.createInterface({ input: client.stdout });
  const nextLine = (timeoutMs) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`slow client silent for ${timeoutMs} ms`)), timeoutMs);
      lines.once("line", (line) => {
        clearTimeout(timer);
        resolve(JSON.parse(line));
      });
    });
  try {
    const ready = await nextLine(60000);
    if (ready.failed > 0) errors.push(`${ready.failed} of ${slowCount} slow clients could not connect (${ready.firstError})`);
    if (ready.ended > 0) errors.push(`${ready.ended} slow clients timed out before the measured run began (connecting ${slowCount} took longer than the head timeout: the machine is busy)`);
    const loaded = await runWrk({ ...drive, duration: loadedSeconds });
    errors.push(...wrkProblems(loaded).map((e) => `with slow clients: ${e}`));
    client.stdin.write("report\n");
    const fate = await nextLine(10000);
    const answered = Object.entries(fate.answered).map(([status, n]) => `${n} got ${status}`);
    const ended = Object.values(fate.answered).reduce((a, b) => a + b, 0) + fate.closedSilently + fate.reset;
    const what = [...answered, ...(fate.closedSilently ? [`${fate.closedSilently} closed silently`] : []), ...(fate.reset ? [`${fate.reset} reset`] : []), `${fate.open} still open`].join(", ");
    if (expiring && ended < ready.ready) errors.push(`only ${ended} of ${ready.ready} slow clients were timed out during the run (${what})`);
    const detail = `p99 ${ms(quiet.p99_us)} ms alone (${Math.round(quiet.rps)} req/s), ${ms(loaded.p99_us)} ms with ${ready.ready} slow clients (${Math.round(loaded.rps)} req/s; ${what})`;
    return { value: loaded.p99_us / 1000, quiet: quiet.p99_us / 1000, errors, detail };
  } finally {
    client.stdin.end();
    await stopProcess(client, 2000);
  }
}
