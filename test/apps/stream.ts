// Test app for response framing and streaming. Routes (query parameters in brackets):
//   /array            ["a", "b", "c"] (known body: Content-Length)
//   /utf8             a string with non-ASCII characters (sent as UTF-8)
//   /bytes            Uint8Array chunks
//   /empty            [] (empty known body)
//   /gen [n]          async generator: n lines "chunk i\n" (default 3)
//   /gen-empty-chunks async generator yielding "a", "", empty bytes, "b"
//   /write            write("one "), write("two "), then returns ["three"]
//   /write-await      awaits write() for five chunks, returns []
//   /cl-stream        app-set Content-Length 10, async generator of two 5-byte chunks
//   /head             ["hello head"] with Content-Type (for HEAD vs GET)
//   /204, /304        no-body statuses (the 304 sets Content-Length: 99 and an ETag)
//   /own-date-server  sets its own Date and Server headers
//   /slow [n, ms]     n chunks, one every ms milliseconds (a response longer than the timeouts)
//   /big [id, total, chunk]  a large streamed body; progress recorded per id
//   /progress [id]    JSON {produced, done, finalised} for that id
//   /file-wrapper [size, block, sized]  wsgi.file_wrapper over a file-like object serving `size` bytes (saying so with `sized`)
//                     (byte i = i % 251); its close() logs "tsgi-test: file closed"
//   /pattern [size, seed]  one known body of `size` bytes, byte i = (i * 7 + seed) % 251
//   /pattern-stream [size, chunk, seed]  the same bytes from an async generator, in chunks of
//                     about `chunk` bytes (lengths vary), each a fresh array
//   anything else     "METHOD PATH_INFO?QUERY" as a known body (used for pipelining)
// It must never buffer: every generator yields as it goes.
import type { Application, Environ } from "../../src/wsgi/types.ts";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function query(environ: Environ): URLSearchParams {
  return new URLSearchParams(environ.QUERY_STRING);
}

async function* lines(n: number): AsyncGenerator<string> {
  for (let i = 1; i <= n; i++) yield `chunk ${i}\n`;
}

async function* emptyChunks(): AsyncGenerator<string | Uint8Array> {
  yield "a";
  yield "";
  yield new Uint8Array(0);
  yield "b";
}

async function* slow(n: number, ms: number): AsyncGenerator<string> {
  for (let i = 1; i <= n; i++) {
    yield `tick ${i}\n`;
    if (i < n) await sleep(ms);
  }
}

interface Progress {
  produced: number;
  done: boolean;
  /** The generator was finalised (ended, or stopped by the server through return()). */
  finalised: boolean;
}

const progress = new Map<string, Progress>();

async function* big(id: string, total: number, chunk: number): AsyncGenerator<Uint8Array> {
  const state: Progress = { produced: 0, done: false, finalised: false };
  progress.set(id, state);
  const block = new Uint8Array(chunk).fill(0x61);
  try {
    while (state.produced < total) {
      const n = Math.min(chunk, total - state.produced);
      state.produced += n;
      yield n === chunk ? block : block.subarray(0, n);
    }
    state.done = true;
  } finally {
    state.finalised = true;
  }
}

async function* patternStream(size: number, chunk: number, seed: number): AsyncGenerator<Uint8Array> {
  let at = 0;
  for (let k = 0; at < size; k++) {
    const n = Math.min(size - at, chunk + (k % 7) * 100);
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = ((at + i) * 7 + seed) % 251;
    at += n;
    yield out;
  }
}

