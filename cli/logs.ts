// Where the command line's logs go: the access log (--access-logfile FILE or "-" for stdout;
// --access-log is "-"), the error log (--error-logfile FILE, "-" for stderr), the --log-level
// filter on error-log lines, reopening both files on SIGUSR1, and writing what they hold at exit.
// Must never block or throw once opened (the sinks are best effort) and never parse HTTP.

import type { Platform } from "../runtimes/driver.ts";
import type { FileLog } from "../runtimes/log-file.ts";

export const LOG_LEVELS = ["debug", "info", "warning", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** What the command line asked for; null for the standard stream. */
export interface LogArgs {
  /** The access log's file, "-" for stdout, or null for no access log. */
  accessFile: string | null;
  errorFile: string | null;
  level: LogLevel;
}

/** A log file that cannot be opened; main.ts prints it and exits 1. */
export class LogOpenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LogOpenError";
  }
}

/**
 * The level of an error-log line: the server's own lines say what they are (`tsgi: error:`,
 * `tsgi: internal error`, dropped-line notices are warnings, other `tsgi:` lines are info);
 * anything else is the application's (wsgi.errors, its exceptions) and counts as an error.
 */
export function levelOf(line: string): LogLevel {
  if (!line.startsWith("tsgi: ")) return "error";
  if (line.startsWith("tsgi: error") || line.startsWith("tsgi: internal error")) return "error";
  if (line.startsWith("tsgi: warning") || / log lines? dropped: /.test(line)) return "warning";
  if (line.startsWith("tsgi: debug")) return "debug";
  return "info";
}

export interface Logs {
  /** Where access-log lines go, or null. */
  readonly access: ((line: string) => void) | null;
  /** Whether debug lines pass the level (so the server makes them at all). */
  readonly debug: boolean;
  /** Where error-log lines go, filtered by level. */
  readonly error: (line: string) => void;
  /** Reopens the log files (SIGUSR1); a file that cannot be reopened is said on the error log and kept. */
  reopen(): void;
  /** Waits (up to `ms`) until the log files have written what they hold. */
  drained(ms: number): Promise<void>;
}

function open(platform: Platform, path: string, what: string): FileLog {
  try {
    return platform.openLog(path);
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new LogOpenError(`cannot open the ${what} ${path}: ${reason}`);
  }
}

/** Opens the logs the command line asked for. Throws LogOpenError. */
export function openLogs(platform: Platform, args: LogArgs): Logs {
  const files: FileLog[] = [];
  let errorOut = platform.stderr;
  if (args.errorFile !== null && args.errorFile !== "-") {
    const file = open(platform, args.errorFile, "error log");
    files.push(file);
    errorOut = file.line;
  }
  let access: ((line: string) => void) | null = null;
  if (args.accessFile === "-") access = platform.stdout;
  else if (args.accessFile !== null) {
    const file = open(platform, args.accessFile, "access log");
    files.push(file);
    access = file.line;
  }
  const min = LOG_LEVELS.indexOf(args.level);
  const error = min === 0 ? errorOut : (line: string) => {
    if (LOG_LEVELS.indexOf(levelOf(line)) >= min) errorOut(line);
  };
  return {
    access,
    debug: min === 0,
    error,
    reopen(): void {
      for (const file of files) {
        file.reopen().then(
          () => error(`tsgi: reopened ${file.path}`),
          (e: unknown) => error(`tsgi: error: cannot reopen ${file.path}: ${e instanceof Error ? e.message : String(e)}; still writing to the old file`),
        );
      }
    },
    drained(ms: number): Promise<void> {
      if (files.length === 0) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        void Promise.all(files.map((f) => f.drained())).then(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}
