// Test app for Expect: 100-continue: /read reads the whole body and echoes it; every other path
// answers "no read" without touching wsgi.input; /count says how many requests reached the app.
// It must never read the body except on /read.
import type { Application } from "../../src/wsgi/types.ts";

let calls = 0;

const app: Application = async (environ, startResponse) => {
  calls++;
  if (environ.PATH_INFO === "/count") {
    startResponse("200 OK", [["Content-Type", "text/plain"]]);
    return [String(calls)];
  }
  if (environ.PATH_INFO === "/read") {
    const body = await environ["wsgi.input"].read();
    startResponse("200 OK", [["Content-Type", "application/octet-stream"]]);
    return [body];
  }
  startResponse("200 OK", [["Content-Type", "text/plain"]]);
  return ["no read"];
};

export default app;
