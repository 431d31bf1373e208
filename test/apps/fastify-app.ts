// A Fastify app for the node:http adapter tests, reached through Fastify's `serverFactory` (the
// documented way to hand Fastify's routing to a server of one's own): routes with params and a
// query, JSON in and out through Fastify's own body parser and serializer, a streamed body (a
// Readable sent with reply.send), an upload hashed by a content-type parser that takes the raw
// stream, a thrown HttpError-style error and Fastify's default 404. Served through tsgi by
// fromNodeHandler (the default export) and on node:http by node-native.ts.
// It must never use anything of tsgi but the default export's fromNodeHandler.
import { createHash } from "node:crypto";
import { type IncomingMessage, type ServerResponse, createServer } from "node:http";
import { Readable } from "node:stream";
import Fastify from "fastify";
import { fromNodeHandler } from "../../adapters/node.ts";

let routed: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
const fastify = Fastify({
  serverFactory: (handle) => {
    routed = handle;
    return createServer(handle);
  },
});
fastify.get("/", async () => "Hello, Fastify!");
fastify.get<{ Params: { id: string }; Querystring: { q?: string } }>("/items/:id", async (req) => ({ item: req.params.id, q: req.query.q ?? null }));
fastify.post<{ Body: { numbers: number[] } }>("/json", async (req, reply) => {
  const numbers = req.body.numbers;
  reply.code(201);
  return { sum: numbers.reduce((a, b) => a + b, 0), count: numbers.length };
});
fastify.get("/stream", async (_req, reply) => {
  reply.type("text/plain");
  return reply.send(Readable.from(["part 1\n", "part 2\n", "part 3\n"]));
});
fastify.addContentTypeParser("*", (_req, payload, done) => done(null, payload));
fastify.post("/upload", async (req) => {
  const hash = createHash("sha256");
  let bytes = 0;
  for await (const chunk of req.body as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    hash.update(chunk);
  }
  return { bytes, sha256: hash.digest("hex") };
});
fastify.get("/teapot", async () => {
  throw Object.assign(new Error("short and stout"), { statusCode: 418 });
});
await fastify.ready();

export const handler = routed!;
export default fromNodeHandler(handler);
