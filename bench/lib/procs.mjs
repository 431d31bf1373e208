// Process handling for the bench harness: starts servers (pinned with taskset) in their own process
// group, waits for their "listening on http://HOST:PORT" line, and kills every process it started,
// also on error, Ctrl-C or exit. Reads a process tree's resident memory and CPU time from /proc.
// It must never kill a process it did not start.
import { spawn, spawnSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";

const live = new Set();

/** Is `taskset` usable and are there at least two CPUs? Otherwise run unpinned. */
export function pinningAvailable() {
  const probe = spawnSync("taskset", ["-c", "1", "true"]);
  return probe.status === 0;
}

/** Prefix for a command pinned to `cpu` (or none when pinning is off). */
export function pinned(cpu, argv, pin) {
  return pin ? ["taskset", "-c", String(cpu), ...argv] : argv;
}

function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/** Synchronous last resort, for process exit: SIGKILL every group still alive. */
export function killAll() {
  for (const child of live) killGroup(child, "SIGKILL");
  live.clear();
}

process.on("exit", killAll);
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => {
    killAll();
    console.error(`\nbench: interrupted by ${signal}; all servers stopped`);
    process.exit(130);
  });
}

/** Spawns argv in its own process group and tracks it until it exits. */
export function track(argv, options = {}) {
  const child = spawn(argv[0], argv.slice(1), { detached: true, stdio: ["ignore", "pipe", "pipe"], ...options });
  live.add(child);
  child.once("exit", () => live.delete(child));
  return child;
}

/**
 * Starts a server and resolves { child, port, stop } once it printed its listening line, or rejects
 * with the tail of its stderr when it exits or stays silent for `timeoutMs`.
 */
export function startServer(argv, { cwd, env, timeoutMs = 20000 } = {}) {
  const child = track(argv, { cwd, env });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr = (stderr + d).slice(-4000);
  });
  return new Promise((resolve, reject) => {
    const fail = (why) => {
      clearTimeout(timer);
      killGroup(child, "SIGKILL");
      const tail = stderr.trim().split("\n").slice(-3).join(" | ");
      reject(new Error(`${why}${tail ? `: ${tail}` : ""}`));
    };
    const timer = setTimeout(() => fail(`no listening line within ${timeoutMs} ms`), timeoutMs);
    const onExit = (code, signal) => fail(`exited early (${signal ?? `code ${code}`})`);
    child.once("exit", onExit);
    child.once("error", (error) => fail(error.message));
    child.stdout.on("data", function onData(d) {
      stdout += d;
      const match = /listening on http:\/\/(?:127\.0\.0\.1|localhost):(\d+)/.exec(stdout);
      if (!match) return;
      child.stdout.off("data", onData);
      child.stdout.resume(); // keep draining whatever else it prints
      child.off("exit", onExit);
      clearTimeout(timer);
      resolve({ child, port: Number(match[1]), stop: () => stopProcess(child), stderr: () => stderr });
    });
  });
}

/** SIGTERM the process group, SIGKILL it after `graceMs`; resolves when the leader exited. */
export function stopProcess(child, graceMs = 3000) {
  if (child.exitCode !== null || child.signalCode !== null) {
    killGroup(child, "SIGKILL"); // leftovers of the group, if any
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => killGroup(child, "SIGKILL"), graceMs);
    child.once("exit", () => {
      clearTimeout(timer);
      killGroup(child, "SIGKILL");
      resolve();
    });
    killGroup(child, "SIGTERM");
  });
}

function childrenOf(pid) {
  const out = [];
  try {
    for (const tid of readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/)) {
      if (tid) out.push(Number(tid));
    }
  } catch {
    // no children file (process gone)
  }
  return out;
}

/** VmRSS in bytes of pid and all its descendants, from /proc/PID/status. */
export function treeRss(pid) {
  let total = 0;
  const stack = [pid];
  while (stack.length > 0) {
    const p = stack.pop();
    try {
      const status = readFileSync(`/proc/${p}/status`, "utf8");
      const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
      if (match) total += Number(match[1]) * 1024;
    } catch {
      continue;
    }
    stack.push(...childrenOf(p));
  }
  return total;
}

/** Nanoseconds on a CPU so far of pid's main thread alone (where a server's JavaScript runs); 0 once it is gone. */
export function mainThreadCpuNs(pid) {
  try {
    return Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, "utf8").split(" ")[0]);
  } catch {
    return 0;
  }
}

/**
 * Nanoseconds on a CPU so far of pid, its threads and its descendants, from the scheduler's
 * /proc/PID/task/TID/schedstat (user and kernel time alike; a thread that already exited is not
 * counted, so read it while the server runs).
 */
export function treeCpuNs(pid) {
  let total = 0;
  const stack = [pid];
  while (stack.length > 0) {
    const p = stack.pop();
    let tids;
    try {
      tids = readdirSync(`/proc/${p}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      try {
        total += Number(readFileSync(`/proc/${p}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
      } catch {
        // the thread ended meanwhile
      }
    }
    stack.push(...childrenOf(p));
  }
  return total;
}
