// Test app: reads the request body in the way the path asks and echoes it back, reporting how it
// came in pieces. Routes: /whole (read()), /size/N (read(N) loop), /readline, /readline/N
// (readline(N) loop), /readlines, /iter (for await), /sha/<mode...> (JSON digest instead of echo),
// /noread (answers without reading), /count (how many requests reached the app).
// Read errors are never caught: the server decides the response (400, 408, 413).
// It must never read past what the mode asks for.
import type { Application, InputStream } from "../../src/wsgi/types.ts";

let calls = 0;

async function collect(input: InputStream, mode: string[]): Promise<Uint8Array[]> {
  const pieces: Uint8Array[] = [];
  switch (mode[0]) {
    case "whole":
      pieces.push(await input.read());
      break;
    case "size": {
      const n = Number(mode[1]);
      for (;;) {
        const b = await input.read(n);
        if (b.byteLength === 0) break;
        if (b.byteLength > n) throw new Error(`read(${n}) returned ${b.byteLength} bytes`);
        pieces.push(b);
      }
      break;
    }
    case "readline": {
      const n = mode[1] === undefined ? undefined : Number(mode[1]);
      for (;;) {
        const b = await input.readline(n);
        if (b.byteLength === 0) break;
        pieces.push(b);
      }
      break;
    }
    case "readlines":
      pieces.push(...(await input.readlines()));
      break;
    case "iter":
      for await (const line of input) pieces.push(line);
      break;
    default:
      throw new Error(`unknown mode ${mode.join("/")}`);
  }
  return pieces;
}

function concat(pieces: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(pieces.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of pieces) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

function hex(buf: ArrayBuffer): string {
  return [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

const app: Application = async (environ, startResponse) => {
  calls++;
  const parts = environ.PATH_INFO.split("/").filter((s) => s !== "");
  if (parts[0] === "count") {
    startResponse("200 OK", [["Content-Type", "text/plain"]]);
    return [String(calls)];
  }
  if (parts[0] === "noread" || parts.length === 0) {
    startResponse("200 OK", [["Content-Type", "text/plain"]]);
    return ["not read"];
  }
  const sha = parts[0] === "sha";
  const mode = sha ? parts.slice(1) : parts;
  const input = environ["wsgi.input"];
  const pieces = await collect(input, mode);
  const after = await input.read();
  const all = concat(pieces);
  const lengths = pieces.map((p) => p.byteLength);
  const headers: [string, string][] = [
    ["X-Mode", mode.join("/")],
    ["X-Count", String(pieces.length)],
    ["X-Pieces", lengths.length > 100 ? `${lengths.slice(0, 100).join(",")},...` : lengths.join(",")],
    ["X-Max-Piece", String(Math.max(0, ...lengths))],
    ["X-After", String(after.byteLength)],
    ["X-Content-Length", environ.CONTENT_LENGTH],
  ];
  if (sha) {
    const digest = hex(await crypto.subtle.digest("SHA-256", all as Uint8Array<ArrayBuffer>));
    startResponse("200 OK", [["Content-Type", "application/json"], ...headers]);
    return [JSON.stringify({ length: all.byteLength, sha256: digest })];
  }
  startResponse("200 OK", [["Content-Type", "application/octet-stream"], ...headers]);
  return [all];
};

export default app;
