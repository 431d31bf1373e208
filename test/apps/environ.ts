// Test app: answers every request with its environ as JSON. Strings, booleans, numbers and arrays
// are copied as they are; other values are described by type (and the methods of wsgi.input,
// wsgi.errors are listed). It must never read the body or change environ.
import type { Application } from "../../src/wsgi/types.ts";

const app: Application = (environ, startResponse) => {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(environ)) {
    const v = environ[key];
    if (typeof v === "string" || typeof v === "boolean" || typeof v === "number" || Array.isArray(v)) out[key] = v;
    else out[key] = `<${typeof v}>`;
  }
  const input = environ["wsgi.input"];
  const errors = environ["wsgi.errors"];
  out["__input"] = {
    read: typeof input.read,
    readline: typeof input.readline,
    readlines: typeof input.readlines,
    asyncIterator: typeof input[Symbol.asyncIterator],
  };
  out["__errors"] = { write: typeof errors.write, writelines: typeof errors.writelines, flush: typeof errors.flush };
  out["__file_wrapper"] = typeof environ["wsgi.file_wrapper"];
  startResponse("200 OK", [["Content-Type", "application/json"]]);
  return [JSON.stringify(out)];
};

export default app;
