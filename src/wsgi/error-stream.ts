// wsgi.errors (PEP 3333 "input and error streams"): text an application writes goes to the server's
// error log, one log line per line of text. Must never write anywhere but the log function it is
// given, and never throw to the application when that function fails.

import type { ErrorStream } from "./types.ts";

/** wsgi.errors over a line logger: text is split into lines; a partial line waits for flush(). */
export class ErrorLog implements ErrorStream {
  private partial = "";
  constructor(private readonly log: (line: string) => void) {}
  write(text: string): void {
    const parts = (this.partial + String(text)).split("\n");
    this.partial = parts.pop()!;
    for (const p of parts) this.emit(p);
  }
  writelines(lines: Iterable<string>): void {
    for (const l of lines) this.write(l);
  }
  flush(): void {
    if (this.partial !== "") {
      this.emit(this.partial);
      this.partial = "";
    }
  }
  private emit(line: string): void {
    try {
      this.log(line);
    } catch {
      // Logging is best effort: a failing sink must not break the application's request.
    }
  }
}
