// The log sink of runtimes/log-sink.ts on a fake stream: lines written in order, batched while a
// write is under way, dropped and counted past the queue, a failing stream reported once on the
// other one and tried again after RETRY_MS, nothing thrown whatever the stream does, escape
// sequences removed for a stream that is not a terminal.
// Also the core's side: log functions that throw never break a request (CoreOptions.log and accessLog).
// It must never use real time: the stream completes writes when the test says, the clock is a number.
import { describe, expect, test } from "vitest";
import { LogSink, MAX_QUEUED, RETRY_MS, type StreamWriter, standardSinks } from "../../runtimes/log-sink.ts";
import { connect, finalStatuses, latin1, settle } from "./fake.ts";
import type { Application } from "../../src/wsgi/types.ts";

/** A stream whose writes complete when the test calls finish() (or fail with fail()). */
class FakeStream implements StreamWriter {
  readonly writes: string[] = [];
  private pending: ((error: unknown) => void) | null = null;
  /** Complete writes at once, successfully or with this error. */
  auto: "ok" | Error | null = "ok";

  write(bytes: Uint8Array, done: (error: unknown) => void): void {
    this.writes.push(new TextDecoder().decode(bytes));
    if (this.auto === "ok") done(null);
    else if (this.auto !== null) done(this.auto);
    else this.pending = done;
  }

  finish(error: unknown = null): void {
    const done = this.pending;
    this.pending = null;
    done?.(error);
  }

  get lines(): string[] {
    return this.writes.join("").split("\n").slice(0, -1);
  }
}

function pair(clock = () => 0) {
  const out = new FakeStream();
  const err = new FakeStream();
  const sinks = standardSinks(() => ({ stdout: new LogSink("stdout", out, true, clock), stderr: new LogSink("stderr", err, true, clock) }))();
  return { out, err, ...sinks };
}

describe("LogSink", () => {
  test("lines are written in order; those that arrive during a write go out together in the next", () => {
    const { out, stdout } = pair();
    out.auto = null;
    stdout.line("one");
    stdout.line("two");
    stdout.line("three");
    expect(out.writes).toEqual(["one\n"]);
    out.finish();
    expect(out.writes).toEqual(["one\n", "two\nthree\n"]);
  });

  test("past the queue lines are dropped, then counted after the queued ones", () => {
    const { out, stdout } = pair();
    out.auto = null;
    stdout.line("first");
    const line = "x".repeat(1000);
    const fit = Math.floor(MAX_QUEUED / (line.length + 1));
    for (let i = 0; i < fit + 7; i++) stdout.line(line);
    out.finish();
    expect(out.lines.filter((l) => l === line)).toHaveLength(fit);
    expect(out.lines.at(-1)).toBe("tsgi: 7 log lines dropped: stdout could not keep up");
  });

  test("a line longer than the queue is written when nothing else is under way", () => {
    const { out, stdout } = pair();
    stdout.line("y".repeat(MAX_QUEUED * 2));
    expect(out.lines).toEqual(["y".repeat(MAX_QUEUED * 2)]);
  });

  test("a failing stream is reported once on the other, tried again after RETRY_MS, and the loss counted", () => {
    let now = 0;
    const { out, err, stdout } = pair(() => now);
    out.auto = new Error("EPIPE: broken pipe, write");
    Object.assign(out.auto, { code: "EPIPE" });
    for (let i = 0; i < 5; i++) stdout.line(`line ${i}`);
    expect(out.writes).toEqual(["line 0\n"]);
    expect(err.lines).toEqual(["tsgi: error: stdout could not be written (EPIPE: broken pipe, write); its log lines are dropped until it works again"]);
    now = RETRY_MS - 1;
    stdout.line("still dropped");
    expect(out.writes).toHaveLength(1);
    now = RETRY_MS;
    stdout.line("tried and failed again");
    expect(out.writes).toHaveLength(2);
    expect(err.lines).toHaveLength(1);
    now = 2 * RETRY_MS;
    out.auto = "ok";
    stdout.line("works again");
    expect(out.writes.at(-1)).toBe("tsgi: 7 log lines dropped: stdout could not be written (EPIPE: broken pipe, write)\nworks again\n");
  });

  test("a stream that throws, and a line that is not text, never reach the caller", () => {
    const { out, stdout } = pair();
    const throwing = new LogSink("stderr", { write: () => { throw new Error("boom"); } }, true);
    throwing.reportTo = stdout;
    expect(() => throwing.line("x")).not.toThrow();
    expect(out.lines).toEqual(["tsgi: error: stderr could not be written (Error: boom); its log lines are dropped until it works again"]);
    const odd = { toString: () => { throw new Error("no text"); } };
    expect(() => stdout.line(odd as unknown as string)).not.toThrow();
    stdout.line("after");
    expect(out.lines.slice(1)).toEqual(["tsgi: 1 log line dropped: a line was not text", "after"]);
  });

  test("escape sequences are removed when the stream is not a terminal, kept when it is", () => {
    const plain = new FakeStream();
    const tty = new FakeStream();
    new LogSink("stderr", plain, true).line("\x1b[31mred\x1b[0m \x1b]0;title\x07text");
    new LogSink("stderr", tty, false).line("\x1b[31mred\x1b[0m");
    expect(plain.lines).toEqual(["red text"]);
    expect(tty.lines).toEqual(["\x1b[31mred\x1b[0m"]);
  });

  test("drained() resolves once the write under way and the queue are done", async () => {
    const { out, stdout } = pair();
    out.auto = null;
    stdout.line("a");
    stdout.line("b");
    let done = false;
    const drained = stdout.drained().then(() => (done = true));
    out.finish();
    await Promise.resolve();
    expect(done).toBe(false);
    out.finish();
    await drained;
    expect(out.lines).toEqual(["a", "b"]);
  });
});

describe("a log function that throws", () => {
  test("never breaks a request: access log, wsgi.errors and the application's error alike", async () => {
    const app: Application = (environ, startResponse) => {
      environ["wsgi.errors"].write("to a log that throws\n");
      if (environ.PATH_INFO === "/boom") throw new Error("boom");
      startResponse("200 OK", [["Content-Type", "text/plain"]]);
      return ["ok"];
    };
    const fail = () => {
      throw new Error("log failed");
    };
    const c = connect(app, { log: fail, accessLog: fail });
    try {
      c.send("GET /ok HTTP/1.1\r\nHost: a\r\n\r\nGET /ok HTTP/1.1\r\nHost: a\r\n\r\nGET /boom HTTP/1.1\r\nHost: a\r\n\r\n");
      await settle();
      expect(finalStatuses(c.transport.writes.map(latin1).join(""))).toEqual([200, 200, 500]);
      expect(c.transport.aborts).toBe(0);
    } finally {
      c.handle.closed();
    }
  });
});
