// fromNodeHandler(handler): a node:http-style `(req, res)` handler (Express, Koa's app.callback(),
// Fastify's routing) as a tsgi Application. Each request gets an emulated IncomingMessage
// (node-request.ts) and ServerResponse (node-response.ts); the handler's synchronous or asynchronous
// answer becomes the body the server pulls (node-body.ts): an Array when the response ended before
// the handler returned (no Promise at all then), else a Promise settled once the headers are fixed,
// with a close() so that a client leaving before that reaches the handler as 'close'.
// Must never buffer a streamed body, never touch a runtime API beyond node:stream, node:events and
// node:buffer, and never let an error of the handler escape unlogged (it becomes the server's 500 or
// a cut response).

import type { Application } from "../src/wsgi/types.ts";
import { HeaderNames } from "./fetch-request.ts";
import { NodeResponse } from "./node-response.ts";

/**
 * A node:http request listener: `(req: IncomingMessage, res: ServerResponse) => void`. Typed loosely
 * so that this package's declarations need no @types/node: any two-argument function fits.
 */
export type NodeHandler = (req: never, res: never) => unknown;

/** A node:http-style handler as a tsgi Application. */
export function fromNodeHandler(handler: NodeHandler): Application {
  if (typeof handler !== "function") throw new TypeError("fromNodeHandler(handler): handler must be a function (req, res) => void");
  const names = new HeaderNames();
  const call = handler as (req: unknown, res: unknown) => unknown;
  return (environ, startResponse) => {
    const res = new NodeResponse(environ, names, startResponse);
    let returned: unknown;
    try {
      returned = call(res.req, res);
    } catch (err) {
      res._fail(err);
    }
    // node:http ignores what a handler returns; a rejected Promise would be an unhandled rejection there.
    if (returned instanceof Promise) returned.then(undefined, (err: unknown) => res._fail(err));
    return res._result();
  };
}
