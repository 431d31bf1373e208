// A load generator for the worker tests: `lanes` loops, each sending one GET at a time to a server
// over node:http, with or without keep-alive, counting answers by worker and every failure. With
// keep-alive it retries an idempotent request only when a kept-alive (reused) connection closed
// before any byte of the response, as browsers and nginx do. It must never sleep between
// requests and never hide a failure (each one is counted with its reason).
//
// "Reused" is judged here, not by node:http's `req.reusedSocket`: a request the Agent queued (all
// its sockets busy) and then gave a socket that had just carried a response is not marked reused
// by Node 20, so its failure on a kept-alive connection the server closed looked like a new one's.
import http from "node:http";

/** What a worker app's JSON answer says (test/apps/workers.ts). */
export interface Who {
  worker: number;
  generation: number;
  multiprocess: boolean;
  pid: number;
  version?: string;
}

export interface LoadStats {
  ok: number;
  /** Requests retried after a kept-alive connection closed before any response byte. */
  retried: number;
  failures: string[];
  /** Answers seen, in order (the last ones tell which code serves now). */
  answers: Who[];
}

const REQUEST_MS = 10_000;

/**
 * The mark of a failure on a new connection reset before any response byte: with SO_REUSEPORT
 * (Bun, Deno) a connection still in the backlog of a listener that closes is reset by Linux unless
 * net.ipv4.tcp_migrate_req is 1.
 */
export const NEW_CONNECTION_RESET = " (new connection reset before any response byte)";

type Outcome = { who: Who } | { error: string; retryable: boolean };

/** Sockets that have carried a whole response: a request sent on one of them uses a kept-alive connection. */
const carried = new WeakSet<object>();

function once(agent: http.Agent | false, url: string): Promise<Outcome> {
  return new Promise((resolve) => {
    let gotByte = false;
    let reused = false;
    let socket: object | null = null;
    const req = http.get(url, { agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => {
        gotByte = true;
        chunks.push(c);
      });
      res.on("end", () => {
        if (socket !== null) carried.add(socket);
        const body = Buffer.concat(chunks).toString("latin1").trim();
        if (res.statusCode !== 200) return resolve({ error: `status ${res.statusCode}: ${body}`, retryable: false });
        try {
          resolve({ who: JSON.parse(body) as Who });
        } catch {
          resolve({ error: `bad body ${JSON.stringify(body)}`, retryable: false });
        }
      });
      res.on("error", (err) => resolve({ error: `response: ${err.message}`, retryable: false }));
    });
    // A safety net, not a measurement: a request that hangs counts as a failure instead of hanging the test.
    req.setTimeout(REQUEST_MS, () => req.destroy(Object.assign(new Error(`no answer within ${REQUEST_MS} ms`), { code: "TIMEOUT" })));
    req.on("socket", (s) => {
      socket = s;
      reused = carried.has(s);
    });
    req.on("response", () => {
      gotByte = true;
    });
    req.on("error", (err: NodeJS.ErrnoException) => {
      const where = reused ? " (reused connection)" : gotByte || err.code !== "ECONNRESET" ? "" : NEW_CONNECTION_RESET;
      resolve({ error: `${err.code ?? ""} ${err.message}${where}`, retryable: reused && !gotByte });
    });
  });
}

/** Starts the load; `stop()` ends every lane after its current request and resolves with the counts. */
export function startLoad(url: string, options: { lanes: number; keepAlive: boolean }): { stats: LoadStats; stop(): Promise<LoadStats> } {
  const stats: LoadStats = { ok: 0, retried: 0, failures: [], answers: [] };
  const agent = options.keepAlive ? new http.Agent({ keepAlive: true, maxSockets: options.lanes }) : false;
  let running = true;
  const lane = async (): Promise<void> => {
    while (running) {
      let outcome = await once(agent, url);
      // The retry may be handed another kept-alive connection that the same drain is closing: it is
      // retried under the same rule, at most once per pooled connection (and once more).
      for (let tries = 0; "error" in outcome && outcome.retryable && tries <= options.lanes; tries++) {
        stats.retried++;
        outcome = await once(agent, url);
      }
      if ("who" in outcome) {
        stats.ok++;
        stats.answers.push(outcome.who);
      } else stats.failures.push(outcome.error);
    }
  };
  const lanes = Array.from({ length: options.lanes }, lane);
  return {
    stats,
    async stop(): Promise<LoadStats> {
      running = false;
      await Promise.all(lanes);
      if (agent !== false) agent.destroy();
      return stats;
    },
  };
}

/** One GET without keep-alive; resolves with the answer or rejects. */
export async function who(url: string): Promise<Who> {
  const outcome = await once(false, url);
  if ("error" in outcome) throw new Error(outcome.error);
  return outcome.who;
}
