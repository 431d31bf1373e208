// Test app for response semantics: when the headers go out and how the body is framed must follow
// from what the application does, never from whether its body is sync or async, fast or slow.
// Every route is a list of steps (a chunk to yield, or an action to run) and takes v= to pick how
// its body runs them:
//   v=sync   a function* generator
//   v=async  an async function* that yields without ever waiting
//   v=slow   an async function* that awaits a real timer (10 ms) between steps
//   v=array  the steps run at once, before returning, and the chunks are returned as an Array
// Routes (all send Content-Type: text/plain unless said otherwise):
//   /chunks                "abc", "def"
//   /whole                 "abcdef"
//   /empties               "", new Uint8Array(0)
//   /throw-after           "abc", then throws Error("tsgi-test: boom /throw-after v=V")
//   /excinfo-probe [id]    "abc", then catches an error and calls startResponse("500 ...", ..., err);
//                          records {threw, same} for id (same: it threw that very error), lets what
//                          it threw escape; if nothing was thrown, yields "not rethrown"
//   /probe [id]            JSON of the record for id (null when none), always an Array body
//   /replace [first]       starts 200 (text/html, X-First: 1), then (after yielding "" when
//                          first=empty; at once when first=none) startResponse("503 ...",
//                          [text/plain], err), then "replaced"
//   /cl-over [first]       Content-Length: 5, then "abc", "def" (or "123456" when first=long)
//   /cl-short              Content-Length: 5, then "abc"
//   /write                 write("abc") before returning, then the body "def"
//   /write-empty           write("") before returning, then the body "abc"
// It must never wait on anything but the slow variant's timers, and never catch an error a route
// is meant to let escape.
import type { Application, Environ } from "../../src/wsgi/types.ts";

type Chunk = string | Uint8Array;
type Step = Chunk | (() => void);

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const SLOW_MS = 10;
const text: [string, string] = ["Content-Type", "text/plain"];

/** What /excinfo-probe saw, by id. */
const probes = new Map<string, { threw: boolean; same: boolean }>();

function run(step: Step): Chunk | null {
  if (typeof step === "function") {
    step();
    return null;
  }
  return step;
}

function* syncBody(steps: Step[]): Generator<Chunk> {
  for (const step of steps) {
    const chunk = run(step);
    if (chunk !== null) yield chunk;
  }
}

async function* asyncBody(steps: Step[]): AsyncGenerator<Chunk> {
  for (const step of steps) {
    const chunk = run(step);
    if (chunk !== null) yield chunk;
  }
}

async function* slowBody(steps: Step[]): AsyncGenerator<Chunk> {
  for (const [i, step] of steps.entries()) {
    if (i > 0) await sleep(SLOW_MS);
    const chunk = run(step);
    if (chunk !== null) yield chunk;
  }
}

function arrayBody(steps: Step[]): Chunk[] {
  const out: Chunk[] = [];
  for (const step of steps) {
    const chunk = run(step);
    if (chunk !== null) out.push(chunk);
  }
  return out;
}

function body(v: string, steps: Step[]): Iterable<Chunk> | AsyncIterable<Chunk> {
  switch (v) {
    case "sync":
      return syncBody(steps);
    case "async":
      return asyncBody(steps);
    case "slow":
      return slowBody(steps);
    case "array":
      return arrayBody(steps);
    default:
      throw new Error(`tsgi-test: unknown variant v=${v}`);
  }
}

function query(environ: Environ): URLSearchParams {
  return new URLSearchParams(environ.QUERY_STRING);
}

const app: Application = (environ, startResponse) => {
  const q = query(environ);
  const v = q.get("v") ?? "sync";
  const route = environ.PATH_INFO;
  const boom = () => new Error(`tsgi-test: boom ${route} v=${v}`);
  switch (route) {
    case "/chunks":
      startResponse("200 OK", [text]);
      return body(v, ["abc", "def"]);
    case "/whole":
      startResponse("200 OK", [text]);
      return body(v, ["abcdef"]);
    case "/empties":
      startResponse("200 OK", [text]);
      return body(v, ["", new Uint8Array(0)]);
    case "/throw-after":
      startResponse("200 OK", [text]);
      return body(v, [
        "abc",
        () => {
          throw boom();
        },
      ]);
    case "/excinfo-probe": {
      const id = q.get("id") ?? "";
      startResponse("200 OK", [text]);
      return body(v, [
        "abc",
        () => {
          try {
            throw boom();
          } catch (err) {
            try {
              startResponse("500 Internal Server Error", [text], err);
            } catch (thrown) {
              probes.set(id, { threw: true, same: thrown === err });
              throw thrown;
            }
            probes.set(id, { threw: false, same: false });
          }
        },
        "not rethrown",
      ]);
    }
    case "/probe":
      startResponse("200 OK", [["Content-Type", "application/json"]]);
      return [JSON.stringify(probes.get(q.get("id") ?? "") ?? null)];
    case "/replace": {
      startResponse("200 OK", [["Content-Type", "text/html"], ["X-First", "1"]]);
      const replace = () => {
        startResponse("503 Service Unavailable", [text], boom());
      };
      return body(v, q.get("first") === "none" ? [replace, "replaced"] : ["", replace, "replaced"]);
    }
    case "/cl-over":
      startResponse("200 OK", [text, ["Content-Length", "5"]]);
      return body(v, q.get("first") === "long" ? ["123456"] : ["abc", "def"]);
    case "/cl-short":
      startResponse("200 OK", [text, ["Content-Length", "5"]]);
      return body(v, ["abc"]);
    case "/write": {
      const write = startResponse("200 OK", [text]);
      write("abc");
      return body(v, ["def"]);
    }
    case "/write-empty": {
      const write = startResponse("200 OK", [text]);
      write("");
      return body(v, ["abc"]);
    }
    default:
      startResponse("404 Not Found", [text]);
      return [`no route ${route}`];
  }
};

export default app;
