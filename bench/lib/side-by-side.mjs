// The A/B of `npm run bench -- --baseline DIR`: tsgi from this checkout and from the baseline run at
// the same time, pinned to the same CPU, each loaded by its own wrk (both on the load CPU), and
// each server's CPU time per request is read over the same seconds. This VM's speed changes from
// second to second (one server's req/s moves by 10-30% between runs), and both servers see the same
// changes, so their ratio keeps only what differs: the work per request. The one started (and loaded)
// second gained up to 4% in an A/A run of one checkout against itself, so the order alternates by
// round (`baseFirst`) and the median over rounds cancels it.
// It must never report a ratio from a server that failed validation, nor drop a wrk error unflagged.
import { mainThreadCpuNs, startServer, treeCpuNs } from "./procs.mjs";
import { errorLine, runWrk } from "./wrk.mjs";

/**
 * Starts both servers ({ argv, cwd, env } each; base first when `baseFirst`, else tsgi), validates one exchange on each (`validate(port)`
 * resolves { problem } or { note }), warms both up, then loads both for `duration` seconds at once.
 * Resolves { value, tsgiNs, baseNs, tsgiMainNs, baseMainNs, errors, detail }: value is base's CPU
 * time per request over tsgi's (above 1: tsgi does less work per request, read like a req/s ratio);
 * the *MainNs are the main thread's share (the rest is the runtime's helper threads: GC, I/O pools).
 */
export async function measureSideBySide({ tsgi, base, baseFirst, validate, wrk, connections, duration, warmup, cpu, pin }) {
  const servers = {};
  const order = baseFirst ? ["base", "tsgi"] : ["tsgi", "base"];
  const starts = { base, tsgi };
  try {
    // one after the other: a server that cannot start is reported as such (run.mjs skips it after)
    for (const kind of order) {
      const start = starts[kind];
      try {
        servers[kind] = await startServer(start.argv, { cwd: start.cwd, env: start.env });
      } catch (error) {
        error.startFailure = true;
        error.message = `${kind}: ${error.message}`;
        throw error;
      }
    }
    const notes = [];
    for (const kind of order) {
      const { problem, note } = await validate(servers[kind].port);
      if (problem) throw new Error(`${kind}: validation failed: ${problem}`);
      if (note) notes.push(`${kind}: ${note}`);
    }
    const drive = (kind, seconds) => runWrk({ port: servers[kind].port, wrk, connections, cpu, pin, duration: seconds });
    if (warmup > 0) await Promise.all(order.map((kind) => drive(kind, warmup)));
    const pids = { base: servers.base.child.pid, tsgi: servers.tsgi.child.pid };
    const before = { base: treeCpuNs(pids.base), tsgi: treeCpuNs(pids.tsgi) };
    const mainBefore = { base: mainThreadCpuNs(pids.base), tsgi: mainThreadCpuNs(pids.tsgi) };
    const runs = await Promise.all(order.map((kind) => drive(kind, duration)));
    const [b, t] = baseFirst ? runs : [runs[1], runs[0]];
    const baseNs = (treeCpuNs(pids.base) - before.base) / b.requests;
    const tsgiNs = (treeCpuNs(pids.tsgi) - before.tsgi) / t.requests;
    const baseMainNs = (mainThreadCpuNs(pids.base) - mainBefore.base) / b.requests;
    const tsgiMainNs = (mainThreadCpuNs(pids.tsgi) - mainBefore.tsgi) / t.requests;
    const errors = [];
    for (const [kind, r] of [["base", b], ["tsgi", t]]) {
      const wrkErrors = errorLine(r, notes.join("; "));
      if (wrkErrors !== null) errors.push(`${kind}: ${wrkErrors}`);
      const child = servers[kind].child;
      if (child.exitCode !== null || child.signalCode !== null) errors.push(`${kind}: server died during the run`);
    }
    const us = (ns) => (ns / 1000).toFixed(2);
    return {
      value: baseNs / tsgiNs,
      tsgiNs,
      baseNs,
      tsgiMainNs,
      baseMainNs,
      errors,
      detail: `tsgi ${us(tsgiNs)} / base ${us(baseNs)} us CPU per request (main thread ${us(tsgiMainNs)} / ${us(baseMainNs)}), side by side (${Math.round(t.rps)} / ${Math.round(b.rps)} req/s): tsgi/base ${(baseNs / tsgiNs).toFixed(3)}`,
    };
  } finally {
    await Promise.all(Object.values(servers).map((s) => s.stop()));
  }
}
