// A tiny framework written on the interface: a Router with get()/post() routes, `:name` path
// parameters, 404 and 405 answers and a JSON helper; then an app that uses it.
// It must stay an example: no regexes in paths, no middleware, no dependencies beyond the types.
//
//   curl http://127.0.0.1:8888/hello/Ada
//   curl -d '{"x": 1}' -H 'Content-Type: application/json' http://127.0.0.1:8888/echo
import type { Application, Body, Environ, Header, StartResponse } from "../src/wsgi/types.ts";

/** A route handler: a WSGI app that also gets the path parameters. */
export type Handler = (
  environ: Environ,
  startResponse: StartResponse,
  params: Record<string, string>,
) => Body | Promise<Body>;

interface Route {
  method: string;
  segments: string[]; // "/users/:id" -> ["users", ":id"]
  handler: Handler;
}

/** PATH_INFO carries the decoded path's bytes as a Latin-1 string; this recovers UTF-8 text. */
function latin1ToUtf8(s: string): string {
  const bytes = Uint8Array.from(s, (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

function split(path: string): string[] {
  return path.split("/").filter((segment) => segment !== "");
}

/** Sends `data` as JSON with the given status. Returns the body to hand back to the server. */
export function json(startResponse: StartResponse, data: unknown, status = "200 OK", headers: Header[] = []): Body {
  const bytes = new TextEncoder().encode(JSON.stringify(data) + "\n");
  startResponse(status, [
    ["Content-Type", "application/json"],
    ["Content-Length", String(bytes.byteLength)],
    ...headers,
  ]);
  return [bytes];
}

export class Router {
  private routes: Route[] = [];

  get(path: string, handler: Handler): this {
    return this.add("GET", path, handler);
  }

  post(path: string, handler: Handler): this {
    return this.add("POST", path, handler);
  }

  add(method: string, path: string, handler: Handler): this {
    this.routes.push({ method, segments: split(path), handler });
    return this;
  }

  /** The router as a WSGI application. An arrow function, so `router.app` can be passed around. */
  readonly app: Application = (environ, startResponse) => {
    const path = split(latin1ToUtf8(environ.PATH_INFO));
    // HEAD is answered by the GET route: the server sends the same headers and drops the body.
    const method = environ.REQUEST_METHOD === "HEAD" ? "GET" : environ.REQUEST_METHOD;
    const allowed = new Set<string>();
    for (const route of this.routes) {
      const params = match(route.segments, path);
      if (params === null) continue;
      if (route.method === method) return route.handler(environ, startResponse, params);
      allowed.add(route.method);
      if (route.method === "GET") allowed.add("HEAD");
    }
    if (allowed.size > 0) {
      return json(startResponse, { error: "method not allowed" }, "405 Method Not Allowed", [
        ["Allow", [...allowed].join(", ")],
      ]);
    }
    return json(startResponse, { error: "not found" }, "404 Not Found");
  };
}

/** The parameters if `path` fits the route's segments, else null. */
function match(segments: string[], path: string[]): Record<string, string> | null {
  if (segments.length !== path.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const want = segments[i];
    if (want.startsWith(":")) params[want.slice(1)] = path[i];
    else if (want !== path[i]) return null;
  }
  return params;
}

// ---- An app built with it ----

const router = new Router()
  .get("/", (_environ, startResponse) => {
    startResponse("200 OK", [["Content-Type", "text/plain"]]);
    return ["Try /hello/NAME or POST JSON to /echo\n"];
  })
  .get("/hello/:name", (_environ, startResponse, params) => {
    return json(startResponse, { hello: params.name });
  })
  .post("/echo", async (environ, startResponse) => {
    const text = new TextDecoder().decode(await environ["wsgi.input"].read());
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      return json(startResponse, { error: "body is not JSON" }, "400 Bad Request");
    }
    return json(startResponse, { received: data });
  });

export default router.app;
