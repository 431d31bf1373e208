// Drives wrk for the bench harness: installs it when missing (apt-get, as root only), builds the
// per-scenario lua script (scenario part + report.lua), runs one bounded wrk, returns its figures.
// It must never target anything but 127.0.0.1 nor run without a time bound.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pinned, stopProcess, track } from "./procs.mjs";

const WRK_DIR = new URL("../wrk/", import.meta.url).pathname;

function hasWrk() {
  return spawnSync("wrk", ["-v"], { encoding: "utf8" }).error === undefined;
}

/** Makes sure wrk is on PATH; installs the Debian package when running as root. Returns its version. */
export function ensureWrk() {
  if (!hasWrk()) {
    if (process.getuid?.() !== 0) {
      throw new Error("wrk is not installed. Install it with: sudo apt-get update && sudo apt-get install -y wrk");
    }
    console.log("bench: wrk not found, installing it: apt-get update && apt-get install -y wrk");
    const install = spawnSync("sh", ["-c", "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y wrk"], {
      stdio: "inherit",
    });
    if (install.status !== 0 || !hasWrk()) throw new Error("installing wrk with apt-get failed");
  }
  const probe = spawnSync("wrk", ["-v"], { encoding: "utf8" });
  return `${probe.stdout}${probe.stderr}`.split("\n")[0].replace(/ Copyright.*$/, "").trim();
}

let scriptDir;
const scriptCache = new Map();

/** Path of the scenario's lua script with the reporting hook appended (made once per run). */
function scriptFor(name) {
  const key = name ?? "";
  if (!scriptCache.has(key)) {
    scriptDir ??= mkdtempSync(path.join(tmpdir(), "tsgi-bench-"));
    const body = (name ? readFileSync(path.join(WRK_DIR, name), "utf8") + "\n" : "") + readFileSync(path.join(WRK_DIR, "report.lua"), "utf8");
    const file = path.join(scriptDir, `${name ? path.basename(name, ".lua") : "plain"}.lua`);
    writeFileSync(file, body);
    scriptCache.set(key, file);
  }
  return scriptCache.get(key);
}

process.on("exit", () => {
  if (scriptDir) rmSync(scriptDir, { recursive: true, force: true });
});

/**
 * Runs wrk against 127.0.0.1:port for `duration` seconds with one thread on `cpu`.
 * Resolves { rps, requests, errors: {connect,read,write,status,timeout}, p50_us, p99_us }.
 */
export function runWrk({ port, wrk, duration, connections, cpu, pin }) {
  const argv = pinned(
    cpu,
    [
      "wrk",
      "-t1",
      `-c${connections}`,
      `-d${duration}s`,
      "--timeout",
      "5s",
      "-s",
      scriptFor(wrk.script),
      ...wrk.args,
      `http://127.0.0.1:${port}/`,
      ...(wrk.scriptArgs?.length ? ["--", ...wrk.scriptArgs] : []),
    ],
    pin,
  );
  const child = track(argv);
  let out = "";
  let err = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (err += d));
  return new Promise((resolve, reject) => {
    const limit = setTimeout(() => {
      stopProcess(child, 500);
      reject(new Error(`wrk did not finish within ${duration + 20} s`));
    }, (duration + 20) * 1000);
    child.once("error", (e) => {
      clearTimeout(limit);
      reject(e);
    });
    child.once("exit", (code) => {
      clearTimeout(limit);
      const line = /^WRKJSON (.*)$/m.exec(out);
      if (!line) {
        reject(new Error(`wrk exited with ${code} and no report: ${(err || out).trim().slice(-300)}`));
        return;
      }
      const r = JSON.parse(line[1]);
      resolve({
        rps: r.requests / (r.duration_us / 1e6),
        requests: r.requests,
        errors: { connect: r.connect, read: r.read, write: r.write, status: r.status, timeout: r.timeout },
        p50_us: r.p50_us,
        p99_us: r.p99_us,
      });
    });
  });
}

/** Total of wrk's error counters (socket errors and non-2xx/3xx statuses). */
export function errorCount(errors) {
  return errors.connect + errors.read + errors.write + errors.status + errors.timeout;
}

/** One line for a run's wrk errors ("wrk errors (read 3) of 1000 requests; `note`"), or null when it had none. */
export function errorLine(r, note) {
  if (errorCount(r.errors) === 0) return null;
  const parts = Object.entries(r.errors).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`);
  return `wrk errors (${parts.join(", ")}) of ${r.requests} requests${note ? `; ${note}` : ""}`;
}
