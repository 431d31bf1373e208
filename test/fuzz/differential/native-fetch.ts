// The native echo server of Bun (Bun.serve) and Deno (Deno.serve) for the differential fuzzer: the
// same report as tsgi's echo app (echo.ts) from a Fetch Request, on 127.0.0.1, port 0; prints
// "native: listening on PORT". Run as `bun native-fetch.ts` or `deno run --allow-net native-fetch.ts`.
// The target is the URL's path and query (a Fetch Request has no raw target). It must never change
// how the runtime parses (default options only).
import { canonicalHeaders, encodeEcho, latin1 } from "./echo.ts";

async function handle(req: Request): Promise<Response> {
  const body = new Uint8Array(await req.arrayBuffer());
  let target = req.url; // not a URL (Bun without a Host): reported as it is
  try {
    const url = new URL(req.url);
    target = url.pathname + url.search;
  } catch {}
  const pairs: [string, string][] = [];
  req.headers.forEach((value, name) => pairs.push([name, value]));
  const echo = encodeEcho({ m: req.method, t: target, h: canonicalHeaders(pairs), b: latin1(body) });
  return new Response(null, { status: 200, headers: { "X-Echo": echo, "Content-Length": "0" } });
}

interface Runtimes {
  Deno?: { serve(o: { port: number; hostname: string; onListen(a: { port: number }): void }, h: (r: Request) => Promise<Response>): unknown };
  Bun?: { serve(o: { port: number; hostname: string; fetch(r: Request): Promise<Response> }): { port: number } };
}
const { Deno, Bun } = globalThis as unknown as Runtimes;

if (Deno !== undefined) {
  Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: ({ port }) => console.log(`native: listening on ${port}`) }, handle);
} else if (Bun !== undefined) {
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: handle });
  console.log(`native: listening on ${server.port}`);
} else {
  throw new Error("native-fetch.ts runs under Bun or Deno");
}
