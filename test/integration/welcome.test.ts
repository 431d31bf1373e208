// The built-in welcome app: the command line with no MODULE serves a page showing the request's
// environ (plain text, or HTML when the client accepts it) and says on stderr how to serve your
// own app, on Bun, Deno and Node. Deno runs with --allow-net alone: the welcome app needs no read
// permission. It must never wait with sleeps.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { RawClient, get, header, text } from "../helpers/raw.ts";
import { BUN, DENO, LOG_MS, NODE, Proc, RUNTIMES, type Runtime, START_MS, STOP_MS } from "../helpers/server.ts";

/** The command line with no MODULE, as `bun run serve`, `deno run --allow-net serve.ts` and `npm start` run it (on a free port). */
function welcomeCommand(runtime: Runtime): [string, string[]] {
  const bind = ["-b", "127.0.0.1:0"];
  switch (runtime) {
    case "bun":
      return [BUN, ["serve.ts", ...bind]];
    case "deno":
      return [DENO, ["run", "--allow-net", "serve.ts", ...bind]];
    case "node":
      return [NODE, ["dist/serve.js", ...bind]];
  }
}

describe.each(RUNTIMES)("the welcome app (%s)", (runtime) => {
  let proc: Proc;
  let port = 0;

  beforeAll(async () => {
    proc = new Proc(...welcomeCommand(runtime));
    const line = await proc.stdout.waitFor(/^tsgi: listening on http:\/\/127\.0\.0\.1:(\d+) \((\w+)\)$/, 0, START_MS, proc.gone, `welcome on ${runtime}`);
    expect(line).toMatch(new RegExp(`\\(${runtime}\\)$`));
    port = Number(/:(\d+) \(/.exec(line)![1]);
  }, START_MS + 5_000);

  afterAll(async () => {
    proc.kill("SIGTERM");
    await proc.waitExit(STOP_MS);
  }, STOP_MS + 5_000);

  test("says on stderr that it serves the welcome page and how to serve your own app", async () => {
    const line = await proc.stderr.waitFor(/welcome page/, 0, LOG_MS, proc.gone, `${runtime} stderr`);
    expect(line).toMatch(/^tsgi: no MODULE given, so serving the built-in welcome page; to serve your own app, name its file: .*app\.ts/);
    expect(proc.stderr.text).not.toMatch(/error/i);
  });

  test("answers with the request's environ as plain text", async () => {
    const c = await RawClient.connect(port);
    const res = await c.request(get("/some/where?x=1", "User-Agent: welcome-test\r\n"));
    c.destroy();
    expect(res.status).toBe(200);
    expect(header(res, "content-type")).toBe("text/plain; charset=utf-8");
    expect(header(res, "vary")).toBe("Accept");
    const body = text(res);
    expect(body).toMatch(/^tsgi is running/);
    for (const line of ["REQUEST_METHOD = GET", "PATH_INFO = /some/where", "QUERY_STRING = x=1", "HTTP_USER_AGENT = welcome-test", `tsgi.runtime = ${runtime}`, "wsgi.version = [1,0]"]) {
      expect(body.split("\n"), line).toContain(line);
    }
  });

  test("answers a browser with an HTML page, request values escaped", async () => {
    const c = await RawClient.connect(port);
    const res = await c.request(get("/", "Accept: text/html,*/*\r\nUser-Agent: <b>&\"x\"\r\n"));
    c.destroy();
    expect(res.status).toBe(200);
    expect(header(res, "content-type")).toBe("text/html; charset=utf-8");
    const body = text(res);
    expect(body).toMatch(/^<!doctype html>/);
    expect(body).toContain(`<h1>tsgi is running (${runtime})</h1>`);
    expect(body).toContain("<tr><th>HTTP_USER_AGENT</th><td>&lt;b&gt;&amp;&quot;x&quot;</td></tr>");
    expect(body).not.toContain("<b>&");
  });
});
