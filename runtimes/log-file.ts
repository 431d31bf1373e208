// A log file (--access-logfile, --error-logfile) as a LogSink's StreamWriter: opened for appending
// at start (a file that cannot be opened is a startup error), written without blocking the event
// loop, and reopened on request (SIGUSR1, after logrotate moved it): the new file takes the next
// write, the old one is closed once the write under way on it is done. Runtime-agnostic: each
// runtime's platform supplies the FileApi (node:fs on Node and Bun, Deno's own files on Deno).
// Must never throw to a caller after open, and never block.

import { LogSink, type StreamWriter } from "./log-sink.ts";

/** An open file of a runtime, as the log needs it. */
export interface FileHandle {
  /** Writes some of `bytes` (all of them as far as the runtime can), resolving with how many. */
  write(bytes: Uint8Array): Promise<number>;
  close(): void;
}

/** How a runtime opens a file for appending (created with mode 0644 when missing). */
export interface FileApi {
  openSync(path: string): FileHandle;
  open(path: string): Promise<FileHandle>;
}

export class LogFile implements StreamWriter {
  private file: FileHandle;
  /** The file a write is under way on, or null. */
  private writing: FileHandle | null = null;
  /** A file replaced by reopen() while a write was under way on it: closed when that write ends. */
  private retired: FileHandle | null = null;

  /** Opens `path` for appending; throws the runtime's error when it cannot. */
  constructor(
    readonly path: string,
    private readonly api: FileApi,
  ) {
    this.file = api.openSync(path);
  }

  write(bytes: Uint8Array, done: (error: unknown) => void): void {
    const file = this.file;
    this.writing = file;
    const all = async (): Promise<void> => {
      while (bytes.length > 0) bytes = bytes.subarray(await file.write(bytes));
    };
    all().then(
      () => this.ended(file, done, null),
      (e: unknown) => this.ended(file, done, e),
    );
  }

  private ended(file: FileHandle, done: (error: unknown) => void, error: unknown): void {
    this.writing = null;
    if (this.retired === file) {
      this.retired = null;
      closeQuietly(file);
    }
    done(error);
  }

  /** Opens the path again (a new file if the old one was moved away); resolves once the new one takes writes. Rejects (keeping the old file) when it cannot. */
  async reopen(): Promise<void> {
    const next = await this.api.open(this.path);
    const old = this.file;
    this.file = next;
    if (this.writing === old) this.retired = old;
    else closeQuietly(old);
  }
}

function closeQuietly(file: FileHandle): void {
  try {
    file.close();
  } catch {
    // Closing a log file that failed already: nothing left to do.
  }
}

/** A log file the command line writes lines to: best effort like stdout (runtimes/log-sink.ts). */
export interface FileLog {
  readonly path: string;
  /** Queues one line; never throws, never blocks. */
  line(text: string): void;
  /** Opens the path again (logrotate); rejects, keeping the old file, when it cannot. */
  reopen(): Promise<void>;
  /** Resolves once what is queued has been written or given up on. */
  drained(): Promise<void>;
}

/** A FileLog on `path` (opened now; throws when it cannot be), reporting its own failure on `reportTo`. */
export function openFileLog(path: string, api: FileApi, reportTo: LogSink): FileLog {
  const file = new LogFile(path, api);
  const sink = new LogSink(path, file, true);
  sink.reportTo = reportTo;
  return {
    path,
    line: (text) => sink.line(text),
    reopen: () => file.reopen(),
    drained: () => sink.drained(),
  };
}
