// The worker options as parsed from argv (-w, --timeout, --max-requests, --reload), the hidden
// worker argument, the heartbeat interval and the watchdog's description of busy requests.
// Pure functions: no process is started here.
import { describe, expect, test } from "vitest";
import { UsageError, parseArgs } from "../../cli/parse.ts";
import { describeBusy, workerArg, workerRole } from "../../cli/worker-messages.ts";
import { beatInterval } from "../../cli/worker.ts";

function run(argv: string[]) {
  const parsed = parseArgs(argv);
  if (!("module" in parsed)) throw new Error("expected a run");
  return parsed;
}

describe("worker options", () => {
  test("defaults: one worker, a 30 s watchdog, no max requests, no reload", () => {
    const r = run(["app.ts"]);
    expect([r.workers, r.timeout, r.maxRequests, r.maxRequestsJitter, r.reload]).toEqual([1, 30_000, 0, 0, false]);
  });

  test("-w N, -wN, --workers=auto, --timeout, --max-requests, --reload", () => {
    expect(run(["-w", "4", "app.ts"]).workers).toBe(4);
    expect(run(["-w3", "app.ts"]).workers).toBe(3);
    expect(run(["--workers=auto", "app.ts"]).workers).toBe("auto");
    expect(run(["--timeout", "2.5", "app.ts"]).timeout).toBe(2500);
    expect(run(["--timeout", "0", "app.ts"]).timeout).toBe(0);
    const r = run(["--max-requests", "50", "--max-requests-jitter", "10", "--reload", "app.ts"]);
    expect([r.maxRequests, r.maxRequestsJitter, r.reload, r.logs.accessFile]).toEqual([50, 10, true, null]);
  });

  test("-w with several -b and TLS files keeps every address and the TLS settings", () => {
    const r = run(["-w", "2", "-b", "127.0.0.1:0", "-b", "[::1]:0", "--certfile", "c.pem", "--keyfile", "k.pem", "app.ts"]);
    expect([r.workers, r.binds.length, r.listen.tls?.certfile, r.listen.tls?.keyfile]).toEqual([2, 2, "c.pem", "k.pem"]);
  });

  test.each([["0"], ["-1"], ["two"], ["1.5"], [""]])("-w %j is a usage error", (value) => {
    expect(() => parseArgs(["-w", value, "app.ts"])).toThrow(UsageError);
  });

  test("the hidden worker argument round-trips; a plain command line has none", () => {
    const role = { index: 1, generation: 2, binds: ["127.0.0.1:8000", "[::1]:8001"] };
    expect(workerRole([workerArg(role), "app.ts"])).toEqual(role);
    expect(workerRole(["app.ts"])).toBeNull();
    expect(workerRole([])).toBeNull();
  });

  test("heartbeats come at most once a second, a quarter of a shorter timeout", () => {
    expect(beatInterval(30_000)).toBe(1000);
    expect(beatInterval(2_000)).toBe(500);
    expect(beatInterval(0)).toBe(1000);
    expect(beatInterval(10)).toBe(50);
  });

  test("busy requests are named with method, path and how long they ran", () => {
    expect(describeBusy([["GET", "/block", 1_000], ["POST", "/up", 2_500]], 4_000)).toBe("GET /block (3.0 s), POST /up (1.5 s)");
    expect(describeBusy([], 0)).toBe("");
  });
});
