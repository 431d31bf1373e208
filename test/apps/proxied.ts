// Test app for a proxy in front (nginx): /env answers the environ's strings as JSON (what reached the
// app: addresses, scheme, forwarded headers); /upload reads the whole body and answers its length
// and SHA-256 (hex) as JSON; /stream?n=N yields N lines "line i\n" from an async generator, one
// timer turn apart. It must never buffer a streamed response or read past the body.
import type { Application } from "../../src/wsgi/types.ts";

async function* lines(n: number): AsyncGenerator<string> {
  for (let i = 1; i <= n; i++) {
    await new Promise<void>((resolve) => setTimeout(resolve, 1));
    yield `line ${i}\n`;
  }
}

const app: Application = async (environ, startResponse) => {
  const path = environ.PATH_INFO;
  if (path === "/upload") {
    const body = await environ["wsgi.input"].read();
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new Uint8Array(body)));
    const sha256 = [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
    startResponse("200 OK", [["Content-Type", "application/json"]]);
    return [JSON.stringify({ length: body.byteLength, sha256, contentLength: environ.CONTENT_LENGTH, transferEncoding: environ.HTTP_TRANSFER_ENCODING ?? null })];
  }
  if (path === "/stream") {
    const n = Number(new URLSearchParams(environ.QUERY_STRING).get("n") ?? "3");
    startResponse("200 OK", [["Content-Type", "text/plain"]]);
    return lines(n);
  }
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(environ)) if (typeof value === "string") out[key] = value;
  startResponse("200 OK", [["Content-Type", "application/json"]]);
  return [JSON.stringify(out)];
};

export default app;
