// The idle-memory measurement: with a server already started and validated, reads its RSS, has a
// separate client process (bench/lib/idle-client.mjs, pinned to the load CPU) open N keep-alive
// connections that each made one request, reads the RSS again and divides the delta by N.
// It must never count a run where connections failed or were dropped as a valid figure.
import { treeRss, pinned, stopProcess, track } from "./procs.mjs";
import readline from "node:readline";

const CLIENT = new URL("./idle-client.mjs", import.meta.url).pathname;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves { bytesPerConn, baseline, loaded, connections, errors } for the server `pid`. */
export async function measureIdleMemory({ pid, port, connections, cpu, pin, settleMs = 1000 }) {
  await sleep(settleMs);
  const baseline = treeRss(pid);
  const client = track(pinned(cpu, [process.execPath, CLIENT, String(port), String(connections)], pin), {
    stdio: ["pipe", "pipe", "pipe"],
  });
  const lines = readline.createInterface({ input: client.stdout });
  const nextLine = (timeoutMs) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`idle client silent for ${timeoutMs} ms`)), timeoutMs);
      lines.once("line", (line) => {
        clearTimeout(timer);
        resolve(JSON.parse(line));
      });
    });
  try {
    const ready = await nextLine(120000);
    await sleep(settleMs);
    const loaded = treeRss(pid);
    client.stdin.write("check\n");
    const { open } = await nextLine(10000);
    const errors = [];
    if (ready.failed > 0) errors.push(`${ready.failed} connections failed (${ready.firstError})`);
    if (open < connections) errors.push(`${connections - open} of ${connections} connections were closed`);
    return { bytesPerConn: (loaded - baseline) / connections, baseline, loaded, connections: open, errors };
  } finally {
    client.stdin.end();
    await stopProcess(client, 2000);
  }
}
