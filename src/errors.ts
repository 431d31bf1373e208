// Typed errors of the core. Each one that can reach the wire carries the HTTP status it maps to.
// Must never contain I/O or logging: the connection decides what to do with an error.

/** A request the server refuses. `status` is the response code, `detail` a short English phrase. */
export class HttpError extends Error {
  readonly status: number;
  readonly detail: string;
  constructor(status: number, detail: string) {
    super(`${status}: ${detail}`);
    this.name = "HttpError";
    this.status = status;
    this.detail = detail;
  }
}

/** The client closed the connection while the app was still reading its body or writing its response. */
export class ClientDisconnected extends Error {
  readonly status = 499;
  constructor() {
    super("client disconnected");
    this.name = "ClientDisconnected";
  }
}

/** The application broke the interface contract (bad body, bad chunk, wrong Content-Length, ...). Maps to 500. */
export class ApplicationError extends Error {
  readonly status = 500;
  constructor(message: string) {
    super(message);
    this.name = "ApplicationError";
  }
}

/** The application made no progress for longer than responseTimeout. Maps to 500. */
export class ApplicationTimeout extends Error {
  readonly status = 500;
  constructor(ms: number) {
    super(`application timed out: no progress for ${ms} ms`);
    this.name = "ApplicationTimeout";
  }
}

/** An error for a log line: its stack where it has one, else its text. */
export function errorText(e: unknown): string {
  return e instanceof Error ? (e.stack ?? e.message) : String(e);
}
