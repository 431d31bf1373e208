// An app that breaks a rule the server itself lets pass (it writes a number to wsgi.errors, which the
// error log would print as text) on /lax, and answers correctly on every other path. For --validate.
// It must never break a rule the server checks on its own.
import type { Application } from "../../src/wsgi/types.ts";

const app: Application = (environ, startResponse) => {
  if (environ.PATH_INFO === "/lax") environ["wsgi.errors"].write(404 as unknown as string);
  startResponse("200 OK", [["Content-Type", "text/plain"]]);
  return ["fine"];
};

export default app;
