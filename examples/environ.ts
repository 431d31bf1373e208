// Shows the request's environ as plain text: one `key = value` line per key, sorted by key.
// Handy to see what the server passes in. It must never change environ or read the body.
//
// Strings are shown as they are. As in PEP 3333, request bytes (PATH_INFO, HTTP_* values) are
// carried as Latin-1 strings, so a non-ASCII path shows here as one character per byte.
import type { Application } from "../src/wsgi/types.ts";

/** How one value is shown: strings as they are, arrays as JSON, objects and functions by type. */
function show(value: unknown): string {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return JSON.stringify(value);
  if (typeof value === "function") return `<function ${value.name || "anonymous"}>`;
  if (typeof value === "object" && value !== null) {
    return `<object ${value.constructor?.name ?? "Object"}>`;
  }
  return String(value); // numbers, booleans, undefined, null
}

const app: Application = (environ, startResponse) => {
  const lines = Object.keys(environ)
    .sort()
    .map((key) => `${key} = ${show(environ[key])}\n`);
  startResponse("200 OK", [["Content-Type", "text/plain; charset=utf-8"]]);
  return lines; // one chunk per line; the array's total length becomes Content-Length
};

export default app;
