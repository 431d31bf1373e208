// Test app that misbehaves on purpose, one fault per route, to check the server's answer:
//   /ok                     a normal "ok" (shows the server still serves after a fault)
//   /throw, /reject         throws synchronously / returns a rejected promise (before headers)
//   /throw-first-chunk      async generator that throws before its first chunk
//   /throw-after-headers    async generator: "partial" then throws (chunked, after headers)
//   /empty-then-throw       async generator: "" (sends nothing, headers not out yet) then throws
//   /no-start-response, /no-start-empty   a body (["x"] / []) without calling startResponse
//   /errors-stream          writes to wsgi.errors (write, writelines, flush), then answers "logged"
//   /junk-number, /junk-string, /junk-bytes, /junk-null   return something that is not a Body
//   /junk-chunk             yields a chunk that is a number
//   /bad-status?s=S         startResponse(S) with the TypeError left to escape
//   /check-status?s=S       startResponse(S) in try/catch: JSON {threw, typeError}; when it did not
//                           throw, the response is replaced with 200 through excInfo
//   /check-header?n=N&v=V   the same for one header [N, V]
//   /bad-header?n=N&v=V     startResponse with that header, error left to escape
//   /second-call            startResponse twice without excInfo, caught: JSON {threw, isError}
//   /second-call-escape     the same, error left to escape
//   /excinfo-replace        200 with X-First, then startResponse("503 ...", [X-Second], err)
//   /excinfo-rethrow        write("partial"), then startResponse(..., err) which must rethrow err
//   /cl-too-big             Content-Length 10, streams 5 bytes
//   /cl-too-small           Content-Length 3, streams 10 bytes
//   /cl-array-short, /cl-array-long  Content-Length 10 / 2 with a known 5-byte array body
//   /never                  a promise that never settles
//   /never-body             headers set, async generator that never yields
//   /stall-after-headers    yields "x" then never again
// Errors carry "tsgi-test: boom <route>" so tests can find the log line. It must never catch an
// error a route is meant to let escape.
import type { Application, Body, Environ, Header } from "../../src/wsgi/types.ts";

const never = () => new Promise<never>(() => {});
const text: Header = ["Content-Type", "text/plain"];

function boom(route: string): Error {
  return new Error(`tsgi-test: boom ${route}`);
}

function q(environ: Environ, key: string): string {
  return new URLSearchParams(environ.QUERY_STRING).get(key) ?? "";
}

function json(startResponse: Parameters<Application>[1], data: unknown, excInfo?: unknown): Body {
  startResponse("200 OK", [["Content-Type", "application/json"]], excInfo);
  return [JSON.stringify(data)];
}

const app: Application = (environ, startResponse) => {
  const route = environ.PATH_INFO;
  switch (route) {
    case "/ok":
      startResponse("200 OK", [text]);
      return ["ok"];
    case "/throw":
      throw boom(route);
    case "/reject":
      return Promise.reject(boom(route));
    case "/throw-first-chunk":
      startResponse("200 OK", [text]);
      return (async function* () {
        throw boom(route);
      })();
    case "/throw-after-headers":
      startResponse("200 OK", [text]);
      return (async function* () {
        yield "partial";
        throw boom(route);
      })();
    case "/empty-then-throw":
      startResponse("200 OK", [text]);
      return (async function* () {
        yield "";
        throw boom(route);
      })();
    case "/no-start-response":
      return ["x"];
    case "/no-start-empty":
      return [];
    case "/errors-stream": {
      const errors = environ["wsgi.errors"];
      errors.write("tsgi-test: errors.write");
      errors.writelines(["tsgi-test: writelines 1", "tsgi-test: writelines 2"]);
      errors.flush();
      startResponse("200 OK", [text]);
      return ["logged"];
    }
    case "/junk-number":
      startResponse("200 OK", [text]);
      return 42 as unknown as Body;
    case "/junk-string":
      startResponse("200 OK", [text]);
      return "abc" as unknown as Body;
    case "/junk-bytes":
      startResponse("200 OK", [text]);
      return new Uint8Array([1, 2, 3]) as unknown as Body;
    case "/junk-null":
      startResponse("200 OK", [text]);
      return null as unknown as Body;
    case "/junk-chunk":
      startResponse("200 OK", [text]);
      return [1234 as unknown as string];
    case "/bad-status":
      startResponse(q(environ, "s"), [text]);
      return ["should not be sent"];
    case "/check-status":
    case "/check-header": {
      try {
        if (route === "/check-status") startResponse(q(environ, "s"), [text]);
        else startResponse("200 OK", [[q(environ, "n"), q(environ, "v")]]);
      } catch (err) {
        return json(startResponse, { threw: true, typeError: err instanceof TypeError, message: String(err) });
      }
      // Accepted: replace it (nothing was sent yet) to report.
      return json(startResponse, { threw: false }, new Error("replace"));
    }
    case "/bad-header":
      startResponse("200 OK", [[q(environ, "n"), q(environ, "v")]]);
      return ["should not be sent"];
    case "/second-call":
      startResponse("200 OK", [text]);
      try {
        startResponse("201 Created", [text]);
      } catch (err) {
        return [JSON.stringify({ threw: true, isError: err instanceof Error })];
      }
      return [JSON.stringify({ threw: false })];
    case "/second-call-escape":
      startResponse("200 OK", [text]);
      startResponse("201 Created", [text]);
      return ["should not be sent"];
    case "/excinfo-replace": {
      startResponse("200 OK", [text, ["X-First", "1"]]);
      const err = boom(route);
      startResponse("503 Service Unavailable", [text, ["X-Second", "1"]], err);
      return ["replaced"];
    }
    case "/excinfo-rethrow":
      return (async () => {
        const write = startResponse("200 OK", [text]);
        await write("partial");
        const err = boom(route);
        try {
          startResponse("500 Internal Server Error", [text], err);
        } catch (thrown) {
          console.error(`tsgi-test: rethrown same=${thrown === err}`);
          throw thrown;
        }
        console.error("tsgi-test: excInfo was not rethrown");
        return ["not rethrown"];
      })();
    case "/cl-too-big":
      startResponse("200 OK", [text, ["Content-Length", "10"]]);
      return (async function* () {
        yield "12345";
      })();
    case "/cl-too-small":
      startResponse("200 OK", [text, ["Content-Length", "3"]]);
      return (async function* () {
        yield "1234567890";
      })();
    case "/cl-array-short":
      startResponse("200 OK", [text, ["Content-Length", "10"]]);
      return ["12345"];
    case "/cl-array-long":
      startResponse("200 OK", [text, ["Content-Length", "2"]]);
      return ["12345"];
    case "/never":
      return never();
    case "/never-body":
      startResponse("200 OK", [text]);
      return (async function* () {
        await never();
        yield "unreachable";
      })();
    case "/stall-after-headers":
      startResponse("200 OK", [text]);
      return (async function* () {
        yield "x";
        await never();
      })();
    case "/huge-array":
      // 32 MiB known at once: the whole body is queued for a client that may not read it.
      startResponse("200 OK", [text]);
      return [new Uint8Array(32 * 1024 * 1024).fill(0x7a)];
    default:
      startResponse("404 Not Found", [text]);
      return ["no such route"];
  }
};

export default app;
