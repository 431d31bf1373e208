// Test app for the logging tests. Routes:
//   /ok            "ok"
//   /throw         throws an Error at THROW_LINE:THROW_COLUMN of this file (after type-only code
//                  that esbuild removes, so a stack without source maps names another line)
//   /errors?n=N    writes N lines "tsgi-test: errors line i" to wsgi.errors, answers "logged"
//   /ansi          writes "tsgi-test: " in red (ANSI escapes) to wsgi.errors, answers "logged"
// It must never catch the error /throw throws, and THROW_LINE must stay the line of that `throw`.
import type { Application, Environ } from "../../src/wsgi/types.ts";

/** Where /throw throws (1-based line and column of `new Error`). */
export const THROW_LINE = 32;
export const THROW_COLUMN = 9;

interface Unused {
  a: number;
  b: string;
  c: boolean;
}

type AlsoUnused = {
  d: Unused;
  e: Unused[];
};

export type { AlsoUnused };

function count(environ: Environ): number {
  return Number(new URLSearchParams(environ.QUERY_STRING).get("n") ?? "1");
}

function fail(): never {
  throw new Error("tsgi-test: thrown at a known line");
}

const app: Application = (environ, startResponse) => {
  switch (environ.PATH_INFO) {
    case "/throw":
      return fail();
    case "/errors":
      for (let i = 1; i <= count(environ); i++) environ["wsgi.errors"].write(`tsgi-test: errors line ${i}\n`);
      break;
    case "/ansi":
      environ["wsgi.errors"].write("\x1b[31mtsgi-test: \x1b[1mred\x1b[0m\n");
      break;
    default:
      startResponse("200 OK", [["Content-Type", "text/plain"]]);
      return ["ok"];
  }
  startResponse("200 OK", [["Content-Type", "text/plain"]]);
  return ["logged"];
};

export default app;