const app: Application = (environ, startResponse) => {
  const q = query(environ);
  const text: [string, string] = ["Content-Type", "text/plain; charset=utf-8"];
  switch (environ.PATH_INFO) {
    case "/array":
      startResponse("200 OK", [text]);
      return ["a", "b", "c"];
    case "/utf8":
      startResponse("200 OK", [text]);
      return ["caf\u00e9 \u20ac"];
    case "/bytes":
      startResponse("200 OK", [["Content-Type", "application/octet-stream"]]);
      return [new Uint8Array([0, 1, 2]), new Uint8Array([255])];
    case "/empty":
      startResponse("200 OK", [text]);
      return [];
    case "/gen":
      startResponse("200 OK", [text]);
      return lines(Number(q.get("n") ?? "3"));
    case "/gen-empty-chunks":
      startResponse("200 OK", [text]);
      return emptyChunks();
    case "/write": {
      const write = startResponse("200 OK", [text]);
      write("one ");
      write("two ");
      return ["three"];
    }
    case "/write-await":
      return (async () => {
        const write = startResponse("200 OK", [text]);
        for (let i = 1; i <= 5; i++) await write(`w${i} `);
        return [];
      })();
    case "/cl-stream":
      startResponse("200 OK", [text, ["Content-Length", "10"]]);
      return (async function* () {
        yield "01234";
        yield "56789";
      })();
    case "/head":
      startResponse("200 OK", [text, ["X-Head", "yes"]]);
      return ["hello head"];
    case "/204":
      startResponse("204 No Content", [["X-Status", "204"]]);
      return [];
    case "/304":
      startResponse("304 Not Modified", [["ETag", '"v1"'], ["Content-Length", "99"]]);
      return [];
    case "/own-date-server":
      startResponse("200 OK", [text, ["Date", "Thu, 01 Jan 1970 00:00:00 GMT"], ["Server", "app-server/1"]]);
      return ["own"];
    case "/slow":
      startResponse("200 OK", [text]);
      return slow(Number(q.get("n") ?? "10"), Number(q.get("ms") ?? "100"));
    case "/big":
      startResponse("200 OK", [["Content-Type", "application/octet-stream"]]);
      return big(q.get("id") ?? "big", Number(q.get("total") ?? String(64 * 1024 * 1024)), Number(q.get("chunk") ?? "65536"));
    case "/pattern": {
      const size = Number(q.get("size") ?? "65536");
      const seed = Number(q.get("seed") ?? "0");
      const body = new Uint8Array(size);
      for (let i = 0; i < size; i++) body[i] = (i * 7 + seed) % 251;
      startResponse("200 OK", [["Content-Type", "application/octet-stream"]]);
      return [body];
    }
    case "/pattern-stream":
      startResponse("200 OK", [["Content-Type", "application/octet-stream"]]);
      return patternStream(Number(q.get("size") ?? "1000000"), Number(q.get("chunk") ?? "3000"), Number(q.get("seed") ?? "0"));
    case "/file-wrapper": {
      const size = Number(q.get("size") ?? "100000");
      const block = q.get("block");
      let at = 0;
      const file = {
        // ?sized: the file-like object says its size (the response then has a Content-Length).
        size: q.has("sized") ? size : undefined,
        read(n: number): Uint8Array {
          const len = Math.max(0, Math.min(n, size - at));
          const out = new Uint8Array(len);
          for (let i = 0; i < len; i++) out[i] = (at + i) % 251;
          at += len;
          return out;
        },
        close(): void {
          console.error("tsgi-test: file closed");
        },
      };
      startResponse("200 OK", [["Content-Type", "application/octet-stream"]]);
      return environ["wsgi.file_wrapper"](file, block === null ? undefined : Number(block));
    }
    case "/progress": {
      const state = progress.get(q.get("id") ?? "big") ?? { produced: -1, done: false, finalised: false };
      startResponse("200 OK", [["Content-Type", "application/json"]]);
      return [JSON.stringify(state)];
    }
    default: {
      startResponse("200 OK", [text]);
      const qs = environ.QUERY_STRING ? `?${environ.QUERY_STRING}` : "";
      return [`${environ.REQUEST_METHOD} ${environ.PATH_INFO}${qs}`];
    }
  }
};

export default app;
