// The supervisor of `--workers N` (N > 1, or --reload): starts the workers (the first alone, so a
// port 0 is known to the rest), prints the ready line, replaces a worker that exits unexpectedly
// (with a backoff) or whose heartbeat stops (--timeout), and acts on signals: SIGTERM/SIGINT stop
// all gracefully (a second stops at once), SIGHUP reloads (new workers listen before old ones
// drain), SIGTTIN/SIGTTOU add or remove a worker, SIGUSR1 is passed to the workers (they reopen their logs); with --reload, a changed source file reloads too.
// Must never load the app or listen itself (workers do), and reaches processes only through the Platform.

import { dirname, resolve } from "node:path";
import type { Platform, StopCause, Supervision, WorkerProcess } from "../runtimes/driver.ts";
import { type Bind, formatBind } from "../runtimes/bind.ts";
import { DEFAULT_OPTIONS } from "../src/server/options.ts";
import type { RunArgs } from "./parse.ts";
import { Fatal, oneLine } from "./load-app.ts";
import { FORCED_EXIT, onStopRequest, requests } from "./stop-signals.ts";
import { welcomeHint } from "./welcome.ts";
import { type BusyReport, type WorkerMessage, asWorkerMessage, describeBusy, workerArg } from "./worker-messages.ts";

/** A worker that lived less than this was a crash at start: the next one waits longer. */
const SHORT_LIFE_MS = 5_000;
/** The longest wait before a replacement (a crashing app does not spin). */
const MAX_BACKOFF_MS = 10_000;
/** After the graceful timeout, how long a stop waits for workers before killing them. */
const STOP_SLACK_MS = 5_000;

type State = "starting" | "ready" | "draining";

interface Worker {
  readonly index: number;
  readonly generation: number;
  readonly proc: WorkerProcess;
  state: State;
  readonly startedAt: number;
  lastBeat: number;
  inFlight: number;
  busy: readonly BusyReport[];
  /** Why the supervisor ended it, if it did ("watchdog"): the exit is then expected. */
  killedBy: string | null;
  exited: boolean;
  /** Started at boot or by a reload: failing before it listens fails that, and it is not replaced. */
  readonly strict: boolean;
  url?: string;
  /** One URL per address, in the order of the binds. */
  urls?: readonly string[];
  /** What it said when it failed to start, with its exit code. */
  failure?: string;
  failureCode?: number;
  exitHow?: string;
}

function how(code: number | null, signal: string | null): string {
  return signal !== null ? `was killed by ${signal}` : `exited with code ${code ?? "?"}`;
}

function workersText(n: number): string {
  return n === 1 ? "1 worker" : `${n} workers`;
}

export class Supervisor {
  private readonly workers = new Set<Worker>();
  private generation = 0;
  private target: number;
  private stopping = false;
  private forced = false;
  private reloading = false;
  /** Replacements started in a row after short lives: the backoff grows with it. */
  private crashes = 0;
  private readonly pending = new Set<ReturnType<typeof setTimeout>>();
  /** The binds the workers after the first use (the real ports where port 0 was asked for). */
  private binds: readonly Bind[];
  private readonly graceMs: number;

  constructor(
    private readonly platform: Platform,
    private readonly processes: Supervision,
    private readonly args: RunArgs,
    /** The user's arguments, passed to every worker after its role. */
    private readonly argv: readonly string[],
    count: number,
  ) {
    this.target = count;
    this.binds = args.binds;
    this.graceMs = args.core.shutdownTimeout ?? DEFAULT_OPTIONS.shutdownTimeout;
  }

