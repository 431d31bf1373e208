// A Koa app for the node:http adapter tests: Koa's own callback (`app.callback()`), with no router
// package: a text answer, JSON out with a parameter and a query, JSON in (read from the request
// stream), a streamed body (a Readable as ctx.body), an upload piped into a hash, a thrown
// HttpError and Koa's default 404. Served through tsgi by fromNodeHandler (the default export)
// and on node:http by node-native.ts.
// It must never use anything of tsgi but the default export's fromNodeHandler.
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import Koa from "koa";
import { fromNodeHandler } from "../../adapters/node.ts";

const koa = new Koa();
koa.use(async (ctx, next) => {
  const item = /^\/items\/([^/]+)$/.exec(ctx.path);
  if (ctx.method === "GET" && ctx.path === "/") ctx.body = "Hello, Koa!";
  else if (ctx.method === "GET" && item !== null) ctx.body = { item: item[1], q: ctx.query.q ?? null };
  else if (ctx.method === "POST" && ctx.path === "/json") {
    const chunks: Buffer[] = [];
    for await (const chunk of ctx.req) chunks.push(chunk as Buffer);
    const numbers = (JSON.parse(Buffer.concat(chunks).toString("utf8")) as { numbers: number[] }).numbers;
    ctx.status = 201;
    ctx.body = { sum: numbers.reduce((a, b) => a + b, 0), count: numbers.length };
  } else if (ctx.method === "GET" && ctx.path === "/stream") {
    ctx.type = "text/plain";
    ctx.body = Readable.from(["part 1\n", "part 2\n", "part 3\n"]);
  } else if (ctx.method === "POST" && ctx.path === "/upload") {
    const hash = createHash("sha256");
    let bytes = 0;
    for await (const chunk of ctx.req) {
      bytes += (chunk as Buffer).length;
      hash.update(chunk as Buffer);
    }
    ctx.body = { bytes, sha256: hash.digest("hex") };
  } else if (ctx.path === "/teapot") ctx.throw(418, "short and stout");
  else await next();
});

export const handler = koa.callback();
export default fromNodeHandler(handler);
