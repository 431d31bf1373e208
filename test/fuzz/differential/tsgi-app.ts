// The echo app tsgi serves in the differential fuzzer: reads the whole body through wsgi.input and
// answers 200 with an empty body and the canonical report of what it saw in X-Echo (echo.ts).
// It must never answer anything else, so every other status comes from the server.
import type { Application } from "../../../src/wsgi/types.ts";
import { canonicalEnviron, encodeEcho, latin1 } from "./echo.ts";

const app: Application = async (env, startResponse) => {
  const body = await env["wsgi.input"].read();
  const pairs: [string, string][] = [];
  for (const key of Object.keys(env)) {
    const v = env[key];
    if (typeof v !== "string") continue;
    if (key.startsWith("HTTP_") || key === "CONTENT_TYPE" || key === "CONTENT_LENGTH") pairs.push([key, v]);
  }
  const echo = encodeEcho({ m: env.REQUEST_METHOD, t: String(env["tsgi.raw_uri"]), h: canonicalEnviron(pairs), b: latin1(body) });
  startResponse("200 OK", [["X-Echo", echo], ["Content-Length", "0"]]);
  return [];
};

export default app;