  /** Starts all workers; resolves with the URL once every one listens, or throws Fatal for the first that failed. */
  async boot(): Promise<string> {
    const reusePort = this.platform.workerListen === "reuse-port";
    const unix = this.binds.find((b) => b.kind === "unix");
    if (unix !== undefined) {
      // Bun and Deno cannot share one listening unix socket between processes; on Node the workers
      // would take each other's socket file for a live one (runtimes/unix-socket.ts) and remove it when they stop.
      throw new Fatal(`--workers above 1 or --reload cannot listen on ${formatBind(unix)}: workers serve TCP addresses only; run one process per unix socket`, 2);
    }
    if (this.args.reload && this.args.module === undefined) throw new Fatal("--reload needs MODULE: with no MODULE the built-in welcome app has no source to watch", 2);
    let url: string;
    try {
      const first = this.spawn(0, 0, true);
      url = await this.ready(first);
      // Every later worker listens on the ports the first one got (a port 0 is one port per address).
      if (reusePort) this.binds = this.binds.map((b, i) => (b.kind === "tcp" && b.port === 0 ? { kind: "tcp", host: b.host, port: Number(new URL(first.urls![i]!).port) } : b));
      const rest: Worker[] = [];
      for (let i = 1; i < this.target; i++) rest.push(this.spawn(i, 0, true));
      await Promise.all(rest.map((w) => this.ready(w)));
    } catch (err) {
      // One clear line (main.ts prints it) and no worker left behind.
      this.stopping = true;
      for (const w of this.workers) w.proc.kill("SIGKILL");
      throw err;
    }
    this.listenForSignals();
    if (this.args.timeout > 0) this.watch(this.args.timeout);
    return url;
  }

  private spawn(index: number, generation: number, strict: boolean): Worker {
    // Every worker after the first listens where the first did (its real port when port 0 was asked for).
    const role = { index, generation, ...(this.workers.size === 0 && !this.running ? {} : { binds: this.binds.map((b) => formatBind(b)) }) };
    let proc: WorkerProcess;
    try {
      proc = this.processes.spawnWorker([workerArg(role), ...this.argv]);
    } catch (err) {
      throw new Fatal(`cannot start a worker process: ${oneLine(err)}`, 1);
    }
    const now = Date.now();
    const w: Worker = { index, generation, proc, state: "starting", startedAt: now, lastBeat: now, inFlight: 0, busy: [], killedBy: null, exited: false, strict };
    this.workers.add(w);
    proc.onMessage((m) => this.received(w, asWorkerMessage(m)));
    proc.onExit((code, signal) => this.exited(w, code, signal));
    return w;
  }

