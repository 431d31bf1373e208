// Log lines to stdout or stderr, best effort: a line is queued and written without blocking the
// event loop (each runtime's platform supplies a non-blocking StreamWriter for its standard
// streams). A stream slower than the log drops lines beyond a bounded queue and says how many
// once it keeps up again; a stream that fails (closed pipe, full disk) is reported once, on the
// other stream, and retried now and then. Runtime-agnostic.
// Must never throw to its caller, block, or hold more than MAX_QUEUED characters.

/** Writes bytes to one standard stream without blocking the event loop. */
export interface StreamWriter {
  /** Writes all of `bytes` (several writes if need be), then calls `done` once: null, or the error. */
  write(bytes: Uint8Array, done: (error: unknown) => void): void;
}

/** Characters held while a write is under way; lines past it are dropped and counted. */
export const MAX_QUEUED = 256 * 1024;
/** After a failed write, lines are dropped without trying for this long; the next line tries again. */
export const RETRY_MS = 1000;

/** CSI and OSC escape sequences (colours, cursor moves, titles). */
const ANSI = /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])/g;

/** The text without terminal escape sequences. */
export function stripAnsi(text: string): string {
  return text.includes("\x1b") ? text.replace(ANSI, "") : text;
}

/** An I/O error in a few words: `EPIPE: broken pipe, write`, `BrokenPipe: Broken pipe (os error 32)`. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  const name = typeof code === "string" ? code : error.name;
  return error.message.startsWith(name) ? error.message : `${name}: ${error.message}`;
}

const encoder = new TextEncoder();

export class LogSink {
  private queue: string[] = [];
  /** Characters queued, and how many log lines the queue stands for (a drop notice stands for those it counts). */
  private queued = 0;
  private queuedLines = 0;
  private writing = false;
  /** Lines dropped since the last line written, and why. */
  private dropped = 0;
  private dropReason = "";
  /** What went wrong with the stream (reported once), or null while it works. */
  private failure: string | null = null;
  private failedAt = 0;
  private idle: (() => void)[] = [];
  /** Where this sink reports its own failure: the other stream's sink. */
  reportTo: LogSink | null = null;

  constructor(
    /** "stdout" or "stderr", for the messages. */
    readonly name: string,
    private readonly writer: StreamWriter,
    /** Remove escape sequences (the stream is not a terminal). */
    private readonly plain: boolean,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Queues one line (a newline is added). Never throws, never blocks. */
  line(text: string): void {
    if (typeof text !== "string") {
      try {
        text = String(text);
      } catch {
        return this.drop(1, "a line was not text");
      }
    }
    if (this.plain) text = stripAnsi(text);
    if (this.failure !== null && this.clock() - this.failedAt < RETRY_MS) return this.drop(1, this.failure);
    if (this.writing && this.queued + text.length > MAX_QUEUED) return this.drop(1, `${this.name} could not keep up`);
    if (this.dropped > 0) this.pushNotice();
    this.push(text, 1);
    if (!this.writing) this.flush();
  }

  /** Resolves once everything queued has been written or given up on. */
  drained(): Promise<void> {
    if (!this.writing && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private push(text: string, lines: number): void {
    this.queue.push(text);
    this.queued += text.length + 1;
    this.queuedLines += lines;
  }

  private drop(lines: number, reason: string): void {
    this.dropped += lines;
    this.dropReason = reason;
  }

  private pushNotice(): void {
    const n = this.dropped;
    this.dropped = 0;
    this.push(`tsgi: ${n} log line${n === 1 ? "" : "s"} dropped: ${this.dropReason}`, n);
  }

  private clear(): void {
    this.queue = [];
    this.queued = 0;
    this.queuedLines = 0;
  }

  private flush(): void {
    // Lines dropped while the previous write was under way came after the queued ones.
    if (this.dropped > 0 && this.queue.length > 0) this.pushNotice();
    if (this.queue.length === 0) {
      for (const resolve of this.idle.splice(0)) resolve();
      return;
    }
    const text = this.queue.join("\n") + "\n";
    const lines = this.queuedLines;
    this.clear();
    this.writing = true;
    try {
      this.writer.write(encoder.encode(text), (e) => this.written(e, lines));
    } catch (e) {
      this.written(e, lines);
    }
  }

  private written(error: unknown, lines: number): void {
    this.writing = false;
    if (error === null || error === undefined) this.failure = null;
    else this.failed(error, lines);
    this.flush();
  }

  private failed(error: unknown, lines: number): void {
    this.failedAt = this.clock();
    // Lines queued meanwhile go too: the stream is not taking any.
    const lost = lines + this.queuedLines;
    this.clear();
    if (this.failure === null) {
      this.failure = `${this.name} could not be written (${describe(error)})`;
      this.reportTo?.line(`tsgi: error: ${this.failure}; its log lines are dropped until it works again`);
    }
    this.drop(lost, this.failure);
  }
}

export interface StandardSinks {
  readonly stdout: LogSink;
  readonly stderr: LogSink;
}

/** The sinks of a process's stdout and stderr, made by `make` on first use, each reporting its failure on the other. */
export function standardSinks(make: () => StandardSinks): () => StandardSinks {
  let sinks: StandardSinks | null = null;
  return () => {
    if (sinks !== null) return sinks;
    sinks = make();
    sinks.stdout.reportTo = sinks.stderr;
    sinks.stderr.reportTo = sinks.stdout;
    return sinks;
  };
}

/** How long exit() waits for stdout and stderr to take what is queued. */
export const EXIT_DRAIN_MS = 1000;

/** Waits until both sinks are drained, or `ms` has passed (a stuck stream must not hold up exit). */
export function drainBoth(sinks: StandardSinks, ms = EXIT_DRAIN_MS): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    void Promise.all([sinks.stdout.drained(), sinks.stderr.drained()]).then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
