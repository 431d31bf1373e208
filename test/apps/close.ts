// Test app that records how the server ends each body. Every route takes ?tag=T; each close() or
// generator finalisation is counted per tag and logged to stderr as "tsgi-test: close tag=T"
// (or "finally tag=T"), so a test can wait for it. Routes:
//   /list       a sync iterable object with close()
//   /gen        an async generator (no close(): the server uses return() when it stops early)
//   /infinite   an async iterable object with close() that yields "tick\n" every 20 ms forever
//   /infinite-gen  an async generator that yields forever (finalised by return())
//   /throw-after   an iterable with close() that yields "a" (async) then throws
//   /throw-first   an iterable with close() whose first next() throws
//   /count      JSON {close, finally, return} for the tag
// It must never call its own close(): only the server does.
import type { Application, Chunk } from "../../src/wsgi/types.ts";

interface Counts {
  close: number;
  finally: number;
  return: number;
}

const counts = new Map<string, Counts>();

function countsFor(tag: string): Counts {
  let c = counts.get(tag);
  if (!c) {
    c = { close: 0, finally: 0, return: 0 };
    counts.set(tag, c);
  }
  return c;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function closer(tag: string) {
  return () => {
    countsFor(tag).close++;
    console.error(`tsgi-test: close tag=${tag}`);
  };
}

class ListBody implements Iterable<Chunk> {
  readonly close: () => void;
  constructor(tag: string) {
    this.close = closer(tag);
  }
  *[Symbol.iterator](): Iterator<Chunk> {
    yield "a";
    yield "b";
  }
}

class InfiniteBody implements AsyncIterable<Chunk> {
  readonly close: () => void;
  private readonly tag: string;
  constructor(tag: string) {
    this.tag = tag;
    this.close = closer(tag);
  }
  [Symbol.asyncIterator](): AsyncIterator<Chunk> {
    const tag = this.tag;
    return {
      async next(): Promise<IteratorResult<Chunk>> {
        await sleep(20);
        return { value: "tick\n", done: false };
      },
      async return(): Promise<IteratorResult<Chunk>> {
        countsFor(tag).return++;
        return { value: undefined, done: true };
      },
    };
  }
}

class ThrowingBody implements AsyncIterable<Chunk> {
  readonly close: () => void;
  private readonly first: boolean;
  constructor(tag: string, first: boolean) {
    this.first = first;
    this.close = closer(tag);
  }
  [Symbol.asyncIterator](): AsyncIterator<Chunk> {
    let n = 0;
    const first = this.first;
    return {
      async next(): Promise<IteratorResult<Chunk>> {
        n++;
        if (first || n > 1) throw new Error("tsgi-test: body failed");
        return { value: "a", done: false };
      },
    };
  }
}

async function* gen(tag: string, forever: boolean): AsyncGenerator<Chunk> {
  try {
    yield "one\n";
    yield "two\n";
    while (forever) {
      await sleep(20);
      yield "tick\n";
    }
  } finally {
    countsFor(tag).finally++;
    console.error(`tsgi-test: finally tag=${tag}`);
  }
}

const app: Application = (environ, startResponse) => {
  const tag = new URLSearchParams(environ.QUERY_STRING).get("tag") ?? "none";
  const text: [string, string] = ["Content-Type", "text/plain"];
  switch (environ.PATH_INFO) {
    case "/list":
      startResponse("200 OK", [text]);
      return new ListBody(tag);
    case "/gen":
      startResponse("200 OK", [text]);
      return gen(tag, false);
    case "/infinite":
      startResponse("200 OK", [text]);
      return new InfiniteBody(tag);
    case "/infinite-gen":
      startResponse("200 OK", [text]);
      return gen(tag, true);
    case "/throw-after":
      startResponse("200 OK", [text]);
      return new ThrowingBody(tag, false);
    case "/throw-first":
      startResponse("200 OK", [text]);
      return new ThrowingBody(tag, true);
    case "/count":
      startResponse("200 OK", [["Content-Type", "application/json"]]);
      return [JSON.stringify(countsFor(tag))];
    default:
      startResponse("404 Not Found", [text]);
      return ["no such route"];
  }
};

export default app;