  /** Resolves with the worker's URL when it listens; throws Fatal when it fails or exits first. */
  private ready(w: Worker): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = setInterval(() => {
        if (w.state !== "starting") {
          clearInterval(check);
          resolve(w.url!);
        } else if (w.exited) {
          clearInterval(check);
          reject(new Fatal(w.failure ?? `worker ${w.index} ${w.exitHow ?? "exited"} before it listened`, w.failureCode ?? 1));
        }
      }, 10);
    });
  }

  private received(w: Worker, m: WorkerMessage | null): void {
    if (m === null) return;
    switch (m.t) {
      case "ready":
        w.url = m.url;
        w.urls = m.urls;
        w.lastBeat = Date.now();
        if (w.state === "starting") w.state = "ready";
        // Told to stop while it started: the message may have come before it listened for messages.
        else if (w.state === "draining") w.proc.send({ t: "stop" });
        if (this.stopping) w.proc.send({ t: "stop" });
        return;
      case "failed":
        w.failure = m.line;
        w.failureCode = m.code;
        return;
      case "beat":
        w.lastBeat = Date.now();
        w.inFlight = m.inFlight;
        w.busy = m.busy;
        return;
      case "retire":
        void this.retire(w, m.served);
        return;
      case "closed":
        w.proc.send({ t: "closed-seen" });
        return;
    }
  }

  private exited(w: Worker, code: number | null, signal: string | null): void {
    w.exited = true;
    w.exitHow = how(code, signal);
    this.workers.delete(w);
    if (this.stopping) {
      if (this.workers.size === 0 && this.running) void this.platform.exit(this.forced ? 1 : 0);
      return;
    }
    // A worker that drains (reload, fewer workers, max requests) or failed to start at boot is not replaced here.
    if (w.state === "draining" || (w.state === "starting" && w.strict)) return;
    if (w.generation !== this.generation || w.index >= this.target) return;
    const lived = Date.now() - w.startedAt;
    this.crashes = lived < SHORT_LIFE_MS ? this.crashes + 1 : 0;
    const delay = this.crashes === 0 ? 0 : Math.min(MAX_BACKOFF_MS, 100 * 2 ** (this.crashes - 1));
    const why = w.failure !== undefined ? `failed to start: ${w.failure}` : w.exitHow;
    this.platform.stderr(
      `tsgi: worker ${w.index} (pid ${w.proc.pid}) ${why}${w.killedBy !== null ? ` (${w.killedBy})` : ""}; starting another${delay > 0 ? ` in ${(delay / 1000).toFixed(1)} s` : ""}`,
    );
    const timer = setTimeout(() => {
      this.pending.delete(timer);
      if (this.stopping || w.generation !== this.generation || w.index >= this.target) return;
      this.respawn(w.index);
    }, delay);
    this.pending.add(timer);
  }

  private respawn(index: number): void {
    try {
      this.spawn(index, this.generation, false);
    } catch (err) {
      this.platform.stderr(`tsgi: error: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Workers of the current generation that serve or start. */
  private current(): Worker[] {
    return [...this.workers].filter((w) => w.generation === this.generation && w.state !== "draining");
  }

  private drain(w: Worker): void {
    w.state = "draining";
    w.proc.send({ t: "stop" });
  }

  /** Booted: a stop that has ended every worker ends this process. */
  private running = false;

  private listenForSignals(): void {
    this.running = true;
    onStopRequest(this.platform, (cause) => this.stop(cause));
    this.platform.onSignal("SIGHUP", () => void this.reload("SIGHUP"));
    if (this.args.reload) {
      const dir = dirname(resolve(this.platform.cwd(), this.args.module ?? "."));
      this.processes.watchSources(dir, (file) => void this.reload(`${file} changed`));
    }
    this.platform.onSignal("SIGTTIN", () => this.resize(this.target + 1));
    this.platform.onSignal("SIGTTOU", () => this.resize(this.target - 1));
    // SIGUSR1 (logrotate): every worker reopens its own log files.
    this.platform.onReopen(() => {
      for (const w of this.workers) w.proc.kill("SIGUSR1");
    });
  }

  private stop(cause: StopCause): void {
    const inFlight = [...this.workers].reduce((n, w) => n + w.inFlight, 0);
    if (!this.stopping) {
      this.stopping = true;
      for (const t of this.pending) clearTimeout(t);
      this.pending.clear();
      const seconds = this.graceMs / 1000;
      this.platform.stderr(
        `tsgi: ${cause}: stopping ${workersText(this.workers.size)}; ` +
          (inFlight === 0 ? "no request in flight" : `waiting up to ${seconds} s for ${requests(inFlight)} in flight (Ctrl-C or SIGTERM again to stop at once)`),
      );
      for (const w of this.workers) w.proc.send({ t: "stop" });
      if (this.workers.size === 0) void this.platform.exit(0);
      // Workers end themselves after the graceful timeout; one that does not is killed.
      setTimeout(() => {
        this.forced = true;
        for (const w of this.workers) w.proc.kill("SIGKILL");
      }, this.graceMs + STOP_SLACK_MS);
      return;
    }
    if (cause === "parent exited" || this.forced) return;
    this.forced = true;
    this.platform.stderr(`tsgi: ${cause} while stopping: stopping at once${inFlight === 0 ? "" : `, cutting ${requests(inFlight)} short`}`);
    for (const w of this.workers) w.proc.kill("SIGKILL");
    void this.platform.exit(FORCED_EXIT[cause]);
  }

  /** SIGHUP: a new generation of workers loads the app afresh and listens; only then the old ones drain. */
  private async reload(cause: string): Promise<void> {
    if (this.stopping) return;
    if (this.reloading) {
      this.platform.stderr(`tsgi: ${cause}: a reload is under way; ignored`);
      return;
    }
    this.reloading = true;
    const old = this.current();
    const generation = ++this.generation;
    this.platform.stderr(`tsgi: ${cause}: reloading (generation ${generation}, ${workersText(this.target)})`);
    const fresh: Worker[] = [];
    try {
      for (let i = 0; i < this.target; i++) fresh.push(this.spawn(i, generation, true));
      await Promise.all(fresh.map((w) => this.ready(w)));
    } catch (err) {
      // The old generation keeps serving; the new one goes.
      this.generation = generation - 1;
      for (const w of fresh) this.drain(w);
      this.reloading = false;
      this.platform.stderr(`tsgi: ${cause}: reload failed, still serving the previous code: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    for (const w of old) this.drain(w);
    this.reloading = false;
    this.platform.stderr(`tsgi: ${cause}: generation ${generation} serving; ${workersText(old.length)} of the previous one draining`);
  }

  /** --max-requests: the replacement listens first, then `w` drains. If it cannot start, `w` keeps serving. */
  private async retire(w: Worker, served: number): Promise<void> {
    if (this.stopping || w.state !== "ready" || w.generation !== this.generation || w.index >= this.target) return;
    this.platform.stderr(`tsgi: worker ${w.index} (pid ${w.proc.pid}) served ${served} requests (--max-requests); replacing it`);
    let fresh: Worker;
    try {
      fresh = this.spawn(w.index, this.generation, true);
      await this.ready(fresh);
    } catch (err) {
      this.platform.stderr(`tsgi: worker ${w.index}: its replacement failed, it keeps serving: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    if (w.state === "ready") this.drain(w);
  }

  /** SIGTTIN / SIGTTOU: one worker more or fewer (at least one). */
  private resize(n: number): void {
    if (this.stopping || n < 1) return;
    const before = this.target;
    this.target = n;
    if (n > before) this.respawn(n - 1);
    else for (const w of this.current()) if (w.index >= n) this.drain(w);
    this.platform.stderr(`tsgi: ${n > before ? "SIGTTIN" : "SIGTTOU"}: ${workersText(n)}`);
  }

  /** The watchdog: a serving worker without a heartbeat for `timeoutMs` is killed (and then replaced). */
  private watch(timeoutMs: number): void {
    setInterval(() => {
      const now = Date.now();
      for (const w of this.workers) {
        if (w.state === "starting" || w.killedBy !== null || now - w.lastBeat < timeoutMs) continue;
        w.killedBy = "watchdog";
        const busy = describeBusy(w.busy, now);
        this.platform.stderr(
          `tsgi: worker ${w.index} (pid ${w.proc.pid}) made no progress for ${((now - w.lastBeat) / 1000).toFixed(1)} s (--timeout ${timeoutMs / 1000}); killing it; ` +
            (busy === "" ? "it reported no request in flight" : `it was serving ${busy}`),
        );
        w.proc.kill("SIGKILL");
      }
    }, Math.max(50, Math.floor(timeoutMs / 4)));
  }
}

/** Runs `--workers count` under a supervisor; prints the ready line once all listen. */
export async function supervise(platform: Platform, processes: Supervision, args: RunArgs, argv: readonly string[], count: number): Promise<void> {
  const supervisor = new Supervisor(platform, processes, args, argv, count);
  const url = await supervisor.boot();
  if (args.module === undefined) platform.stderr(welcomeHint(platform.runtime));
  platform.stdout(`tsgi: listening on ${url} (${platform.runtime}, ${workersText(count)})`);
}
