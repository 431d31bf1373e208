// --validate on the command line, on every runtime: a correct request is answered as without it, and
// a request on which the app breaks a rule the server lets pass gets a 500, with an error line that
// names the rule and the section of docs/interface.md.
// It must never wait with sleeps (it waits for log lines).
import { describe, expect, test } from "vitest";
import { RawClient, get, text } from "../helpers/raw.ts";
import { RUNTIMES, useServer } from "../helpers/server.ts";

describe.each(RUNTIMES)("--validate (%s)", (runtime) => {
  const server = useServer(runtime, "test/apps/lax.ts", { args: ["--validate"] });

  test("a correct request passes; a broken rule is a 500 whose log line names it", async () => {
    const c = await RawClient.connect(server().port);
    const good = await c.request(get("/"));
    expect([good.status, text(good)]).toEqual([200, "fine"]);
    const mark = server().stderrMark();
    const bad = await c.request(get("/lax"));
    expect(bad.status).toBe(500);
    const line = await server().waitForStderr(/tsgi validate:/, mark);
    expect(line).toContain("wsgi.errors.write(number 404): only strings may be written [rule errors-text; docs/interface.md section 4]");
    c.destroy();
  });
});
